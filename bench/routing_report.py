#!/usr/bin/env python3
"""Markdown report for bench/routing.sh.

Reads the per-round figures ("variant<TAB>metric<TAB>value<TAB>round") and the run's metadata
("key<TAB>value"), and prints medians with their min-max spread, and ratios to the plain
listener. A ratio is taken within each round (the variants of one round run back to back) and
the median of those per-round ratios is shown, so drift between rounds cancels out.
"""

import argparse
import statistics
from collections import defaultdict

CONN_VARIANTS = ["plain", "plain-b", "routed", "sni"]
BULK_VARIANTS = ["plain", "plain-b", "routed", "sni-notls"]
LABELS = {
    "plain": "plain (pool only)",
    "plain-b": "plain-b (control: same as plain)",
    "routed": "routed (10 allow, 10 deny, 10 source routes)",
    "sni": "sni (10 sni routes, last one matches)",
    "sni-notls": "sni-notls (sni listener, no ClientHello: not_tls, default pool)",
}
SNI_TARGET = 0.90


def load(results_path, meta_path):
    figures = defaultdict(dict)  # (variant, metric) -> {round: value}
    with open(results_path) as results:
        for line in results:
            variant, metric, value, round_ = line.rstrip("\n").split("\t")
            figures[(variant, metric)][int(round_)] = float(value)
    meta = {}
    with open(meta_path) as meta_file:
        for line in meta_file:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    return figures, meta


def fmt(value, digits):
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def spread(values, digits):
    """Median, and (min–max) when there is more than one value."""
    if not values:
        return "—"
    median = fmt(statistics.median(values), digits)
    if len(values) == 1:
        return median
    return f"{median} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def ratios(figures, variant, metric, base="plain"):
    """Per-round ratios variant ÷ base for the rounds that have both."""
    mine, theirs = figures.get((variant, metric), {}), figures.get((base, metric), {})
    return [mine[r] / theirs[r] for r in sorted(mine) if r in theirs and theirs[r] > 0]


def values(figures, variant, metric):
    return list(figures.get((variant, metric), {}).values())


def present(figures, variants, metric):
    return [v for v in variants if (v, metric) in figures]


def conn_table(figures, out):
    out.append("### New connections per second (one ClientHello per connection)")
    out.append("")
    out.append("Median over rounds (min–max). Ratios: median of the per-round ratios to plain (min–max).")
    out.append("")
    out.append(
        "| listener | conn/s | conn/s ÷ plain | relay CPU ms per 1000 conns | CPU per conn ÷ plain "
        "| relay process CPU % | CPU1 busy % | CPU0 busy % | errors |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for variant in present(figures, CONN_VARIANTS, "conn_rps"):
        base = variant == "plain"
        out.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0f} |".format(
                LABELS[variant],
                spread(values(figures, variant, "conn_rps"), 0),
                "1" if base else spread(ratios(figures, variant, "conn_rps"), 3),
                spread(values(figures, variant, "conn_cpu_ms_per_1k"), 1),
                "1" if base else spread(ratios(figures, variant, "conn_cpu_ms_per_1k"), 3),
                spread(values(figures, variant, "conn_cpu_pct"), 0),
                spread(values(figures, variant, "conn_relay_busy_pct"), 0),
                spread(values(figures, variant, "conn_load_busy_pct"), 0),
                sum(values(figures, variant, "conn_errors")),
            )
        )
    out.append("")


def bulk_table(figures, out):
    out.append("### Bulk (iperf3, one stream, client → server)")
    out.append("")
    out.append(
        "| listener | Gbit/s | Gbit/s ÷ plain | relay CPU s/GB | CPU per GB ÷ plain "
        "| CPU1 busy % | CPU0 busy % |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for variant in present(figures, BULK_VARIANTS, "bulk_gbps"):
        base = variant == "plain"
        out.append(
            "| {} | {} | {} | {} | {} | {} | {} |".format(
                LABELS[variant],
                spread(values(figures, variant, "bulk_gbps"), 2),
                "1" if base else spread(ratios(figures, variant, "bulk_gbps"), 3),
                spread(values(figures, variant, "bulk_cpu_s_per_gb"), 3),
                "1" if base else spread(ratios(figures, variant, "bulk_cpu_s_per_gb"), 3),
                spread(values(figures, variant, "bulk_relay_busy_pct"), 0),
                spread(values(figures, variant, "bulk_load_busy_pct"), 0),
            )
        )
    out.append("")


def verdicts(figures, out):
    out.append("### Targets")
    out.append("")
    out.append("| target | median (min–max) over rounds | verdict |")
    out.append("|---|---:|---|")
    sni = ratios(figures, "sni", "conn_rps")
    if sni:
        median = statistics.median(sni)
        verdict = "met" if median >= SNI_TARGET else "missed"
        if min(sni) < SNI_TARGET <= median:
            verdict += f" (not in every round: lowest {min(sni):.3f})"
        out.append(f"| sni conn/s ÷ plain ≥ {SNI_TARGET:.2f} | {spread(sni, 3)} | {verdict} |")
    control = {m: ratios(figures, "plain-b", m) for m in ("bulk_gbps", "bulk_cpu_s_per_gb")}
    for metric, name in (("bulk_gbps", "Gbit/s"), ("bulk_cpu_s_per_gb", "CPU s/GB")):
        routed = ratios(figures, "routed", metric)
        if not routed:
            continue
        if control[metric]:
            low, high = min(control[metric]), max(control[metric])
            inside = low <= statistics.median(routed) <= high
            verdict = (
                f"{'inside' if inside else 'outside'} the control's range "
                f"(plain-b ÷ plain: {low:.3f}–{high:.3f})"
            )
        else:
            verdict = "no control run (CONTROL=0)"
        out.append(f"| routed bulk {name} ÷ plain: no measurable cost | {spread(routed, 3)} | {verdict} |")
    out.append("")


def notes(figures, meta, out):
    noisy = sorted(
        f"{variant} {metric[len('noisy_'):]} (round {r})"
        for (variant, metric), rounds in figures.items()
        if metric.startswith("noisy_")
        for r in rounds
    )
    steal = [v for (variant, metric), rounds in figures.items() if metric.endswith("_steal_pct") for v in rounds.values()]
    out.append("### Notes")
    out.append("")
    if noisy:
        out.append("- Measured while the machine was not quiet (even after the retry): " + ", ".join(noisy) + ".")
    else:
        out.append("- Every test ran on a quiet machine (or after a retry).")
    if steal:
        out.append(f"- Hypervisor steal during the tests: at most {max(steal):.1f} % of all CPUs.")
    out.append(
        "- relay process CPU %: the Splicer process's utime+stime over wall time (100 = one core). "
        "CPU0/CPU1 busy: the whole CPU, whoever used it (CPU1 includes the loopback softirq work "
        "charged to no process)."
    )
    out.append("")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True)
    parser.add_argument("--meta", required=True)
    args = parser.parse_args()
    figures, meta = load(args.results, args.meta)
    out = [f"## Routing cost: run of {meta.get('date', '?')}", ""]
    out.append("```sh")
    out.append(meta.get("command", "bash bench/routing.sh"))
    out.append("```")
    out.append("")
    for key in ("splicer", "cpu_model", "kernel", "tools", "client_hello", "shape", "pinning", "elapsed"):
        if key in meta:
            out.append(f"- {key.replace('_', ' ')}: {meta[key]}")
    out.append("")
    conn_table(figures, out)
    bulk_table(figures, out)
    verdicts(figures, out)
    notes(figures, meta, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
