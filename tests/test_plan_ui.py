"""The Plan ahead tab: futures table ↔ scenario (pure functions), its charts, and the page through AppTest."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import plan_charts, plan_ui
from optimiser.errors import ScenarioError
from optimiser.plan import make_plan
from optimiser.plan_report import past_year_note
from optimiser.plan_tables import YEAR_COLUMNS
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario
from tests.test_app import start
from tests.test_plan import C1, FUNDING_FUTURES, plan_scenario
from tests.test_scenario_files import EXAMPLES

PLAN_EXAMPLE = next(p for p in EXAMPLES if "plan" in p.name)


def test_the_futures_table_round_trips_the_scenario():
    scenario = load_scenario(PLAN_EXAMPLE)
    table = plan_ui.futures_table(scenario)
    assert list(table["Future"]) == ["funded", "unfunded", "frozen", "hub"]
    assert table["Chance (0–1)"].sum() == pytest.approx(1)
    again = plan_ui.apply_futures(scenario, table, plan_ui.horizon_of(scenario))
    assert again.futures == scenario.futures and again.horizon == scenario.horizon


def test_a_scenario_without_futures_shows_one_forecast():
    table = plan_ui.futures_table(load_scenario(EXAMPLES[0]))
    assert list(table["Future"]) == ["forecast"] and table["Chance (0–1)"].iloc[0] == 1


@pytest.mark.parametrize("change, expected", [
    ({"Chance (0–1)": [0.5, 0.2, 0.2, 0.2]}, "futures: the probabilities add up to 1.1"),
    ({"ARRS sum frozen from": ["", "", "2040/41", ""]}, "futures.frozen.arrs_frozen_from = '2040/41': not a year of the plan"),
    ({"Future": ["funded", "", "frozen", "hub"]}, "futures row 2: give the future a name"),
])
def test_bad_futures_are_sentences_naming_the_field(change, expected):
    scenario = load_scenario(PLAN_EXAMPLE)
    table = plan_ui.futures_table(scenario).assign(**change)
    with pytest.raises(ScenarioError) as raised:
        plan_ui.apply_futures(scenario, table, 5)
    assert expected in str(raised.value)


def test_plan_charts_carry_the_plan_numbers():
    plan = make_plan(plan_scenario(arrs_sum=100_000, top_up=12_500, horizon=2, growth={"pay_award_afc_percent": 25},
                                   futures=FUNDING_FUTURES), compare=False)
    area = plan_charts.mix_area_chart(plan, "frozen").to_dict()
    rows = pd.DataFrame(next(iter(area["datasets"].values())))
    assert rows["total_wte"].tolist() == pytest.approx([125_000 / C1] * 2)  # the hand-derived expected-value plan (tests/test_plan.py)
    money = plan_charts.own_money_chart(plan).to_dict()
    assert any(25_000 == pytest.approx(r.get("own_money_gbp_per_year", -1)) for d in money["datasets"].values() for r in d)


def funding_plan():
    """The expected-value plan of tests/test_plan.py: own money £25,000 next year if the ARRS sum is frozen and £0 if
    the pay award is funded, averaging the £12,500 top-up budget."""
    return make_plan(plan_scenario(arrs_sum=100_000, top_up=12_500, horizon=2, growth={"pay_award_afc_percent": 25},
                                   futures=FUNDING_FUTURES), compare=False)


@pytest.mark.parametrize("chart", ["mix", "money", "need"])
def test_plan_charts_keep_their_height_for_the_plot(chart):
    """Streamlit fits a chart, legend and axes included, into its height: a legend below and sideways year labels
    would take the plot's room, so the legend is on the right and the years read level."""
    plan = funding_plan()
    spec = {"mix": lambda: plan_charts.mix_area_chart(plan, "frozen"), "money": lambda: plan_charts.own_money_chart(plan),
            "need": lambda: plan_charts.need_met_chart(plan)}[chart]().to_dict()
    layers = spec.get("layer", [spec])
    assert spec["height"] >= 300
    assert all(layer["encoding"]["x"]["axis"]["labelAngle"] == 0 for layer in layers)
    legends = [layer["encoding"]["color"]["legend"] for layer in layers if "color" in layer.get("encoding", {})]
    assert legends and all(legend["orient"] == "right" for legend in legends)


def test_the_years_table_is_in_words_with_units_and_rounded():
    plan = funding_plan()
    table = plan.years_in_words()
    assert {"ARRS sum (£ a year)", "Staff paid from own money (WTE)", "New staff (WTE)", "Own money (£ a year)"} <= set(table.columns)
    assert not any("_gbp" in c or "_wte" in c for c in table.columns)
    frozen = table[(table["Future"] == "frozen") & (table["Year"] == "2026/27")].iloc[0]
    assert frozen["Own money (£ a year)"] == 25_000 and frozen["Over the top-up budget (£ a year)"] == 12_500
    assert (table["ARRS claimed (£ a year)"] == table["ARRS claimed (£ a year)"].round(0)).all()
    assert (table["Staff (WTE)"] == table["Staff (WTE)"].round(1)).all()
    shown = "".join(table.to_html() for table in plan_ui.years_shown(plan).values())
    assert "£25,000" in shown and "50%" in shown and "1733359.5" not in shown


def test_every_column_of_the_plan_tables_is_shown_with_its_full_words_and_unit_at_hand():
    """The years table is split in three for a laptop's width: every column of `years()` is in one of them (future and
    year in each), and a money column under a short header has its full heading, with the unit, as its help; the
    futures editor's short headers have help that starts with the column's full words."""
    shown = [c for columns in plan_ui.YEAR_GROUPS.values() for c in columns if c not in ("future", "year")]
    assert sorted(shown) == sorted(set(YEAR_COLUMNS) - {"future", "year"}) and len(shown) == len(set(shown))
    assert all(columns[:2] == ["future", "year"] for columns in plan_ui.YEAR_GROUPS.values())
    assert set(plan_ui.YEAR_HEADERS) <= set(plan_ui.YEAR_GROUPS["Money (£ a year)"])
    assert all("(£ a year)" in full for full in plan_ui.short_year_headers())
    assert list(plan_ui.FUTURE_HEADERS) == list(plan_ui.FUTURE_COLUMNS)
    for field, words in plan_ui.FUTURE_COLUMNS.items():
        assert plan_ui.future_help(field).startswith(words)
    assert "sessions a week" in plan_ui.future_help("extra_room_sessions_per_week") and "0–1" in plan_ui.future_help("probability")


def test_the_terminal_years_table_uses_the_same_headings():
    from optimiser.plan_report import years_table

    plan = funding_plan()
    headings = [column.header for column in years_table(plan).columns]
    assert set(headings) <= set(plan.years_in_words().columns) and "Own money (£ a year)" in headings


def test_a_year_s_care_points_say_their_scale():
    """Care points stay on the first year's scale, so they pass 100 when need grows: the heading says what 100 is."""
    plan = make_plan(load_scenario(PLAN_EXAMPLE), compare=False)
    assert plan.care_heading == "Care (points; 100 = 2025/26's need all met)"
    assert plan.care_heading in plan.years_in_words().columns


def test_an_expected_value_budget_names_the_futures_over_it():
    """Expected mode binds own money averaged over the futures: frozen is £12,500 over the budget, funded £12,500
    under it, so the limit names frozen only, never 'every future'."""
    from optimiser.plan_report import limits_lines

    [line] = limits_lines(funding_plan())
    assert "own money averaged over the futures is at the top-up budget, over it in frozen (+" in line
    assert "every future" not in line


def test_the_plan_ahead_tab_shows_the_verdict(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, PLAN_EXAMPLE.name)
    at.toggle(key="plan_on").set_value(True).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    plan = make_plan(load_scenario(PLAN_EXAMPLE))  # the page's scenario went through the app's tables: compare the gist
    shown = " ".join(m.value for m in at.markdown)
    assert plan.verdict().split(" now")[0] in shown and "of own money a year beyond the top-up budget" in shown
    assert plan.first_year_forecast() in shown
    assert past_year_note(plan) in [note.value for note in at.info]  # the example starts in 2025/26, a past year
    headings = [list(frame.value.columns) for frame in at.dataframe]
    groups = [[plan.years_in_words().columns[list(YEAR_COLUMNS).index(c)] for c in columns] for columns in plan_ui.YEAR_GROUPS.values()]
    assert all(group in headings for group in groups)  # the years table in three, together every column
    assert set().union(*map(set, groups)) == set(plan.years_in_words().columns)


def test_what_the_futures_table_does_not_show_is_kept():
    """A future's own growth rates, top-up budgets and later estate projects survive an edit of the table."""
    scenario = load_scenario(PLAN_EXAMPLE)
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["futures"]["hub"] |= {"top_up_budget_gbp": {"2027/28": 0}, "growth": {"pay_award_afc_percent": 5},
                               "extra_room_sessions_per_week": {"2028/29": 20, "2029/30": 10}}
    scenario = parse_scenario(data, "test")
    table = plan_ui.futures_table(scenario)
    table.loc[table["Future"] == "hub", "Extra room sessions a week"] = 30
    hub = plan_ui.apply_futures(scenario, table, 5).futures["hub"]
    assert hub.top_up_budget_gbp == {"2027/28": 0} and hub.growth.pay_award_afc_percent == {"later": 5}
    assert hub.extra_room_sessions_per_week == {"2028/29": 30, "2029/30": 10}
    assert plan_ui.apply_futures(scenario, plan_ui.futures_table(scenario), 5).futures == scenario.futures


def test_the_plan_ahead_tab_shows_the_post_by_post_verdict_and_a_conflict(monkeypatch, tmp_path):
    """The hand-derived cases of tests/test_plan_verdict.py on the page: the verdict word for word; then, planned
    robustly, the rooms conflict named with its years, future and shortfall, and no traceback."""
    from optimiser.scenario_io import scenario_to_text
    from tests.test_plan_verdict import PAY_FUTURES, rooms_conflict_scenario, rooms_scenario

    verdict_case = rooms_scenario(arrs_sum=150_000, top_up=10_000, rooms=30, horizon=4, futures=PAY_FUTURES,
                                  growth={"pay_award_afc_percent": {"2026/27": 0, "2027/28": 10, "later": 0}})
    (tmp_path / "verdict.yaml").write_text(scenario_to_text(verdict_case))
    at = start(monkeypatch, tmp_path, "verdict.yaml")
    at.toggle(key="plan_on").set_value(True).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert f"**{make_plan(verdict_case).verdict()}**" in [m.value for m in at.markdown]
    assert any("the third, 1.0 WTE clinical pharmacist, needs £5,225 of own money a year" in m.value for m in at.markdown)

    (tmp_path / "conflict.yaml").write_text(scenario_to_text(rooms_conflict_scenario()))
    at = start(monkeypatch, tmp_path, "conflict.yaml")
    at.toggle(key="plan_on").set_value(True)
    at.radio(key="plan_mode").set_value("robust").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    [error] = [e.value for e in at.error]
    assert ("From 2026/27 to 2027/28, if the practices stop the top-up budget (chance 50%): staff in post need 30 "
            "clinical room sessions a week but 20 are free") in error


def test_every_catalogue_role_has_its_own_colour_in_every_chart():
    """24 roles across the catalogues' years, 24 colours: no two roles share one, a role keeps its colour whichever
    roles are beside it, and a custom role takes a colour no role in that chart uses."""
    from optimiser.charts import ROLE_PALETTE, catalogue_role_order, role_colours

    roles = list(catalogue_role_order())
    assert len(set(ROLE_PALETTE)) == len(ROLE_PALETTE) >= len(roles)
    colours = role_colours(roles)
    assert len(set(colours)) == len(roles)
    assert role_colours(["paramedic", "dietitian"]) == [colours[roles.index("paramedic")], colours[roles.index("dietitian")]]
    mixed = role_colours(["clinical_pharmacist", "frailty_practitioner", "paramedic"])
    assert len(set(mixed)) == 3 and mixed[0] == colours[0]


def test_the_plans_mix_chart_gives_each_of_its_roles_its_own_colour():
    plan = make_plan(load_scenario(PLAN_EXAMPLE), compare=False)
    spec = plan_charts.mix_area_chart(plan, plan.inputs.futures[0]).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert len(scale["domain"]) == len(scale["range"]) == len(set(scale["range"]))
    assert set(scale["domain"]) == set(plan.mix()["role_name"])
