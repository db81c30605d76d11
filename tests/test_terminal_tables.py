"""Every table the CLI prints folds by one rule (terminal_table.folding_table): a number or £ figure is never cut, at
any terminal width, and a cell is shown as written, never read as markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser.plan import make_plan
from optimiser.plan_report import TERMINAL_YEAR_COLUMNS
from optimiser.plan_tables import YEAR_FORMATS
from optimiser.scenario_io import load_scenario
from tests.test_cli_hardening import in_terminal, run

ROOT = Path(__file__).resolve().parents[1]
URBAN = ROOT / "scenarios" / "urban-deprived-2026-27.yaml"


@pytest.fixture(scope="module")
def urban_plan_figures() -> list[str]:
    """The year table's figures as the report writes them, £ amounts among them (£1,308,802 and the like)."""
    years = make_plan(load_scenario(URBAN), compare=False).years()
    money = [c for c in TERMINAL_YEAR_COLUMNS if "_gbp" in c]
    assert money, "the year table shows £ columns"
    return [YEAR_FORMATS[c].format(v) for c in money for v in years[c]]


@pytest.mark.parametrize("columns", [80, 100])
def test_plan_tables_fold_and_never_cut_a_figure(columns, urban_plan_figures):
    """Before, plan drew its own tables, which rich shortened to fit: "ARRS claimed £1,308,8…" at 100 columns."""
    screen = in_terminal(columns, "plan", str(URBAN), "--no-compare")
    assert max(map(len, screen.splitlines())) <= columns
    assert "…" not in screen
    assert any(figure.startswith("£1,") for figure in urban_plan_figures)
    for figure in urban_plan_figures:
        assert figure in screen, f"{figure} is not shown whole at {columns} columns"
    for heading in ("Year by year", "WTE in post at each year's end", "Futures"):
        assert heading in screen


def test_piped_plan_shows_every_figure_whole(urban_plan_figures):
    done = run("plan", str(URBAN), "--no-compare")
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    for figure in urban_plan_figures:
        assert figure in done.stdout


def test_a_cell_with_square_brackets_is_shown_as_written():
    """The 2023/24 ARRS sum's basis quotes "multiplied [by] the PCN contractor weighted population"; read as markup,
    "[by]" vanished and the table said "multiplied  the PCN"."""
    done = run("catalogue", "--year", "2023/24", "--sources")
    assert done.returncode == 0, done.stderr
    table = done.stdout[done.stdout.index("ARRS sum 2023/24"):done.stdout.index("Rules, 2023/24")]
    assert "multiplied [by] the" in table
    assert "multiplied  the" not in done.stdout


def test_solve_at_80_columns_goes_on_below_instead_of_dropping_a_column():
    """The staffing mix needs more than 80 columns even folded: its last column (room sessions) was cut off the edge.
    Now the columns that do not fit go on in a second block, the role names repeated."""
    from optimiser.pipeline import optimise

    screen = in_terminal(80, "solve", str(URBAN))
    assert max(map(len, screen.splitlines())) <= 80
    assert "Staffing mix (continued)" in screen
    mix = optimise(load_scenario(URBAN)).mix()
    for column, fmt in (("arrs_claimed_gbp_per_year", ",.0f"), ("top_up_gbp_per_year", ",.0f"), ("room_sessions_per_week", ".1f")):
        for value in mix[column]:
            assert format(value, fmt) in screen, (column, value)
