"""On-demand mutation check of the core (model.py and the inputs and results packages): plant small bugs one at a time and
count how many the fast hand-derived tests (tests/test_model.py, tests/test_hand_derived.py) catch. Not in CI.

    python -m pip install -e ".[test,mutation]"
    python tools/mutation_check.py --sample 200        # a seeded sample of the mutants (minutes)
    python tools/mutation_check.py                     # every mutant (about 2,000: hours on two cores)
    python tools/mutation_check.py --pattern 'optimiser.model.*'

mutmut 3 (configured under [tool.mutmut] in pyproject.toml) copies the package into mutants/ (git-ignored)
and runs, for each mutant, only the tests that reach the mutated function. The kill rate is
(killed + timed out) ÷ (killed + survived + timed out): mutants no selected test reaches are counted apart, and
`mutmut show NAME` prints a survivor's diff.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ["optimiser/model.py", "optimiser/inputs/*.py", "optimiser/results/*.py"]
"""The files mutated, as pyproject.toml's [tool.mutmut] only_mutate gives them."""


def core_files() -> list[Path]:
    return sorted(path.relative_to(ROOT) for pattern in CORE for path in ROOT.glob(pattern))


def meta_files() -> list[Path]:
    return [ROOT / "mutants" / f"{path}.meta" for path in core_files()]


def exit_codes() -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for path in meta_files():
        if path.exists():
            codes.update(json.loads(path.read_text())["exit_code_by_key"])
    return codes


def generate() -> None:
    """Write the mutants without running tests (mutmut's own first step), so a sample can be drawn."""
    code = ("from mutmut.__main__ import create_mutants; from mutmut.utils.file_utils import copy_src_dir, "
            "copy_also_copy_files, setup_source_paths; import os; os.makedirs('mutants', exist_ok=True); "
            "copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(2)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return status_by_exit_code[code]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="test this many mutants, drawn at random (0: all)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--pattern", default="optimiser.*", help="only mutants whose name matches, e.g. 'optimiser.model.*'")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args()

    if not all(path.exists() for path in meta_files()):
        generate()
    names = sorted(n for n in exit_codes() if fnmatch.fnmatch(n, args.pattern))
    if args.sample and args.sample < len(names):
        names = sorted(random.Random(args.seed).sample(names, args.sample))
    print(f"{len(names)} mutants of {', '.join(map(str, core_files()))} matching {args.pattern!r}", flush=True)
    subprocess.run(["mutmut", "run", "--max-children", str(args.max_children), *names], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=False)

    codes = exit_codes()
    counts = Counter(status(codes.get(name)) for name in names)
    decided = counts["killed"] + counts["survived"] + counts["timeout"]
    print(", ".join(f"{what}: {n}" for what, n in counts.most_common()))
    if decided:
        print(f"kill rate: {counts['killed'] + counts['timeout']} of {decided} = {(counts['killed'] + counts['timeout']) / decided:.0%} "
              "(a timeout counts as caught)")
    survivors = [name for name in names if status(codes.get(name)) == "survived"]
    if survivors:
        print("survivors (see each with `mutmut show NAME`):\n  " + "\n  ".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
