#!/usr/bin/env python3
"""Markdown report for bench/routing.sh.

Reads the per-round figures ("variant<TAB>metric<TAB>value<TAB>round") and the run's metadata
("key<TAB>value"), and prints medians with their min-max spread, and ratios to the plain
listener. A ratio is taken within each round (the variants of one round run back to back) and
the median of those per-round ratios is shown, so drift between rounds cancels out.

A test that bench/routing.sh flagged as disturbed (other load around it, or hypervisor steal,
even after its retry) is left out of every figure when the same test has undisturbed rounds,
and listed in the notes.
"""

import argparse
import statistics
from collections import defaultdict

import results_tsv

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
    for variant, metric, value, round_ in results_tsv.rows(results_path):
        figures[(variant, metric)][int(round_)] = value
    left_out = drop_disturbed(figures)
    return figures, results_tsv.meta(meta_path), left_out


def drop_disturbed(figures):
    """Removes the rounds of each (variant, test) flagged noisy_<test>, unless every round of
    it is flagged; returns what was removed, as "variant test (round N)" strings."""
    left_out = []
    for (variant, metric), rounds in list(figures.items()):
        if not metric.startswith("noisy_"):
            continue
        test = metric[len("noisy_"):]
        measured = figures.get((variant, f"{test}_rps" if test == "conn" else f"{test}_gbps"), {})
        if set(measured) <= set(rounds):
            continue  # nothing undisturbed to keep instead
        for r in sorted(rounds):
            left_out.append(f"{variant} {test} (round {r})")
            for (v, m), values in figures.items():
                if v == variant and m.startswith(test + "_"):
                    values.pop(r, None)
    return left_out


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


def noise_band(figures, metric):
    """How far the control (plain-b ÷ plain, two identical listeners) strayed from 1 in any
    round: a ratio closer to 1 than this is not a measurable difference on this run."""
    control = ratios(figures, "plain-b", metric)
    return max(abs(c - 1) for c in control) if control else None


def verdicts(figures, out):
    out.append("### Targets")
    out.append("")
    out.append(
        "Noise: the largest distance from 1 of the control's per-round ratio (plain-b ÷ plain, "
        "two identical listeners). A median ratio closer to 1 than that is not a measurable difference."
    )
    out.append("")
    out.append("| target | median (min–max) over rounds | noise | verdict |")
    out.append("|---|---:|---:|---|")
    sni = ratios(figures, "sni", "conn_rps")
    if sni:
        median = statistics.median(sni)
        verdict = "met" if median >= SNI_TARGET else "missed"
        if min(sni) < SNI_TARGET <= median:
            verdict += f" (not in every round: lowest {min(sni):.3f})"
        band = noise_band(figures, "conn_rps")
        noise = f"±{band:.3f}" if band is not None else "—"
        out.append(f"| sni conn/s ÷ plain ≥ {SNI_TARGET:.2f} | {spread(sni, 3)} | {noise} | {verdict} |")
    checks = (
        ("routed", "bulk_gbps", "routed bulk Gbit/s ÷ plain: no measurable cost"),
        ("routed", "bulk_cpu_s_per_gb", "routed bulk CPU s/GB ÷ plain: no measurable cost"),
        ("sni-notls", "bulk_gbps", "sni-notls bulk Gbit/s ÷ plain (not_tls verdict, default pool)"),
        ("sni-notls", "bulk_cpu_s_per_gb", "sni-notls bulk CPU s/GB ÷ plain"),
        ("routed", "conn_cpu_ms_per_1k", "routed relay CPU per connection ÷ plain"),
        ("sni", "conn_cpu_ms_per_1k", "sni relay CPU per connection ÷ plain"),
    )
    for variant, metric, name in checks:
        measured = ratios(figures, variant, metric)
        if not measured:
            continue
        band = noise_band(figures, metric)
        median = statistics.median(measured)
        if band is None:
            noise, verdict = "—", "no control run (CONTROL=0)"
        elif abs(median - 1) <= band:
            noise, verdict = f"±{band:.3f}", "within the noise"
        else:
            noise, verdict = f"±{band:.3f}", f"measurable: {100 * (median - 1):+.1f} %"
        out.append(f"| {name} | {spread(measured, 3)} | {noise} | {verdict} |")
    out.append("")


def notes(figures, left_out, out):
    noisy = sorted(
        f"{variant} {metric[len('noisy_'):]} (round {r})"
        for (variant, metric), rounds in figures.items()
        if metric.startswith("noisy_")
        for r in rounds
        if f"{variant} {metric[len('noisy_'):]} (round {r})" not in left_out
    )
    steal = [v for (variant, metric), rounds in figures.items() if metric.endswith("_steal_pct") for v in rounds.values()]
    out.append("### Notes")
    out.append("")
    if left_out:
        out.append(
            "- Left out of the figures, disturbed by other load even after the retry (the same "
            "test has undisturbed rounds): " + ", ".join(sorted(left_out)) + "."
        )
    if noisy:
        out.append("- Kept although disturbed (no undisturbed round of that test): " + ", ".join(noisy) + ".")
    if not left_out and not noisy:
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
    figures, meta, left_out = load(args.results, args.meta)
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
    notes(figures, left_out, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
