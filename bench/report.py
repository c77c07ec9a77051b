#!/usr/bin/env python3
"""Renders bench/run.sh's raw figures (relay, metric, value, round) as Markdown tables.

Each figure is the median over rounds. Ratios are relay / HAProxy for the same metric.
"""

import argparse
import statistics
import sys
from collections import defaultdict

import results_tsv

REFERENCE = "haproxy"
# metric prefix -> test name used in the noisy_<test> flags
TESTS = [("bulk_fwd", "bulk_fwd"), ("bulk_rev", "bulk_rev"), ("conn", "conn"), ("ka", "keepalive"),
         ("idle", "idle")]
ORDER = ["direct", "splicer", "splicer-copy", "haproxy", "nginx"]
LABELS = {
    "direct": "direct (no relay)",
    "splicer": "splicer (splice)",
    "splicer-copy": "splicer (copy)",
    "haproxy": "haproxy (tcp, splice)",
    "nginx": "nginx stream",
}


def load(results_path, meta_path):
    values = defaultdict(list)
    noisy = []
    for relay, metric, value, round_ in results_tsv.rows(results_path):
        if metric.startswith("noisy_"):
            noisy.append((relay, metric[len("noisy_"):], round_))
            continue
        values[(relay, metric)].append(value)
    return values, noisy, results_tsv.meta(meta_path)


class Report:
    def __init__(self, values, noisy, meta):
        self.values = values
        self.figures = {key: statistics.median(v) for key, v in values.items()}
        self.noisy = noisy
        self.meta = meta
        present = {relay for relay, _ in self.figures}
        self.relays = [r for r in ORDER if r in present] + sorted(present - set(ORDER))
        self.lines = []
        self.load_cpu = meta.get("load_cpu", "0")
        self.relay_cpu = meta.get("relay_cpu", "1")

    def get(self, relay, metric):
        return self.figures.get((relay, metric))

    def ratio(self, relay, metric):
        value, ref = self.get(relay, metric), self.get(REFERENCE, metric)
        if value is None or ref is None or ref == 0 or relay == "direct":
            return None
        return value / ref

    @staticmethod
    def fmt(value, digits=2, suffix=""):
        if value is None:
            return "—"
        if digits == 0:
            return f"{value:,.0f}{suffix}"
        return f"{value:,.{digits}f}{suffix}"

    def pair(self, relay, first, second):
        a, b = self.get(relay, first), self.get(relay, second)
        if a is None and b is None:
            return "—"
        return f"{self.fmt(a, 0)} / {self.fmt(b, 0)} %"

    def fmt_ratio(self, relay, metric):
        return self.fmt(self.ratio(relay, metric), 2, "x")

    def table(self, header, rows, left=(0,)):
        """Columns listed in `left` are left-aligned, the others (figures) right-aligned."""
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" if i in left else "---:" for i in range(len(header))) + "|")
        for row in rows:
            self.lines.append("| " + " | ".join(row) + " |")
        self.lines.append("")

    def say(self, text=""):
        self.lines.append(text)

    # -----------------------------------------------------------------------------------------
    def header(self):
        m = self.meta
        self.say(f"# Splicer benchmark — {m.get('date', '?')}")
        self.say()
        self.say(f"- Machine: {m.get('host_cpus')} CPUs ({m.get('cpu_model')}), {m.get('mem')}, "
                 f"kernel {m.get('kernel')}, {m.get('os')}")
        self.say(f"- Versions: splicer {m.get('splicer')}, HAProxy {m.get('haproxy')}, nginx {m.get('nginx')}, "
                 f"iperf3 {m.get('iperf3')}, wrk {m.get('wrk')}, Python {m.get('python')}")
        self.say(f"- Pinning: {m.get('pinning')}; every relay runs one worker/thread")
        self.say(f"- {m.get('duration')} s per iperf3/wrk test; wrk {m.get('wrk_shape')}; "
                 f"{m.get('idle_conns')} idle connections; "
                 f"{m.get('rounds')} round(s), median shown; run took {m.get('elapsed')}")
        self.say(f"- sysctl: {m.get('sysctl')}")
        self.say("- Ratios are relay / HAProxy for the same metric.")
        self.say()

    def bulk(self):
        self.say("## 1. Bulk throughput (iperf3, one TCP stream, Gbit/s)")
        self.say()
        rows = []
        for r in self.relays:
            rows.append([
                LABELS.get(r, r),
                self.fmt(self.get(r, "bulk_fwd_gbps")), self.fmt_ratio(r, "bulk_fwd_gbps"),
                self.fmt(self.get(r, "bulk_rev_gbps")), self.fmt_ratio(r, "bulk_rev_gbps"),
                self.pair(r, "bulk_fwd_load_busy_pct", "bulk_rev_load_busy_pct"),
                self.pair(r, "bulk_fwd_relay_busy_pct", "bulk_rev_relay_busy_pct"),
            ])
        self.table(["relay", "client→server", "vs HAProxy", "server→client (-R)", "vs HAProxy",
                    f"CPU{self.load_cpu} busy →/←", f"CPU{self.relay_cpu} busy →/←"], rows)

    def cpu(self):
        self.say("## 2. Relay CPU seconds per GB moved (utime+stime during the iperf3 run; lower is better)")
        self.say()
        rows = []
        for r in self.relays:
            if r == "direct":
                continue
            rows.append([
                LABELS.get(r, r),
                self.fmt(self.get(r, "bulk_fwd_cpu_s_per_gb"), 3), self.fmt_ratio(r, "bulk_fwd_cpu_s_per_gb"),
                self.fmt(self.get(r, "bulk_rev_cpu_s_per_gb"), 3), self.fmt_ratio(r, "bulk_rev_cpu_s_per_gb"),
                self.pair(r, "bulk_fwd_cpu_pct", "bulk_rev_cpu_pct"),
            ])
        self.table(["relay", "client→server s/GB", "vs HAProxy", "server→client s/GB", "vs HAProxy",
                    "relay process CPU →/←"], rows)

    def http(self, prefix, title, unit):
        self.say(title)
        self.say()
        rows = []
        for r in self.relays:
            rows.append([
                LABELS.get(r, r),
                self.fmt(self.get(r, f"{prefix}_rps"), 0), self.fmt_ratio(r, f"{prefix}_rps"),
                self.fmt(self.get(r, f"{prefix}_p50_ms"), 3),
                self.fmt(self.get(r, f"{prefix}_p99_ms"), 3), self.fmt_ratio(r, f"{prefix}_p99_ms"),
                self.fmt(self.get(r, f"{prefix}_errors"), 0),
                self.fmt(self.get(r, f"{prefix}_cpu_pct"), 0, " %"),
                self.fmt(self.get(r, f"{prefix}_cpu_us_per_req"), 1),
                self.fmt_ratio(r, f"{prefix}_cpu_us_per_req"),
                self.pair(r, f"{prefix}_load_busy_pct", f"{prefix}_relay_busy_pct"),
            ])
        self.table(["relay", unit, "vs HAProxy", "p50 ms", "p99 ms", "p99 vs HAProxy", "errors",
                    "relay process CPU", "relay CPU µs/req", "vs HAProxy",
                    f"CPU{self.load_cpu}/CPU{self.relay_cpu} busy"], rows)

    def idle(self):
        n = self.meta.get("idle_conns", "N")
        self.say(f"## 5. Idle connections ({n} open through the relay, one 1-byte round trip each)")
        self.say()
        rows = []
        for r in self.relays:
            if r == "direct":
                continue
            mib = lambda key: None if self.get(r, key) is None else self.get(r, key) / 1024
            rows.append([
                LABELS.get(r, r),
                self.fmt(mib("idle_rss_before_kib"), 1), self.fmt(mib("idle_rss_open_kib"), 1),
                self.fmt(self.get(r, "idle_kib_per_conn"), 2), self.fmt_ratio(r, "idle_kib_per_conn"),
                self.fmt(self.get(r, "idle_fds_before"), 0), self.fmt(self.get(r, "idle_fds_open"), 0),
                self.fmt(self.get(r, "idle_fds_per_conn"), 2),
                f"{self.fmt(mib('idle_rss_closed_kib'), 1)} MiB / {self.fmt(self.get(r, 'idle_fds_closed'), 0)}",
            ])
        self.table(["relay", "RSS before (MiB)", f"RSS, {n} open (MiB)", "KiB/conn", "vs HAProxy",
                    "fds before", f"fds, {n} open", "fds/conn", "after close: RSS / fds"], rows)

    def targets(self):
        self.say("## Targets (splicer in splice mode)")
        self.say()
        rows = []

        def disturbed(metric, relays):
            test = next((t for prefix, t in TESTS if metric.startswith(prefix)), None)
            hits = [f"{LABELS.get(r, r)} round {n}" for r, t, n in sorted(self.noisy)
                    if t == test and r in relays]
            return "disturbed: " + ", ".join(hits) if hits else ""

        def ratio_target(name, metric, op, bound):
            value = self.ratio("splicer", metric)
            if value is None:
                rows.append([name, "not measured", "—", ""])
                return
            met = value >= bound if op == ">=" else value <= bound
            rows.append([name, f"{value:.2f}x HAProxy", "yes" if met else "**no**",
                         disturbed(metric, ("splicer", REFERENCE))])

        def absolute_target(name, metric, bound, unit):
            value = self.get("splicer", metric)
            if value is None:
                rows.append([name, "not measured", "—", ""])
                return
            rows.append([name, f"{value:.2f} {unit}", "yes" if value <= bound else "**no**", ""])

        # The performance targets of docs/BENCHMARKS.md ("Against HAProxy, every connection
        # logged"); bench/ab.sh is the alternating check of the same figures.
        ratio_target("bulk throughput client→server >= 1.05x HAProxy", "bulk_fwd_gbps", ">=", 1.05)
        ratio_target("bulk throughput server→client >= 1.05x HAProxy", "bulk_rev_gbps", ">=", 1.05)
        ratio_target("CPU s/GB client→server <= 0.9x HAProxy", "bulk_fwd_cpu_s_per_gb", "<=", 0.9)
        ratio_target("CPU s/GB server→client <= 0.9x HAProxy", "bulk_rev_cpu_s_per_gb", "<=", 0.9)
        ratio_target("new connections/s >= 1.05x HAProxy", "conn_rps", ">=", 1.05)
        ratio_target("CPU µs per connection <= 0.9x HAProxy", "conn_cpu_us_per_req", "<=", 0.9)
        ratio_target("keep-alive requests/s >= 1.1x HAProxy", "ka_rps", ">=", 1.1)
        ratio_target("keep-alive p99 latency <= HAProxy", "ka_p99_ms", "<=", 1.0)
        absolute_target("fds per idle connection <= 2", "idle_fds_per_conn", 2.0, "fds")
        absolute_target("RSS per idle connection <= 1.5 KiB", "idle_kib_per_conn", 1.5, "KiB")
        self.table(["target", "measured", "met", "tests run on a busy machine"], rows, left=(0, 3))

    def caveats(self):
        noisy = sorted(self.noisy)
        steal = [v for (relay, metric), v in self.figures.items() if metric.endswith("_steal_pct")]
        self.say("## Measurement notes")
        self.say()
        if noisy:
            self.say("- Measured while the machine was not quiet (other processes busy before or after, or "
                     "hypervisor steal during the test, even after retries): "
                     + ", ".join(f"{LABELS.get(r, r)} {t} (round {n})" for r, t, n in noisy) + ".")
        else:
            self.say("- Every test ran on a quiet machine (no other process busy before or right after it).")
        if steal:
            self.say(f"- Hypervisor steal during the load tests: at most {max(steal):.1f} % of all CPUs "
                     f"(the highest per-test median over rounds).")
        self.say(f"- CPU{self.load_cpu}/CPU{self.relay_cpu} busy: share of each CPU that was not idle during "
                 "the test (user+system+irq+softirq from /proc/stat), whoever used it. "
                 "Relay process CPU: utime+stime of the relay process (nginx: its worker) over wall time.")
        self.say()
        if int(self.meta.get("rounds", "1")) > 1:
            self.spread()

    def spread(self):
        self.say("### Round-to-round spread (min–max over rounds; the tables above show the median)")
        self.say()
        metrics = [("bulk_fwd_gbps", "Gbit/s →", 1), ("bulk_rev_gbps", "Gbit/s ←", 1),
                   ("bulk_fwd_cpu_s_per_gb", "s/GB →", 3), ("bulk_rev_cpu_s_per_gb", "s/GB ←", 3),
                   ("conn_rps", "conn/s", 0), ("ka_rps", "keep-alive req/s", 0),
                   ("ka_p99_ms", "keep-alive p99 ms", 2)]
        rows = []
        for r in self.relays:
            row = [LABELS.get(r, r)]
            for metric, _, digits in metrics:
                v = self.values.get((r, metric))
                row.append("—" if not v else f"{self.fmt(min(v), digits)}–{self.fmt(max(v), digits)}")
            rows.append(row)
        self.table(["relay"] + [label for _, label, _ in metrics], rows)

    def render(self):
        self.header()
        self.bulk()
        self.cpu()
        self.http("conn", "## 3. New connections per second (wrk, `Connection: close`)", "conn/s")
        self.http("ka", "## 4. Keep-alive requests per second and latency (wrk --latency)", "req/s")
        self.idle()
        self.targets()
        self.caveats()
        return "\n".join(self.lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True)
    parser.add_argument("--meta", required=True)
    args = parser.parse_args()
    values, noisy, meta = load(args.results, args.meta)
    print(Report(values, noisy, meta).render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
