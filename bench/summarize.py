#!/usr/bin/python3
"""Prints the medians of bench/run's results (results.tsv) as a table.

Each row of the input is: nodelay, scenario, setup, round, key, value. The
table has one line per scenario and figure, the medians of the three setups,
and the ratios gatewarden/direct and gatewarden/relay. For the fixed-rate
latency scenarios it also prints the latency each hop adds over direct. CPU
figures are the broker's and the proxy's CPU time per delivered message or
per login.

When the run had a "compare" setup (bench/run --compare BINARY), a second
table sets that binary beside gatewarden: both medians, their ratio, and in
how many rounds of the same number the compared binary's figure was lower.
When it had an "inspect" setup (bench/run --inspect), further tables set
the inspecting relay beside the plain relay and gatewarden beside the
inspecting relay, in the same way.
"""

import collections
import statistics
import sys

FIGURES = {
    "delivered_per_s": "msg/s delivered",
    "lost": "lost (sent - received)",
    "p50_us": "p50 us",
    "p99_us": "p99 us",
    "p999_us": "p99.9 us",
    "connects_per_s": "connects/s",
    "failed": "failed connects",
    "baseline_kib": "baseline RSS KiB",
    "kib_per_device": "KiB per idle device",
    "reload_ms": "reload ms",
    "proxy_cpu_us_msg": "proxy CPU us/msg",
    "broker_cpu_us_msg": "broker CPU us/msg",
    "proxy_cpu_us_login": "proxy CPU us/login",
    "broker_cpu_us_login": "broker CPU us/login",
}
SETUPS = ("direct", "relay", "gatewarden")
COMPARED = "compare"
INSPECTING = "inspect"


def figures_for(scenario):
    if scenario.startswith("lat-"):
        return ["delivered_per_s", "p50_us", "p99_us", "p999_us", "lost", "proxy_cpu_us_msg", "broker_cpu_us_msg"]
    if scenario.startswith("conn-"):
        return ["connects_per_s", "failed", "proxy_cpu_us_login", "broker_cpu_us_login"]
    if scenario.startswith("idle-"):
        return ["baseline_kib", "kib_per_device"]
    if scenario.startswith("reload-"):
        return ["reload_ms"]
    return ["delivered_per_s", "p50_us", "p99_us", "lost", "proxy_cpu_us_msg", "broker_cpu_us_msg"]


def ratio(numerator, denominator):
    if numerator is None or denominator in (None, 0):
        return "-"
    return f"{numerator / denominator:.2f}"


def number(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def main(path):
    values = collections.defaultdict(list)
    rounds_by_setup = collections.defaultdict(dict)  # round -> value, to pair rounds
    order = []
    with open(path, encoding="utf-8") as results:
        for line in results:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 6:
                continue
            nodelay, scenario, setup, round_number, key, value = fields
            if (nodelay, scenario) not in order:
                order.append((nodelay, scenario))
            try:
                values[(nodelay, scenario, setup, key)].append(float(value))
                rounds_by_setup[(nodelay, scenario, setup, key)][round_number] = float(value)
            except ValueError:
                continue

    def median(nodelay, scenario, setup, key):
        samples = values.get((nodelay, scenario, setup, key))
        return statistics.median(samples) if samples else None

    print_main_table(order, values, median)
    setups_run = {setup for (_n, _s, setup, _k) in values}
    pairs = []
    if INSPECTING in setups_run:
        pairs += [("relay", INSPECTING), (INSPECTING, "gatewarden")]
    if COMPARED in setups_run:
        pairs.append(("gatewarden", COMPARED))
    for base, other in pairs:
        print()
        print_pair(order, rounds_by_setup, median, base, other)


def print_main_table(order, values, median):
    header = f"{'nodelay':7} {'scenario':12} {'figure':22} {'direct':>9} {'relay':>9} {'gatewarden':>10} {'gw/direct':>9} {'gw/relay':>8}  runs"
    print(header)
    print("-" * len(header))
    for nodelay, scenario in order:
        for key in figures_for(scenario):
            medians = [median(nodelay, scenario, setup, key) for setup in SETUPS]
            if all(m is None for m in medians):
                continue
            direct, relay, gateway = medians
            runs = "/".join(str(len(values.get((nodelay, scenario, setup, key), []))) for setup in SETUPS)
            print(f"{nodelay:7} {scenario:12} {FIGURES[key]:22} {number(direct):>9} {number(relay):>9} "
                  f"{number(gateway):>10} {ratio(gateway, direct):>9} {ratio(gateway, relay):>8}  {runs}")
        if scenario.startswith("lat-"):
            for key in ("p50_us", "p99_us"):
                direct, relay, gateway = (median(nodelay, scenario, setup, key) for setup in SETUPS)
                if None in (direct, relay, gateway):
                    continue
                print(f"{nodelay:7} {scenario:12} {'added ' + FIGURES[key]:22} {'':>9} {number(relay - direct):>9} "
                      f"{number(gateway - direct):>10}")


def print_pair(order, rounds_by_setup, median, base, other):
    """Prints setup `other` beside setup `base`, paired by round."""
    header = (f"{'nodelay':7} {'scenario':12} {'figure':22} {base:>10} {other:>10} "
              f"{'ratio':>6}  {other} lower in")
    print(header)
    print("-" * len(header))
    for nodelay, scenario in order:
        for key in figures_for(scenario):
            base_median = median(nodelay, scenario, base, key)
            other_median = median(nodelay, scenario, other, key)
            if base_median is None or other_median is None:
                continue
            base_rounds = rounds_by_setup[(nodelay, scenario, base, key)]
            other_rounds = rounds_by_setup[(nodelay, scenario, other, key)]
            paired = [r for r in base_rounds if r in other_rounds]
            lower = sum(1 for r in paired if other_rounds[r] < base_rounds[r])
            print(f"{nodelay:7} {scenario:12} {FIGURES[key]:22} {number(base_median):>10} {number(other_median):>10} "
                  f"{ratio(other_median, base_median):>6}  {lower} of {len(paired)} rounds")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py RESULTS_TSV")
    main(sys.argv[1])
