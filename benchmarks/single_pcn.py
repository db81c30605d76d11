"""One PCN, end to end, against the pure HiGHS solve time of the same model.

    python benchmarks/single_pcn.py [scenario.yaml] [--repeat N]

Prints medians over N runs, measured in this one run: our whole optimise() (prepare → build →
compile → two-stage solve) on the LP path (policy.min_post_wte: 0) and on the default minimum-post-size
MILP path (new posts of at least 0.2 WTE), the LP path's parts, the pure HiGHS time of the same two stages, and PuLP's own
HiGHS and CBC interfaces solving the same PuLP model once (stage 1 only) for context.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from pathlib import Path

import pulp

from optimiser.inputs import prepare
from optimiser.model import build_model
from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario
from optimiser.solve import compile_model, new_highs, solve_compiled
from timing import median_ms

DEFAULT = Path(__file__).parent.parent / "scenarios" / "urban-deprived-2026-27.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    given = load_scenario(args.scenario)
    milp = given.model_copy(update={"policy": given.policy.model_copy(update={"min_post_wte": 0.2})}) if given.policy.min_post_wte == 0 else given
    scenario = given.model_copy(update={"policy": given.policy.model_copy(update={"min_post_wte": 0.0})})  # the LP path
    optimise(scenario)  # warm caches (catalogue, assumptions) as a running app or batch worker would have them

    inputs = prepare(scenario)
    model = build_model(inputs)
    lp = compile_model(model)
    highs = new_highs()
    pure = []

    def two_stage() -> None:
        pure.append(solve_compiled(lp, highs=highs).solver_seconds)

    ours = median_ms(lambda: optimise(scenario), args.repeat)
    ours_milp = median_ms(lambda: optimise(milp), args.repeat)
    milp_lp = compile_model(build_model(prepare(milp)))
    parts = {
        "prepare inputs": median_ms(lambda: prepare(scenario), args.repeat),
        "build PuLP model": median_ms(lambda: build_model(prepare(scenario)), args.repeat) - median_ms(lambda: prepare(scenario), args.repeat),
        "compile to arrays": median_ms(lambda: compile_model(model), args.repeat),
        "two-stage solve (incl. passing the model)": median_ms(two_stage, args.repeat),
    }
    pure_ms = statistics.median(pure) * 1000

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pulp_highs = median_ms(lambda: build_model(inputs).problem.solve(pulp.HiGHS(msg=False)), max(5, args.repeat // 10))
        pulp_cbc = median_ms(lambda: build_model(inputs).problem.solve(pulp.PULP_CBC_CMD(msg=False)), max(5, args.repeat // 20))

    print(f"Scenario: {scenario.pcn.name} ({len(lp.column_names)} variables, {lp.num_rows} constraints), median of {args.repeat} runs")
    print(f"  our optimise(), end to end, LP path   {ours:8.2f} ms")
    print(f"  minimum post size {milp.policy.min_post_wte:g} WTE (MILP, {int(milp_lp.integer.sum())} binaries) {ours_milp:8.2f} ms")
    for name, value in parts.items():
        print(f"    {name:<38}{value:8.2f} ms")
    print(f"  pure HiGHS, staged solve of the built model {pure_ms:7.2f} ms")
    print(f"  ratio ours / pure solve               {ours / pure_ms:8.1f} x")
    print("For context, one stage only, model built by our builder each time:")
    print(f"  PuLP's HiGHS interface                {pulp_highs:8.2f} ms")
    print(f"  PuLP's default CBC (subprocess)       {pulp_cbc:8.2f} ms  ({pulp_cbc / ours:.1f}x our two stages)")


if __name__ == "__main__":
    main()
