"""Benchmark: what the plugin guard costs per call (portal.plugin_engine.GuardedPlugin).

    python benchmarks/plugin_guard.py

Every call the portal makes into a plugin goes through the guard (exceptions named and counted,
the result's type checked against the contract). This times the calls the busiest paths make (a
CSV import asks check_tracking_no, service and quote per row; a tracking import asks normalise
per event) on the plugin object itself and through the guard, best of 5 runs of 100,000 calls.
"""

from __future__ import annotations

import timeit
from datetime import date
from decimal import Decimal

from harness import machine

from portal import PROJECT_ROOT
from portal.plugin_api import Money, QuoteRequest
from portal.plugin_engine import load_plugins

CALLS = 100_000


def main() -> None:
    registry = load_plugins(PROJECT_ROOT / "plugins", use_entry_points=False)
    fourpx, lanternfish = registry.carriers["fourpx"], registry.insurers["lanternfish"]
    usd = Money(Decimal("100.00"), "USD")
    request = QuoteRequest(usd, usd, "US", "general", "fourpx", "fourpx_c", date(2026, 11, 1))
    cases = {
        "normalise": (fourpx, lambda p: p.normalise("已签收 / Delivered", "")),
        "check_tracking_no": (fourpx, lambda p: p.check_tracking_no("fourpx_c", "4PX3000000000001CN")),
        "service": (fourpx, lambda p: p.service("fourpx_c")),
        "trace_window": (fourpx, lambda p: p.trace_window("fourpx_c", "US")),
        "quote": (lanternfish, lambda p: p.quote(request)),
    }
    print(machine("no database"))
    print(f"{'call':<20} {'plugin µs':>10} {'guarded µs':>11} {'guard µs':>9}")
    for name, (loaded, call) in cases.items():
        bare, guarded = (
            min(timeit.repeat(lambda call=call, target=target: call(target), number=CALLS, repeat=5)) / CALLS * 1e6
            for target in (loaded.raw, loaded.plugin)
        )
        print(f"{name:<20} {bare:>10.2f} {guarded:>11.2f} {guarded - bare:>9.2f}")


if __name__ == "__main__":
    main()
