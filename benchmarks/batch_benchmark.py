"""Batch benchmark on the synthetic national set: one command, every ratio measured in the same run.

    python benchmarks/batch_benchmark.py                 # ~2 minutes on 2 cores
    python benchmarks/batch_benchmark.py --memory-sizes 1250   # skip the 12,500-PCN memory run
    python benchmarks/batch_benchmark.py --horizon 5     # instead: a 5-year plan for every PCN, 1 worker vs every core
    python benchmarks/batch_benchmark.py --quick         # a smoke test of every measurement (~1 minute; numbers mean little)
    python benchmarks/batch_benchmark.py --worker-ratio 5    # only measure 2, five times, and give the range

Measures, on the same 1,250 synthetic PCNs (seed 2025) and base scenario, policy as-published:
  1. our batch (one worker per core: this process and cpu_count − 1 worker processes) vs a naive loop that builds
     each PCN in PuLP and solves it with PuLP's default CBC subprocess (pulp.PULP_CBC_CMD, via the core's solver="cbc" path, two stages like
     ours); the naive loop is timed on a subset and scaled per PCN, as printed;
  2. time per PCN inside a worker (table row to stored record) vs the pure HiGHS time of the same models solved
     cold (a fresh HiGHS instance per PCN, models built and compiled beforehand and not timed);
  3. 2 workers vs 1 (in-process), on the 1,250 PCNs and again on 12,500 (`--scale-pcns`), where the fixed costs
     of starting workers and writing the outputs weigh less; this process runs no thread of its own, as the `batch`
     command does not, so its worker processes are forked (`optimiser.batch.execute.start_method`);
  4. peak RSS of the batch (parent, from after the synthetic table is made, and largest worker) for 1,250 and
     12,500 PCNs, each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
sys.path.insert(0, str(ROOT))
MEMORY_SIZES = [1250, 12500]
QUICK = {"pcns": 60, "naive_sample": 5, "memory_sizes": [60, 600], "scale_pcns": 600}
"""What --quick sets: every measurement runs, on sizes small enough for a smoke test."""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def national_table(pcns: int, seed: int = 2025):
    from optimiser.national import generate_national

    return generate_national(pcns, seed)


def run(table, workers: int, formats=("csv", "parquet"), horizon: int | None = None) -> tuple[float, object]:
    """Wall seconds of a batch and its outcome; `outcome.parent_cpu_seconds` is this process's CPU time over it
    (with worker processes, the parent's own share: what does not run in parallel, whatever the machine's load)."""
    from optimiser.batch import load_base, run_batch

    with tempfile.TemporaryDirectory() as folder:
        started, cpu = time.perf_counter(), time.process_time()
        outcome = run_batch(table, load_base(BASE), ["as-published"], folder, workers=workers, formats=formats, horizon=horizon)
        seconds = time.perf_counter() - started
        outcome.parent_cpu_seconds = time.process_time() - cpu
        outcome.summary, outcome.roles  # read back now: the folder goes when this block ends
        return seconds, outcome


def _scenarios(table, count: int | None = None) -> list:
    from optimiser.batch import load_base, plan_batch

    plan = plan_batch(table if count is None else table.head(count), load_base(BASE), ["as-published"])
    return [row.scenarios["as-published"] for row in plan.rows]


def naive(table, count: int) -> float:
    """Per-PCN seconds of the naive loop: build in PuLP, solve with the CBC subprocess, read the results."""
    from optimiser.pipeline import optimise

    scenarios = _scenarios(table, count)
    started = time.perf_counter()
    for scenario in scenarios:
        try:
            result = optimise(scenario, solver="cbc")
            result.summary(), result.mix()
        except Exception:  # infeasible PCNs cost the same attempt
            pass
    return (time.perf_counter() - started) / len(scenarios)


def cold_highs(table) -> tuple[float, int]:
    """Seconds of pure HiGHS time over the same models, each solved cold (a new HiGHS instance, both stages)."""
    from optimiser.inputs import prepare
    from optimiser.model import build_model
    from optimiser.solve import compile_model, new_highs, solve_compiled

    compiled = [compile_model(build_model(prepare(s))) for s in _scenarios(table)]
    total = 0.0
    for lp in compiled:
        highs = new_highs()
        started = time.perf_counter()
        solve_compiled(lp, highs=highs)
        total += time.perf_counter() - started
    return total, len(compiled)


def worker_seconds(outcome) -> float:
    """Seconds the workers spent from table rows to stored records: each record's `worker_seconds` (validation, model,
    solve, record) and encoding the records as Parquet parts, which a worker does after its chunk's records are made
    (timed here again on the same records, in chunks of the batch's size)."""
    from optimiser.batch.run import DEFAULT_CHUNK_SIZE
    from optimiser.batch.store import encode_chunk

    summary, roles = outcome.summary, outcome.roles
    encoding = 0.0
    for start in range(0, len(summary), DEFAULT_CHUNK_SIZE):
        records = summary.iloc[start:start + DEFAULT_CHUNK_SIZE]
        chunk_roles = roles[roles["ods_code"].isin(records["ods_code"])]
        summary_rows, role_rows = (f.astype(object).where(f.notna(), None).to_dict("records") for f in (records, chunk_roles))
        started = time.perf_counter()
        encode_chunk(summary_rows, role_rows)
        encoding += time.perf_counter() - started
    return float(summary["worker_seconds"].sum()) + encoding


def worker_ratio(table) -> tuple[float, float]:
    """Measure 2: (ms per PCN inside a worker, table row to stored record; ms per PCN of cold HiGHS), one run each."""
    _, one = run(table, workers=1)
    cold, modelled = cold_highs(table)
    return worker_seconds(one) / len(one.summary) * 1000, cold / modelled * 1000


def _peak_rss_mb(reset: bool = False) -> float:
    """This process's peak RSS (VmHWM); `reset` starts the peak again from now (Linux: /proc/self/clear_refs; it resets
    ru_maxrss too)."""
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SAMPLER = """
import json, select, sys, psutil
batch, me = psutil.Process(int(sys.argv[1])), psutil.Process().pid
peaks = {"tree": 0, "worker": 0, "worker_uss": 0, "tree_pss": 0}
print("sampling", flush=True)
while not select.select([sys.stdin], [], [], 0.05)[0]:  # every 50 ms until told to stop
    try:
        workers = [p.memory_info().rss for p in batch.children(recursive=True) if p.pid != me]
        peaks["tree"] = max(peaks["tree"], batch.memory_info().rss + sum(workers))
        peaks["worker"] = max([peaks["worker"], *workers])
        full = [p.memory_full_info() for p in batch.children(recursive=True) if p.pid != me]
        peaks["worker_uss"] = max([peaks["worker_uss"], *(f.uss for f in full)])
        peaks["tree_pss"] = max(peaks["tree_pss"], batch.memory_full_info().pss + sum(f.pss for f in full))
    except psutil.Error:
        pass
print(json.dumps(peaks))
"""
"""Peak RSS of a process (argv[1]) and of its largest child, sampled from outside it until a line arrives on stdin."""


def memory_run(pcns: int) -> dict:
    """Run in a fresh process: peak RSS of the batch in this process and of its largest worker.

    The parent's peak is taken over the batch alone: it is reset after the synthetic table is generated (making
    the table is not the batch; the table itself stays in memory, as a caller's table would). The outcome's
    per-PCN tables are not read back (the batch does not hold them; a caller may). `setup_peak_rss_mb` is the
    peak before the batch: imports and generating the table. The workers are sampled from a process of its own, so
    this one runs the batch as the `batch` command does, with no thread of its own besides.
    """
    import gc

    from optimiser.batch import load_base, run_batch

    table = national_table(pcns, seed=2025 + pcns)
    base = load_base(BASE)
    gc.collect()
    setup = _peak_rss_mb()
    before = _peak_rss_mb(reset=True)
    sampler = subprocess.Popen([sys.executable, "-c", SAMPLER, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    sampler.stdout.readline()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = run_batch(table, base, ["as-published"], folder, workers=os.cpu_count() or 1, formats=("csv", "parquet"))
        seconds = time.perf_counter() - started
        parent = _peak_rss_mb()
    peaks = json.loads(sampler.communicate("stop\n")[0])
    return {
        "pcns": pcns,
        "seconds": seconds,
        "optimal": int(outcome.counts.get("optimal", 0)),
        "setup_peak_rss_mb": setup,
        "parent_rss_before_batch_mb": before,
        "parent_peak_rss_mb": parent,
        "worker_peak_rss_mb": peaks["worker"] / 2**20,
        "tree_peak_rss_mb": peaks["tree"] / 2**20,
        "worker_peak_uss_mb": peaks["worker_uss"] / 2**20,
        "tree_peak_pss_mb": peaks["tree_pss"] / 2**20,
    }


def plans(pcns: int, horizon: int) -> None:
    """A batch of multi-year plans: wall time on 1 worker and on every core, and the pure HiGHS time."""
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores (nproc), {cpu_model()}, Python {platform.python_version()}")
    table = national_table(pcns)
    print(f"data: {pcns:,} synthetic PCNs (seed 2025), base {BASE.relative_to(ROOT)}, {horizon}-year plans, policy as-published")
    one_seconds, _ = run(table, workers=1, horizon=horizon)
    many_seconds, many = run(table, workers=cores, horizon=horizon)
    solved = many.summary
    pure = float(solved["solver_seconds"].sum())
    print(f"{cores} workers: {many_seconds:,.2f} s wall ({many_seconds / pcns * 1000:,.1f} ms per PCN), "
          f"{int((solved['status'] == 'optimal').sum()):,} optimal, {int((solved['status'] != 'optimal').sum()):,} failed; 1 worker: {one_seconds:,.2f} s")
    print(f"pure HiGHS solve time: {pure:,.2f} s; wall / pure = {many_seconds / pure:.2f}×; "
          f"target: the national batch of plans under 5 minutes on 2 cores")


def ratio_lines(ratios: list[tuple[str, str, str]]) -> list[str]:
    """(label, value, target) as lines whose "=" signs and values line up: the labels padded to the longest."""
    width = max(len(label) for label, _, _ in ratios)
    return [f"  {label:<{width}} = {value:>8}   {target}" for label, value, target in ratios]


def as_options(settings: dict) -> str:
    """Settings as the command-line options that give them: {"scale_pcns": 600} → --scale-pcns 600."""
    return ", ".join(f"--{name.replace('_', '-')} {' '.join(map(str, value)) if isinstance(value, list) else value}"
                     for name, value in settings.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pcns", type=int, default=1250, help="synthetic PCNs for measures 1 to 3, --horizon and --worker-ratio (default: %(default)s)")
    parser.add_argument("--naive-sample", type=int, default=50, help="PCNs timed in the naive CBC loop, scaled per PCN (default: %(default)s)")
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=MEMORY_SIZES, metavar="PCNS",
                        help=f"batch sizes whose peak RSS is measured, each in a fresh process (default: {' '.join(map(str, MEMORY_SIZES))}; none: skip)")
    parser.add_argument("--scale-pcns", type=int, default=12500, help="PCNs for the second 1 vs 2 workers measure (default: %(default)s; 0: skip)")
    parser.add_argument("--quick", action="store_true", help=f"smoke test, numbers mean little: sets {as_options(QUICK)}")
    parser.add_argument("--memory-run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--horizon", type=int, help="time a batch of N-year plans (the base's futures) instead")
    parser.add_argument("--worker-ratio", type=int, metavar="N", help="only the worker / cold HiGHS ratio, measured N times")
    args = parser.parse_args()
    if args.memory_run:
        print(json.dumps(memory_run(args.memory_run)))
        return
    if args.horizon:
        plans(args.pcns, args.horizon)
        return
    if args.worker_ratio:
        print(f"machine: {os.cpu_count() or 1} cores (nproc), {cpu_model()}, Python {platform.python_version()}")
        table = national_table(args.pcns)
        ratios = []
        for _ in range(args.worker_ratio):
            worker, cold = worker_ratio(table)
            ratios.append(worker / cold)
            print(f"worker {worker:.2f} ms per PCN, cold HiGHS {cold:.2f} ms: {ratios[-1]:.2f}×")
        print(f"worker / cold HiGHS over {len(ratios)} runs: {min(ratios):.2f}× to {max(ratios):.2f}× (target ≤ 1.3×; ≤ 1.0× warm)")
        return
    if args.quick:
        vars(args).update(QUICK)

    from optimiser.batch.execute import start_method

    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores (nproc), {cpu_model()}, Python {platform.python_version()}; worker processes start by {start_method()}")
    table = national_table(args.pcns)
    print(f"data: {args.pcns:,} synthetic PCNs (seed 2025), base {BASE.relative_to(ROOT)}, policy as-published")

    one_seconds, one = run(table, workers=1)
    many_seconds, many = run(table, workers=cores)
    solved = one.summary
    worker = worker_seconds(one)
    cold, modelled = cold_highs(table)
    per_naive = naive(table, args.naive_sample)
    naive_total = per_naive * args.pcns

    print(f"\nour batch, {cores} workers: {many_seconds:,.2f} s wall ({many_seconds / args.pcns * 1000:,.2f} ms per PCN), "
          f"{int((many.summary['status'] == 'optimal').sum()):,} optimal, {many.failures:,} failed (infeasible synthetic PCNs)")
    print(f"our batch, 1 worker (in-process): {one_seconds:,.2f} s wall; the parent's CPU time with {cores} workers: "
          f"{many.parent_cpu_seconds:,.2f} s (its output step {many.output_seconds:,.2f} s wall)")
    print(f"time per PCN inside a worker (table row to stored record): {worker / len(solved) * 1000:,.2f} ms; "
          f"pure HiGHS, same models solved cold: {cold / modelled * 1000:,.2f} ms")
    print(f"naive loop (PuLP build + PULP_CBC_CMD subprocess, two stages): {per_naive * 1000:,.1f} ms per PCN, "
          f"timed on {args.naive_sample} PCNs, scaled to {args.pcns:,}: {naive_total:,.1f} s")
    ratios = [
        ("worker time per PCN / cold HiGHS per PCN", f"{(worker / len(solved)) / (cold / modelled):.2f}×", "(≤ 1.3×; ≤ 1.0× warm)"),
        (f"naive loop / our batch ({cores} workers)", f"{naive_total / many_seconds:.1f}×", "(≥ 10×)"),
        (f"1 worker / {cores} workers (speed-up)", f"{one_seconds / many_seconds:.2f}×", "(≥ 1.8× on 2 cores)"),
    ]
    if args.scale_pcns:
        larger = national_table(args.scale_pcns)
        one_large, _ = run(larger, workers=1)
        many_large, _ = run(larger, workers=cores)
        ratios.append((f"1 worker / {cores} workers on {args.scale_pcns:,} PCNs", f"{one_large / many_large:.2f}×",
                       f"({one_large:,.1f} s ÷ {many_large:,.1f} s)"))
    print("\nratios (target):")
    print("\n".join(ratio_lines(ratios)))

    for size in args.memory_sizes:
        done = subprocess.run([sys.executable, __file__, "--memory-run", str(size)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(f"memory run {size:,} failed: {done.stderr[-500:]}")
            continue
        m = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"peak RSS, {size:,} PCNs: parent {m['parent_peak_rss_mb']:,.0f} MB during the batch ({m['parent_rss_before_batch_mb']:,.0f} MB "
              f"before it, table made), largest worker {m['worker_peak_rss_mb']:,.0f} MB, "
              f"whole process tree {m['tree_peak_rss_mb']:,.0f} MB ({m['tree_peak_pss_mb']:,.0f} MB counting pages the processes share once) "
              f"({m['seconds']:,.1f} s, {m['optimal']:,} optimal; outputs csv + parquet)")


if __name__ == "__main__":
    main()
