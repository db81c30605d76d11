"""Median time to re-solve after an edit in the app, for one PCN.

    python benchmarks/app_resolve.py [--repeats 30] [--scenario scenarios/large-2024-25.yaml] [--page]

Each repeat makes a fresh edit (a different top-up budget, so no cache hit), then does what the page does
on a rerun: apply the form and tables to the scenario, solve, and build every table and chart frame shown.
--page also times whole page reruns through Streamlit's AppTest (script, widgets, charts; no browser).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimiser import charts, edit_form, edit_tables, result_display  # noqa: E402
from optimiser.outcome import solve_outcome  # noqa: E402
from optimiser.scenario_io import load_scenario  # noqa: E402

TARGET_MS = 150


def rerun_after_edit(scenario, top_up: float) -> float:
    """One edit → the numbers the page shows; seconds."""
    start = time.perf_counter()
    roles, demand = edit_tables.roles_table(scenario), edit_tables.demand_table(scenario)
    edited = edit_tables.apply_demand(edit_tables.apply_roles(scenario, roles, roles.copy()), demand, demand.copy())
    edited, _ = edit_form.apply_form(edited, edit_form.form_values(scenario) | {"top_up_budget_gbp": top_up})
    outcome = solve_outcome(edited)
    result = outcome.result
    result.summary()
    for frame in (result_display.mix_display, result_display.money_display, result_display.care_display, result_display.limits_display, charts.mix_chart_data,
                  charts.cap_marks, charts.money_chart_data, charts.care_chart_data):
        frame(result)
    return time.perf_counter() - start


def page_reruns(path: Path, repeats: int) -> list[float]:
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["ARRS_APP_SCENARIO"] = path.name
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    times = []
    for i in range(repeats):
        at.number_input(key="top_up_budget_gbp").set_value(float(200_000 + 1_000 * i))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "large-2024-25.yaml")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--page", action="store_true", help="also time whole page reruns through AppTest")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    rerun_after_edit(scenario, scenario.money.top_up_budget_gbp + 1)  # warm the catalogue and imports
    times = [rerun_after_edit(scenario, scenario.money.top_up_budget_gbp + 1_000 * (i + 2)) for i in range(args.repeats)]
    median_ms = statistics.median(times) * 1000
    print(f"{scenario.pcn.name} ({args.scenario.name}), {args.repeats} edits")
    print(f"re-solve after an edit: median {median_ms:.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}); "
          f"target < {TARGET_MS} ms: {'met' if median_ms < TARGET_MS else 'NOT met'}")
    if args.page:
        page = page_reruns(args.scenario, args.repeats)
        print(f"whole page rerun (AppTest, no browser): median {statistics.median(page) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
