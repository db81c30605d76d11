"""Batch commands for the CLI: `batch` (many PCNs, several policies) and `national` (the synthetic dataset)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from optimiser.errors import EXIT_BAD_INPUT, EXIT_BATCH_FAILURES, EXIT_INTERRUPTED, EXIT_OK, listed
from optimiser.scenario import HORIZON_RANGE, MAX_HORIZON_YEARS
from optimiser.terminal import DASK_WORKERS_RANGE, WORKERS_RANGE, err, out, within
from optimiser.words import counted


SCHEDULER_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):\d{1,5}"
                               r"|inproc://\S+")
"""A Dask address: optional scheme, a host name, IPv4 or [IPv6] address, and a port."""
MAX_NATIONAL_PCNS = 1_000_000
NATIONAL_PCNS = f"1 to {MAX_NATIONAL_PCNS:,} PCNs"


def register_batch_commands(app: typer.Typer) -> None:
    """Add the batch commands to the main CLI app."""
    app.command(name="batch", help=_BATCH_HELP)(batch)
    app.command(name="national")(national)


_BATCH_HELP = """Find the best mix for every PCN in a table, under one or more policies, and roll the answers up.

The table (CSV, Parquet or Excel) has a row per PCN; the base scenario gives everything the table \
does not. Results are written to --output as each chunk finishes; rerunning the same command \
resumes and skips what is done, and --overwrite starts again from nothing. Exit code 4 means the batch finished but \
some PCNs failed.
"""
"""One paragraph per blank line: typer keeps a docstring's line breaks, so a paragraph's lines are joined."""


def batch(
    table: Annotated[Path, typer.Argument(help="PCN table: .csv, .parquet or .xlsx, one row per PCN; or `england` for the bundled real PCNs.")],
    base: Annotated[Path, typer.Option("--base", "-b", help="Base scenario YAML for everything the table does not give.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for results; rerunning into it resumes (--overwrite starts again).")],
    policy: Annotated[Optional[list[str]], typer.Option("--policy", "-p", help="Policy to run; repeat for several. The first is the baseline. "
                                                        "as-published, no-caps, uncap:ROLE, rooms±N%, top-up±N%, whole-posts, reduce-in-post, "
                                                        "year:YYYY/YY; combine with commas.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Processes that solve, this one included, 1 or more (default: one per core; 1: no worker processes; not with a Dask cluster).", **WORKERS_RANGE)] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")] = None,
    dask_local: Annotated[Optional[int], typer.Option("--dask-local", help="Start a Dask LocalCluster with N worker processes (1 or more).",
                                                      **DASK_WORKERS_RANGE)] = None,
    strict: Annotated[bool, typer.Option(help="Stop before running anything if any row is invalid.")] = False,
    chunk_size: Annotated[Optional[int], typer.Option(help="PCN × policy tasks per chunk, 1 or more (one Parquet part each; default 100).",
                                                      **within(1, None, "a chunk holds 1 PCN × policy task or more"))] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: when on a terminal).")] = None,
    horizon: Annotated[Optional[int], typer.Option(help=f"Plan N years ahead (1 to {MAX_HORIZON_YEARS}) over the base scenario's futures instead of solving one year; "
                                                   "adds plan_national, plan_by_icb, plan_national_by_role, plan_pcn_years and plan_pcn_roles.",
                                                   **within(1, MAX_HORIZON_YEARS, HORIZON_RANGE))] = None,
    mode: Annotated[Optional[str], typer.Option(help="With --horizon: expected (own money within the top-up budget on average over the "
                                                "futures, the default) or robust (within it in every future), as `plan --mode`.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Start again from nothing: first remove what an earlier batch wrote in --output "
                                                 "(its parts folder, tables and workbook; no other file) instead of resuming.")] = False,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from optimiser.batch import run_batch, summary_line
    from optimiser.batch.run import DEFAULT_CHUNK_SIZE
    from optimiser.errors import OptimiserError

    if scheduler and dask_local:
        err.print("[bold red]Error:[/] give --scheduler or --dask-local, not both", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    if scheduler and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        err.print(f"[bold red]Error:[/] --scheduler {scheduler!r} is not a Dask scheduler address; "
                  "give one like tcp://10.0.0.5:8786 (scheme, host and port)", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    from optimiser.batch.run import check_horizon, check_mode

    try:
        check_horizon(horizon)
        if mode is not None:
            check_mode(mode)
            if horizon is None:
                raise OptimiserError(f"--mode {mode} applies to plans: give --horizon N too")
        if workers is not None and (scheduler or dask_local):
            raise OptimiserError(f"--workers {workers} applies to local worker processes; with {'--dask-local' if dask_local else '--scheduler'} "
                                 "the Dask cluster's workers solve: give one or the other")
    except OptimiserError as error:
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    show = err.is_terminal if progress is None else progress
    bar = Progress(
        TextColumn("[bold]PCNs[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("[red]{task.fields[failed]} failed[/]"),
        TextColumn("{task.fields[rate]} PCN/s"), TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not show,
    )
    state = {}

    def on_plan(plan, to_run: int) -> None:
        """The whole table is read (the last chunks may still be running): its invalid rows, and the exact total."""
        for problem in listed([str(p) for p in plan.problems]):  # 20,000 bad rows print ten lines and a count
            err.print(f"[yellow]invalid[/] {problem}", highlight=False, markup=True)
        if "task" in state:
            bar.update(state["task"], total=to_run)

    def on_progress(p) -> None:
        import time

        if "task" not in state:
            state["task"] = bar.add_task("batch", total=p.total, failed=0, rate="–")
            bar.start()
        rate = p.done / max(time.perf_counter() - p.started, 1e-9)
        bar.update(state["task"], completed=p.done, total=p.total, failed=p.failed, rate=f"{rate:,.1f}")

    from optimiser import england_batch

    real = str(table) == england_batch.ENGLAND_TABLE
    try:
        if real:  # the bundled real PCNs, with the roles of the base scenario's year
            from optimiser.batch import load_base

            table = england_batch.batch_table(str(load_base(base)["year"]))
        outcome = run_batch(
            table, base, policy or ["as-published"], output, workers=workers, scheduler=scheduler, dask_local=dask_local,
            strict=strict, chunk_size=chunk_size or DEFAULT_CHUNK_SIZE, on_plan=on_plan, on_progress=on_progress, horizon=horizon,
            mode=mode or "expected", overwrite=overwrite, written_beside=england_batch.FILES if real else (),
            more_tables=england_batch.more_tables() if real else None,
        )
    except KeyboardInterrupt:
        bar.stop()
        err.print("[bold yellow]Interrupted.[/] Finished PCNs are saved; rerun the same command to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (OptimiserError, OSError) as error:  # a TableError too: every bad row and column, as sentences
        bar.stop()
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    bar.stop()
    out.print(render_rollup(outcome))
    if horizon:
        out.print(render_plan_rollup(outcome))
    if real:
        chart = england_batch.write_icb_chart(output, outcome.plan.policies)  # a chart compares policies: one policy has none
        written = [p for p in outcome.files if p.stem in england_batch.TABLES] + chart
        err.print(f"wrote {', '.join(sorted({p.name for p in written}))} (real England: by region, care closer to home, "
                  f"also as sheets of results.xlsx{', ICB chart' if chart else ''})")
    if outcome.any_failed:
        failed = outcome.failed
        failed = failed[failed["status"] != "invalid"]  # invalid rows were listed once, as the table was read
        for failure in failed.head(10).itertuples():
            err.print(f"[red]{failure.status}[/] row {failure.row} ({failure.ods_code}), {failure.policy}: {clipped(str(failure.reason))}",
                      highlight=False)
        if len(failed) > 10:
            err.print(f"... and {len(failed) - 10:,} more in {output / 'failures.csv'}")
    plan_tables = ", plan_national, plan_by_icb, plan_national_by_role, plan_pcn_years, plan_pcn_roles" if horizon else ""
    err.print(f"wrote {len(outcome.files)} files to {output}/ (national, by_icb, national_by_role, comparison_by_pcn, pcn_summary, pcn_roles, failures{plan_tables}; results.xlsx)")
    out.print(summary_line(outcome), highlight=False)
    raise typer.Exit(EXIT_BATCH_FAILURES if outcome.any_failed else EXIT_OK)


def clipped(reason: str, limit: int = 300) -> str:
    """A failure's reason on the terminal: whole words up to `limit` characters, then where the rest is (cut at a
    character, '£1,016,603' read as '£1,016,60')."""
    if len(reason) <= limit:
        return reason
    return f"{reason[:limit + 1].rsplit(None, 1)[0]} … (the whole reason is in failures.csv)"


def render_rollup(outcome):
    """The national roll-up as a rich table: one column per policy, changes against the first."""
    from rich.table import Table

    policies = outcome.plan.policies
    national = outcome.national.set_index("policy")
    table = Table(title=f"National roll-up ({counted(int(national['pcns_compared'].iloc[0]), 'PCN', 'PCNs')} optimal under every policy)")
    table.add_column("measure")
    for policy in policies:
        table.add_column(policy, justify="right")
    rows = [
        ("PCNs optimal / failed", lambda r: f"{int(r['pcns_optimal']):,} / {int(r['pcns_failed']):,}"),
        ("Total WTE", lambda r: f"{r['total_wte']:,.1f}" + _change(r, "total_wte", "{:+,.1f}")),
        ("New WTE", lambda r: f"{r['new_wte']:,.1f}" + _change(r, "new_wte", "{:+,.1f}")),
        ("ARRS sum, £m a year", lambda r: f"{r['arrs_sum_gbp_per_year'] / 1e6:,.2f}"),
        ("ARRS claimed, £m a year", lambda r: f"{r['arrs_claimed_gbp_per_year'] / 1e6:,.2f}" + _change(r, "arrs_claimed_gbp_per_year", "{:+,.2f}", 1e6)),
        ("ARRS unspent, £m a year", lambda r: f"{r['arrs_unspent_gbp_per_year'] / 1e6:,.2f}" + _change(r, "arrs_unspent_gbp_per_year", "{:+,.2f}", 1e6)),
        ("Staff in post beyond the ARRS sum, £m a year", lambda r: f"{r['in_post_beyond_arrs_gbp_per_year'] / 1e6:,.2f}"),
        ("Top-up budget used, £m a year", lambda r: f"{r['top_up_used_gbp_per_year'] / 1e6:,.2f}" + _change(r, "top_up_used_gbp_per_year", "{:+,.2f}", 1e6)),
        ("Contacts served, m a year", lambda r: f"{r['served_contacts_per_year'] / 1e6:,.3f}" + _change(r, "served_contacts_per_year", "{:+,.3f}", 1e6)),
        ("Contacts unmet, m a year", lambda r: f"{r['unmet_contacts_per_year'] / 1e6:,.3f}" + _change(r, "unmet_contacts_per_year", "{:+,.3f}", 1e6)),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(national.loc[p]) for p in policies))
    if len(policies) > 1:
        roles = outcome.by_role
        moved = roles[roles["policy"] != policies[0]]
        moved = moved[moved["change_total_wte"].abs() > 0.05].sort_values("change_total_wte", key=abs, ascending=False).head(6)
        for item in moved.sort_values("policy", key=lambda p: p.map(policies.index), kind="stable").itertuples():
            table.add_row(f"  WTE change under {item.policy}: {item.role_name}",
                          *(f"{item.change_total_wte:+,.1f}" if p == item.policy else "" for p in policies))
    return table


def render_plan_rollup(outcome):
    """A plan batch's national sums per year and future (the baseline policy), from `plan_national`."""
    import pandas as pd
    from rich.table import Table

    national = pd.read_parquet(outcome.output / "plan_national.parquet")
    national = national[national["policy"] == outcome.plan.policies[0]]
    pcns = int(national["pcns"].max()) if len(national) else 0
    table = Table(title=f"Plans per year and future, national ({counted(pcns, 'PCN', 'PCNs')} optimal under every policy; £m a year)")
    columns = [("future", None), ("year", None), ("chance", "{:.0%}"), ("WTE", "{:,.1f}"), ("new WTE", "{:,.1f}"),
               ("ARRS claimed", "{:,.2f}"), ("ARRS unspent", "{:,.2f}"), ("in post beyond the sum", "{:,.2f}"), ("own money", "{:,.2f}")]
    for name, fmt in columns:
        table.add_column(name, justify="left" if fmt is None else "right")
    for row in national.itertuples():
        values = [row.future, row.year, row.probability, row.total_wte, row.new_wte, row.arrs_claimed_gbp_per_year / 1e6,
                  row.arrs_unspent_gbp_per_year / 1e6, row.in_post_beyond_arrs_gbp_per_year / 1e6, row.own_money_gbp_per_year / 1e6]
        table.add_row(*(str(v) if fmt is None else fmt.format(v) for v, (_, fmt) in zip(values, columns)))
    return table


def _change(row, measure: str, fmt: str, scale: float = 1.0) -> str:
    change = row[f"change_{measure}"] / scale
    return f" ({fmt.format(change)})" if abs(change) > 1e-9 else ""


def national(
    output: Annotated[Path, typer.Argument(help="File to write: .csv, .parquet or .xlsx.")],
    pcns: Annotated[int, typer.Option(help=f"How many synthetic PCNs: {NATIONAL_PCNS}.", **within(1, MAX_NATIONAL_PCNS, f"give {NATIONAL_PCNS}"))] = 1_250,
    seed: Annotated[int, typer.Option(help="Random seed, 0 or more; the same seed gives the same table.",
                                      **within(0, None, "give 0 or more, e.g. --seed 2025"))] = 2025,
    sample_size: Annotated[Optional[int], typer.Option("--sample", help="Keep a random subset of this many PCNs (1 or more).",
                                                       **within(1, None, "keep 1 PCN or more"))] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the file if it exists.")] = False,
) -> None:
    """Generate a SYNTHETIC national PCN table (seeded; shaped on published figures; no real PCN)."""
    from optimiser.national import describe, generate_national, sample, write_table

    table = generate_national(pcns, seed)
    if sample_size:
        table = sample(table, sample_size)
    try:
        write_table(table, output, overwrite=overwrite)
    except (OSError, ValueError) as error:  # an existing file, a bad suffix, a read-only or full disk: a sentence each
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    facts = describe(table)
    out.print(
        f"wrote {output}: {facts['pcns']:,} synthetic PCNs, {facts['registered_patients'] / 1e6:,.2f}m patients "
        f"(list sizes {facts['smallest_list_size']:,}–{facts['largest_list_size']:,}, mean {facts['mean_list_size']:,.0f}, "
        f"{facts['share_30k_to_50k']:.0%} within 30–50k), ARRS 2025/26 £{facts['arrs_total_gbp_2025_26'] / 1e6:,.1f}m",
        highlight=False,
    )
