"""Simulated peak day of the contact queue (SimPy), through the real rule (contact.ordering).

    uv run python bench/sim_queue.py                       # 6,000 contacts, 08:00–20:00
    uv run python bench/sim_queue.py --contacts 9000 --seeds 5

Staffing comes from the Erlang C calculator for the peak hour (80 % within 20 s); the day is run
with that staffing, and again 15 % and 30 % under it (a bad day: sick leave, a product recall).
For each run: waits by contact type (mean, p50, p95, max) and two checks — the p95 wait of
downgrade/cancel, refund and complaint contacts is at most the p95 wait of buy/upgrade contacts,
and every contact is answered by the end of the day (no unbounded wait).

Writes bench/results/sim_queue.json and prints a markdown summary.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from fairdesk.contact.choices import ContactType
from fairdesk.contact.erlang import agents_needed
from fairdesk.contact.simulation import DEFAULT_MIX, rate_profile, simulate

GREEN = [ContactType.DOWNGRADE_CANCEL, ContactType.REFUND, ContactType.COMPLAINT]


def peak_staffing(contacts: int, hours: float) -> tuple[int, float, float]:
    steps = 1200
    profile = [rate_profile(hours * i / steps) for i in range(steps)]
    peak_per_hour = contacts / hours * max(profile) / (sum(profile) / steps)
    handle = sum(share * aht for share, aht in DEFAULT_MIX.values())
    staffing = agents_needed(arrivals_per_hour=peak_per_hour, handle_seconds=handle)
    return staffing.agents, peak_per_hour, handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=6000)
    parser.add_argument("--hours", type=float, default=12)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="bench/results/sim_queue.json")
    args = parser.parse_args()
    agents, peak, handle = peak_staffing(args.contacts, args.hours)
    runs = []
    ok_all = True
    print(f"peak {peak:.0f} contacts/h, mean handle {handle:.0f} s → Erlang C: {agents} agents\n")
    for label, factor in (("Erlang C staffing", 1.0), ("15 % short", 0.85), ("30 % short", 0.70)):
        n = max(1, math.floor(agents * factor))
        for seed in range(1, args.seeds + 1):
            started = time.perf_counter()
            result = simulate(contacts_per_day=args.contacts, agents=n, hours=args.hours, seed=seed)
            stats = {str(k): v for k, v in result.stats().items()}
            upgrade_p95 = stats[ContactType.BUY_UPGRADE]["p95_s"]
            green_ok = all(stats[str(k)]["p95_s"] <= upgrade_p95 for k in GREEN)
            answered = not any(v["unanswered"] for v in stats.values())
            ok_all &= green_ok and answered
            runs.append(
                {
                    "scenario": label,
                    "agents": n,
                    "seed": seed,
                    "contacts": result.contacts,
                    "seconds": round(time.perf_counter() - started, 1),
                    "green_p95_le_upgrade_p95": green_ok,
                    "all_answered": answered,
                    "by_type": stats,
                }
            )
            print(f"### {label}: {n} agents, seed {seed}, {result.contacts} contacts")
            print("| type | contacts | mean s | p50 s | p95 s | max s |")
            print("|---|---:|---:|---:|---:|---:|")
            for kind, v in stats.items():
                print(
                    f"| {kind} | {v['contacts']} | {v['mean_s']} | {v['p50_s']} | {v['p95_s']} "
                    f"| {v['max_s']} |"
                )
            print(f"green p95 ≤ buy/upgrade p95: {green_ok}; all answered: {answered}\n")
    Path(args.out).write_text(
        json.dumps(
            {
                "command": "uv run python bench/sim_queue.py",
                "peak_per_hour": round(peak, 1),
                "mean_handle_s": round(handle, 1),
                "erlang_c_agents": agents,
                "runs": runs,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    print("ALL CHECKS PASS" if ok_all else "A CHECK FAILED")
    raise SystemExit(0 if ok_all else 1)


if __name__ == "__main__":
    main()
