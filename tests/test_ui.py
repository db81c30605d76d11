"""The page's pure helpers: scenario ↔ tables and form, file names, chart data, comparisons and one solve."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser import charts, comparison, edit_form, edit_tables, result_display, scenario_files
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.explain import InfeasibleScenario
from optimiser.inputs import prepare
from optimiser.outcome import scenario_from_canonical, solve_outcome
from optimiser.pipeline import optimise, with_caps_lifted
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.words import in_sentence
from tests.helpers import small_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
LARGE = ROOT / "scenarios" / "large-2024-25.yaml"


def _with(scenario, **changes):
    """A copy of the scenario's data with dotted paths replaced (for building the CLI's own message)."""
    data = scenario.model_dump()
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


@pytest.fixture(scope="module")
def large():
    return load_scenario(LARGE)


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_unedited_tables_give_back_the_same_scenario(path):
    scenario = load_scenario(path)
    roles, demand = edit_tables.roles_table(scenario), edit_tables.demand_table(scenario)
    assert edit_tables.apply_roles(scenario, roles, roles.copy()).canonical_json() == scenario.canonical_json()
    assert edit_tables.apply_demand(scenario, demand, demand.copy()).canonical_json() == scenario.canonical_json()
    assert list(roles.index) == list(load_catalogue(scenario.year).roles.index) + list(scenario.custom_roles)


def test_roles_table_shows_the_values_the_model_uses(large):
    table = edit_tables.roles_table(large)
    prepared = prepare(large).roles
    assert (table["include"] == prepared["allowed"]).all()
    np.testing.assert_allclose(table["in_post_wte"], prepared["in_post_wte"])
    np.testing.assert_allclose(table["cost_per_wte_gbp"], prepared["cost_per_wte_gbp"])
    np.testing.assert_allclose(table["remote_share"], prepared["remote_share"])
    np.testing.assert_allclose(table["max_reimbursable_gbp"], prepared["max_reimbursable_gbp"])
    limit = prepared["max_new_wte"].replace(np.inf, np.nan)
    assert table["max_new_wte"].isna().equals(limit.isna())


def test_estimates_are_flagged_with_their_status(large):
    table = edit_tables.roles_table(large)
    catalogue = load_catalogue(large.year).roles
    assert (table["max_reimbursable_status"] == catalogue["max_reimbursable_status"]).all()
    assert set(edit_tables.estimate_roles(table)) == set(catalogue.index[catalogue["max_reimbursable_status"] != "published"])
    assert edit_tables.estimate_roles(table), "the 2024/25 catalogue has estimated amounts; the test needs one"


@pytest.mark.parametrize("weighting, pharmacist, technician", [("none", 65_838, 42_437), ("outer", 73_189, 48_991), ("inner", 76_313, 51_176)])
def test_london_weighting_changes_the_amount_shown(large, weighting, pharmacist, technician):
    """2024/25 published amounts (£ a WTE): clinical pharmacist 65,838 / outer London 73,189 / inner 76,313;
    pharmacy technician 42,437 / 48,991 / 51,176."""
    table = edit_tables.roles_table(parse_scenario(_with(large, **{"policy.london_weighting": weighting})))
    assert table.at["clinical_pharmacist", "max_reimbursable_gbp"] == pharmacist
    assert table.at["pharmacy_technician", "max_reimbursable_gbp"] == technician
    assert (table.loc[["clinical_pharmacist", "pharmacy_technician"], "max_reimbursable_status"] == "published").all()


def test_an_edited_cell_becomes_an_explicit_setting_and_defaults_stay_defaults(large):
    base = edit_tables.roles_table(large)
    edited = base.copy()
    edited.at["paramedic", "in_post_wte"] = 3.5
    edited.at["dietitian", "max_new_wte"] = 1.0
    edited.at["physician_associate", "include"] = False
    scenario = edit_tables.apply_roles(large, base, edited)
    assert scenario.roles["paramedic"].in_post_wte == 3.5
    assert scenario.roles["paramedic"].cost_per_wte_gbp is None  # shown filled, still the default
    assert scenario.roles["dietitian"].max_new_wte == 1.0
    assert scenario.roles["physician_associate"].allowed is False
    untouched = set(base.index) - {"paramedic", "dietitian", "physician_associate"}
    assert {r: s for r, s in scenario.roles.items() if r in untouched} == {r: s for r, s in large.roles.items() if r in untouched}


def test_clearing_a_cell_returns_to_the_default():
    scenario = load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")
    assert scenario.roles["clinical_pharmacist"].salary_gbp is not None  # what the role costs is given, as a salary
    assert edit_tables.roles_table(scenario).at["clinical_pharmacist", "cost_per_wte_gbp"] == pytest.approx(74_290.40)  # 58,000 × 1.1438 + 0.15 × 53,000
    base = edit_tables.roles_table(scenario)
    edited = base.copy()
    edited.at["clinical_pharmacist", "cost_per_wte_gbp"] = np.nan
    edited.at["clinical_pharmacist", "max_new_wte"] = None
    changed = edit_tables.apply_roles(scenario, base, edited)
    assert changed.roles["clinical_pharmacist"].cost_per_wte_gbp is None and changed.roles["clinical_pharmacist"].salary_gbp is None
    assert changed.roles["clinical_pharmacist"].max_new_wte is None
    assert edit_tables.roles_table(changed).at["clinical_pharmacist", "cost_per_wte_gbp"] == base.at["clinical_pharmacist", "max_reimbursable_gbp"]


def test_invalid_cells_give_the_cli_sentence_with_row_and_column(large):
    base = edit_tables.roles_table(large)
    edited = base.copy()
    edited.at["paramedic", "in_post_wte"] = -1.0
    edited.at["dietitian", "remote_share"] = 2.0
    with pytest.raises(ScenarioError) as caught:
        edit_tables.apply_roles(large, base, edited)
    problems = caught.value.problems
    assert len(problems) == 2
    for role, column, field, value in (("paramedic", "in_post_wte", "in_post_wte", -1.0), ("dietitian", "remote_share", "remote_share", 2.0)):
        with pytest.raises(ScenarioError) as cli:
            parse_scenario(_with(large, **{f"roles.{role}.{field}": value}))
        [cli_sentence] = cli.value.problems
        [mine] = [p for p in problems if cli_sentence in p]
        assert mine.startswith(f"Roles table, row '{base.at[role, 'role_name']}', column '{edit_tables.ROLE_COLUMNS[column]}'")


def test_excluding_a_role_with_staff_in_post_says_what_the_core_says(large):
    base = edit_tables.roles_table(large)
    edited = base.copy()
    edited.at["paramedic", "include"] = False
    with pytest.raises(ScenarioError) as caught:
        edit_tables.apply_roles(large, base, edited)
    with pytest.raises(ScenarioError) as core:
        prepare(parse_scenario(_with(large, **{"roles.paramedic.allowed": False})))
    assert core.value.problems[0] in caught.value.problems[0]
    assert "row 'Paramedic'" in caught.value.problems[0]


def test_demand_table_defaults_and_edits(large):
    base = edit_tables.demand_table(large)
    np.testing.assert_allclose(base["contacts_per_year"], prepare(large).categories["demand_contacts_per_year"])
    edited = base.copy()
    edited.at["msk", "contacts_per_year"] = 1234.0
    edited.at["mental_health", "priority_weight"] = 3.0
    scenario = edit_tables.apply_demand(large, base, edited)
    assert scenario.demand["msk"].contacts_per_year == 1234.0 and scenario.demand["msk"].priority_weight is None
    assert scenario.demand["mental_health"].priority_weight == 3.0
    edited.at["msk", "contacts_per_year"] = -5.0
    with pytest.raises(ScenarioError) as caught:
        edit_tables.apply_demand(large, base, edited)
    assert caught.value.problems[0].startswith(f"Demand table, row '{base.at['msk', 'category_name']}', column '{edit_tables.DEMAND_COLUMNS['contacts_per_year']}'")
    assert "demand.msk.contacts_per_year is -5 contacts a year; give 0 to 10,000,000" in caught.value.problems[0]


def test_changed_rows_are_refused(large):
    base = edit_tables.roles_table(large)
    with pytest.raises(ScenarioError, match="rows changed"):
        edit_tables.apply_roles(large, base, base.iloc[1:])


def test_editor_state_is_applied_by_position(large):
    base = edit_tables.roles_table(large)
    state = {"edited_rows": {2: {"in_post_wte": 7.0}, 0: {"include": False, "in_post_wte": 0}}, "added_rows": [], "deleted_rows": []}
    edited = edit_tables.apply_editor_state(base, state)
    assert edited.iloc[2]["in_post_wte"] == 7.0
    assert not edited.iloc[0]["include"] and edited.iloc[0]["in_post_wte"] == 0
    assert edited.drop(index=base.index[[0, 2]]).equals(base.drop(index=base.index[[0, 2]]))
    assert edit_tables.apply_editor_state(base, None).equals(base)


# ---------------------------------------------------------------- form


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_form_round_trip_leaves_nothing_unsaved(path):
    scenario = load_scenario(path)
    values = edit_form.form_values(scenario)
    again, dropped = edit_form.apply_form(scenario, values)
    assert dropped == []
    assert not scenario_files.has_unsaved_changes(again, scenario.canonical_json())


def test_form_values_change_the_scenario(large):
    values = edit_form.form_values(large) | {"top_up_budget_gbp": 250_000.0, "arrs_derive": False, "arrs_sum_gbp": 2_000_000.0,
                                      "room_sessions_per_week": 200.0, "whole_posts": True}
    scenario, _ = edit_form.apply_form(large, values)
    assert scenario.money.top_up_budget_gbp == 250_000
    assert scenario.money.arrs_sum_gbp == 2_000_000
    assert scenario.estate.room_sessions_per_week == 200
    assert scenario.policy.whole_posts
    assert scenario_files.has_unsaved_changes(scenario, large.canonical_json())
    derived, _ = edit_form.apply_form(scenario, edit_form.form_values(scenario) | {"arrs_derive": True})
    assert derived.money.arrs_sum_gbp is None
    assert edit_form.form_values(derived)["arrs_sum_gbp"] == pytest.approx(prepare(derived).funding.at["arrs", "sum_gbp"])


def test_invalid_form_values_give_the_cli_sentence_for_that_field(large):
    values = edit_form.form_values(large) | {"pcn_name": "", "list_size": 0}
    with pytest.raises(edit_form.FormError) as caught:
        edit_form.apply_form(large, values)
    with pytest.raises(ScenarioError) as cli:
        parse_scenario(_with(large, **{"pcn.name": "", "pcn.list_size": 0}))
    assert sorted(p for ps in caught.value.by_field.values() for p in ps) == sorted(cli.value.problems)
    assert set(caught.value.by_field) == {"pcn_name", "list_size"}


def test_caps_for_the_year_and_list_size(large):
    """2024/25 caps: enhanced practice nurse 1 WTE below 100,000 patients, 2 WTE from 100,000; digital and
    transformation lead 1 WTE either way. The large example has 110,000 patients; 99,999 is below the line."""
    caps = edit_form.cap_table(large)
    assert caps["cap_wte"].to_dict() == {"digital_transformation_lead": 1, "enhanced_practice_nurse": 2}
    smaller = parse_scenario(_with(large, **{"pcn.list_size": 99_999}))
    assert edit_form.cap_table(smaller)["cap_wte"].to_dict() == {"digital_transformation_lead": 1, "enhanced_practice_nurse": 1}
    assert not caps["lifted"].any()
    lifted, _ = edit_form.apply_form(large, edit_form.form_values(large) | {"lifted_caps": ["enhanced_practice_nurse"]})
    assert lifted.policy.remove_caps == ["enhanced_practice_nurse"]
    assert edit_form.cap_table(lifted).at["enhanced_practice_nurse", "lifted"]
    everything, _ = edit_form.apply_form(large, edit_form.form_values(large) | {"remove_all_caps": True})
    assert edit_form.cap_table(everything)["lifted"].all()


def test_changing_year_drops_roles_the_year_lacks():
    """The one rule of optimiser.variants.another_year: settings of roles the year lacks are dropped, unless staff are in post."""
    scenario = load_scenario(ROOT / "scenarios" / "rural-2026-27.yaml")
    newer_only = sorted(set(load_catalogue("2025/26").roles.index) - set(load_catalogue("2023/24").roles.index))
    data = _with(scenario, **{f"roles.{newer_only[0]}": {"max_new_wte": 1.0}})
    data["policy"]["remove_caps"] = [newer_only[0]]
    scenario = parse_scenario(data)
    moved, dropped = edit_form.apply_form(scenario, edit_form.form_values(scenario) | {"year": "2023/24"})
    assert moved.year == "2023/24"
    known = set(load_catalogue("2023/24").roles.index)
    assert newer_only[0] in dropped
    assert dropped == sorted(set(scenario.roles) - known)
    assert set(moved.roles) == set(scenario.roles) & known and moved.policy.remove_caps == []


def test_changing_year_refuses_to_drop_staff_in_post():
    scenario = load_scenario(ROOT / "scenarios" / "rural-2026-27.yaml")
    newer_only = sorted(set(load_catalogue("2025/26").roles.index) - set(load_catalogue("2023/24").roles.index))[0]
    scenario = parse_scenario(_with(scenario, **{f"roles.{newer_only}": {"in_post_wte": 1.0}}))
    with pytest.raises(edit_form.FormError) as caught:
        edit_form.apply_form(scenario, edit_form.form_values(scenario) | {"year": "2023/24"})
    assert list(caught.value.by_field) == ["year"]
    assert f"{newer_only} (1 WTE in post) is not an ARRS role in 2023/24" in caught.value.by_field["year"][0]


# ---------------------------------------------------------------- files

SAFE = re.compile(r"^[^\W_][\w -]*\.yaml$")  # letters of any alphabet, digits, spaces, - and _; nothing else


@pytest.mark.parametrize(
    "name, expected",
    [
        ("board", "board.yaml"),
        ("Board March.yaml", "Board March.yaml"),
        ("../../etc/passwd", "etc-passwd.yaml"),
        (".hidden", "hidden.yaml"),
        ("a/b\\c", "a-b-c.yaml"),
        ("Riverside 2025/26", "Riverside 2025-26.yaml"),
        ("nul", "nul-scenario.yaml"),
        ("Ünïcödé PCN", "Ünïcödé PCN.yaml"),
        ("Ynys Môn / Anglesey", "Ynys Môn - Anglesey.yaml"),
        ("U\u0308nicode", "Ünicode.yaml"),  # decomposed letters are composed, not dropped
        ("tab\there\x00null\u202eRLO", "tab-here-null-RLO.yaml"),  # control and bidi characters never reach a file name
    ],
)
def test_safe_filename(name, expected):
    assert scenario_files.safe_filename(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "...", "../", "/", "£$%"])
def test_names_without_letters_are_refused(name):
    with pytest.raises(ScenarioError, match="letters or digits"):
        scenario_files.safe_filename(name)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_name_is_safe_or_refused(name):
    try:
        result = scenario_files.safe_filename(name)
    except ScenarioError:
        return
    assert SAFE.match(result), result
    assert len(result) <= scenario_files.MAX_NAME_LENGTH + len(".yaml") + len("-scenario")
    assert len(result.encode("utf-8")) <= 255
    assert "/" not in result and "\\" not in result and ".." not in result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_a_name_that_starts_with_a_letter_is_never_refused(tail):
    """Refusing every name would pass the test above; a name starting with a letter must be saved under it."""
    assert scenario_files.safe_filename("Board" + tail).startswith("Board")


def test_save_path_stays_in_the_folder(tmp_path):
    for name in ["../../x", "/etc/passwd", "sub/dir/name", "~root"]:
        path = scenario_files.save_path(tmp_path, name)
        assert path.parent == tmp_path.resolve()


def test_scenario_files_lists_scenarios_only(tmp_path):
    (tmp_path / "b.yaml").write_text("x")
    (tmp_path / "a.json").write_text("x")
    (tmp_path / ".hidden.yaml").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "folder.yaml").mkdir()
    found = scenario_files.scenario_files([tmp_path, tmp_path / "missing"])
    assert list(found) == ["a.json", "b.yaml"]
    both = scenario_files.scenario_files([ROOT / "scenarios", tmp_path])
    assert {p.name for p in EXAMPLES} <= set(both)


# ---------------------------------------------------------------- solving and results


def test_solve_outcome_is_the_core_result(large):
    outcome = solve_outcome(large)
    assert outcome.ok
    pd.testing.assert_frame_equal(outcome.result.mix(), optimise(large).mix())


def test_infeasible_outcome_carries_the_core_explanation(large):
    cap = load_catalogue(large.year).cap_wte("enhanced_practice_nurse", large.pcn.list_size)
    scenario = parse_scenario(_with(large, **{"roles.enhanced_practice_nurse.in_post_wte": cap + 3}))
    outcome = solve_outcome(scenario)
    assert outcome.kind == "infeasible"
    with pytest.raises(InfeasibleScenario) as core:
        optimise(scenario)
    assert outcome.message == str(core.value)
    assert list(outcome.conflicts["explanation"]) == list(core.value.conflicts["explanation"])
    shown = result_display.conflicts_display(outcome.conflicts)
    assert list(shown["What conflicts"]) == list(core.value.conflicts["explanation"])


def test_excluding_a_role_with_staff_in_post_is_a_sentence(large):
    with pytest.raises(ScenarioError, match="roles.paramedic: 2 WTE in post but allowed is false"):
        parse_scenario(_with(large, **{"roles.paramedic.allowed": False}))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_chart_data_adds_up_to_the_result(path):
    result = optimise(load_scenario(path))
    mix = result.mix()
    bars = charts.mix_chart_data(result).groupby("role")["wte"].sum()
    np.testing.assert_allclose(bars.reindex(mix.index), mix["total_wte"], atol=1e-9)
    money = result.money()["gbp_per_year"]
    chart = charts.money_chart_data(result)
    for budget, parts in chart.groupby("budget"):
        assert (parts["gbp_per_year"] >= 0).all()
        assert parts["gbp_per_year"].sum() == pytest.approx(money[budget], abs=0.01)  # used + unspent = the budget
    care = result.care()
    served = charts.care_chart_data(result).groupby("category")["contacts_per_year"].sum()
    np.testing.assert_allclose(served.reindex(care["category_name"]).to_numpy(), care["demand_contacts_per_year"].to_numpy(), rtol=1e-9)


def test_caps_are_marked_and_shown_lifted(large):
    result = optimise(large)
    marks = charts.cap_marks(result).set_index("role")
    assert marks.at["enhanced_practice_nurse", "cap_wte"] == 2  # 2024/25, 110,000 patients: 2 WTE
    assert not marks["lifted"].any()
    lifted = charts.cap_marks(optimise(with_caps_lifted(large))).set_index("role")
    assert lifted["lifted"].all() and "lifted" in lifted.at["enhanced_practice_nurse", "cap_label"]


def test_mix_in_words_names_every_new_role(large):
    result = optimise(large)
    words = result_display.mix_in_words(result)
    mix = result.mix()
    for _, row in mix[mix["new_wte"] > 0.005].iterrows():
        assert f"{row['new_wte']:.1f} WTE {in_sentence(row['role_name'])}" in words
    assert f"{(mix['total_wte'] - mix['new_wte']).sum():.1f} WTE in post" in words


def test_display_tables_have_units_and_flag_estimates(large):
    result = optimise(large)
    mix = result_display.mix_display(result)
    for column in mix.columns.drop(["Role", "Max reimbursable status"]):
        assert re.search(r"\((WTE|£ a year|£ per WTE a year|sessions a week)\)", column), column
    estimated = mix["Max reimbursable status"] != "published"
    assert mix.loc[estimated, "Role"].str.endswith(result_display.ESTIMATE_MARK).all()
    assert not mix.loc[~estimated, "Role"].str.endswith(result_display.ESTIMATE_MARK).any()
    assert list(result_display.limits_display(result)["What limits you"]) == list(result.binding_constraints()["explanation"])


def test_the_care_table_shows_whole_contacts_when_the_need_is_fractional():
    """A real PCN's list size makes fractional needs (33,581 patients × 150 per 1,000 = 5,037.15 a year). With 2.5 WTE of
    money at 1,000 contacts per WTE-year, 2,500 of 5,037.15 are served and 2,537.15 unmet: the table shows 5,037, 2,500
    and 2,537, as the chart's words do, not 5,037.15."""
    amount = float(load_catalogue("2025/26-april").roles.at["clinical_pharmacist", "max_reimbursable_gbp"])
    scenario = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=2.5 * amount,
                              demand={"medication_review": 5037.15})
    care = result_display.care_display(optimise(scenario)).loc["medication_review"]
    assert care["Needed (contacts a year)"] == 5037
    assert care["Served (contacts a year)"] == 2500
    assert care["Unmet (contacts a year)"] == 2537


def _bold_rows(styler) -> set[int]:
    """Row positions the Styler's CSS makes bold (rules are shared between cells, so read the selectors)."""
    rows: set[int] = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", styler.to_html()):
        if "font-weight: bold" in body:
            rows |= {int(r) for r in re.findall(r"_row(\d+)_col", selectors)}
    return rows


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_lifting_caps_never_reduces_care(path):
    scenario = load_scenario(path)
    tables = comparison.comparison_tables(optimise(scenario), optimise(with_caps_lifted(scenario)))
    headline = tables["headline"]
    assert headline.at["priority_weighted_contacts_per_year", "Change"] >= -1e-6 * max(1.0, headline.at["priority_weighted_contacts_per_year", "Baseline"])


def test_comparison_tables_show_the_difference(large):
    a, b = optimise(large), optimise(with_caps_lifted(large))
    tables = comparison.comparison_tables(a, b, ("As set", "Caps lifted"))
    mix = tables["mix"]
    np.testing.assert_allclose(mix["Change (WTE)"], mix["Caps lifted (WTE)"] - mix["As set (WTE)"])
    for table in tables.values():
        change = table[comparison.change_column(table)]
        expected = np.where(change.abs() <= comparison.CHANGE_TOLERANCE, "same", np.where(change > 0, "▲ up", "▼ down"))
        assert list(table["Direction"]) == list(expected)
    summary_a = a.summary()
    assert tables["headline"].at["total_wte", "As set"] == round(summary_a["total_wte"], 2)  # as shown: 0.01 WTE
    assert comparison.changed_rows(mix).sum() > 0
    assert _bold_rows(comparison.highlight_changes(mix)) == set(np.flatnonzero(comparison.changed_rows(mix).to_numpy()))


def test_the_compare_headline_shows_each_measure_to_the_decimals_it_is_rounded_to():
    """Urban example: 19.1 rented sessions a week, 33.40 WTE-years of need met and a care score of 91.9 must not show
    as 19, 33 and 92 beside a change column rounded to the same decimals."""
    result = optimise(load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml"))
    headline = comparison.comparison_tables(result, result)["headline"]
    html = comparison.highlight_changes(headline, "{:,.0f}").to_html()
    for measure, digits in (("rented_sessions_per_week", 1), ("need_met_wte_years", 2), ("care_score", 1), ("total_wte", 2)):
        assert f">{headline.iloc[:, 1][measure]:,.{digits}f}<" in html


def test_identical_results_show_no_change(large):
    result = optimise(large)
    tables = comparison.comparison_tables(result, result)
    for table in tables.values():
        assert not comparison.changed_rows(table).any()
        assert set(table["Direction"]) == {"same"}
        assert _bold_rows(comparison.highlight_changes(table)) == set()


def test_unsaved_changes_ignore_int_versus_float(large):
    assert not scenario_files.has_unsaved_changes(large, large.canonical_json())
    assert scenario_files.has_unsaved_changes(large, None)
    changed = parse_scenario(_with(large, **{"money.top_up_budget_gbp": 1.0}))
    assert scenario_files.has_unsaved_changes(changed, large.canonical_json())
    assert math.isclose(scenario_from_canonical(changed.canonical_json()).money.top_up_budget_gbp, 1.0)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_charts_render_to_vega_lite_with_units_on_their_axes(path):

    result = optimise(load_scenario(path))
    specs = {name: build(result).to_dict() for name, build in
             [("mix", charts.mix_chart), ("money", charts.money_chart), ("care", charts.care_chart)]}
    text = {name: str(spec) for name, spec in specs.items()}
    assert "WTE (whole-time equivalent)" in text["mix"]
    assert "£ a year" in text["money"]
    assert "Contacts a year" in text["care"]


def test_no_limit_cells_round_trip(large):
    base = edit_tables.roles_table(large)
    shown = edit_tables.roles_for_editor(base)
    assert set(shown.loc[base["max_new_wte"].isna(), "max_new_wte"]) == {edit_tables.NO_LIMIT}
    back = edit_tables.roles_from_editor(shown)
    assert back["max_new_wte"].isna().equals(base["max_new_wte"].isna())
    shown.at["dietitian", "max_new_wte"] = "2.5"
    assert edit_tables.apply_roles(large, base, edit_tables.roles_from_editor(shown)).roles["dietitian"].max_new_wte == 2.5
    shown.at["dietitian", "max_new_wte"] = "lots"
    with pytest.raises(ScenarioError, match="roles.dietitian.max_new_wte is 'lots'; give a number of WTE, 0 to 500"):
        edit_tables.apply_roles(large, base, edit_tables.roles_from_editor(shown))


@pytest.mark.parametrize("text, expected", [
    ("(set roles.<role>.max_new_wte if you cannot)", "(set “Max new (WTE)” in the Roles table if you cannot)"),
    ("Raise demand.msk.priority_weight if", "Raise “Priority weight” in the Demand table if"),
    ("(policy.allow_reducing_in_post: true)", "(“Allow reducing staff in post” switched on)"),
    ("see results.csv and roles.paramedic: 2 WTE", "see results.csv and roles.paramedic: 2 WTE"),
    ("set roles.<role>.max_reimbursable_gbp or money.arrs_sum_gbp.",
     "set roles.<role>.max_reimbursable_gbp in the scenario file or “ARRS sum (£ a year)”."),
    ("Set policy.in_post_beyond_arrs_sum: infeasible to treat", "Set policy.in_post_beyond_arrs_sum: infeasible in the scenario file to treat"),
    ("(0.2 WTE, policy.min_post_wte) costs", "(0.2 WTE, policy.min_post_wte in the scenario file) costs"),
    ("(supervision.available.gp.hours_per_week) or", "(supervision.available.gp.hours_per_week in the scenario file) or"),
    ("policy.london_weighting: inner", "“London weighting” set to inner"),
    ("policy.value_curve: 3 breakpoints", "policy.value_curve: 3 breakpoints"),
])
def test_messages_in_a_managers_words(text, expected):
    assert result_display.in_words(text) == expected


def test_the_scenarios_own_roles_are_rows_of_the_roles_table_and_edits_reach_them():
    """A custom role is the last row, with what the model uses (cost from its salary, its given maximum); an unedited
    table gives the scenario back, and a typed recruitment limit becomes roles.<custom role>.max_new_wte."""
    scenario = parse_scenario({
        "pcn": {"name": "Custom PCN", "list_size": 30000, "weighted_population": 30000}, "year": "2026/27",
        "estate": {"room_sessions_per_week": 500},
        "custom_roles": {"frailty_practitioner": {"name": "Frailty practitioner", "salary_gbp": 40000, "max_reimbursable_gbp": 45000,
                                                  "serves": {"care_coordination": 2000}}},
    })
    base = edit_tables.roles_table(scenario)
    assert base.index[-1] == "frailty_practitioner"
    row = base.loc["frailty_practitioner"]
    assert row["role_name"] == "Frailty practitioner" and row["max_reimbursable_gbp"] == 45_000
    assert row["cost_per_wte_gbp"] == pytest.approx(prepare(scenario).roles.at["frailty_practitioner", "cost_per_wte_gbp"])
    assert edit_tables.apply_roles(scenario, base, base.copy()).canonical_json() == scenario.canonical_json()
    edited = base.copy()
    edited.at["frailty_practitioner", "max_new_wte"] = 1.5
    changed = edit_tables.apply_roles(scenario, base, edited)
    assert changed.roles["frailty_practitioner"].max_new_wte == 1.5
    assert changed.custom_roles == scenario.custom_roles


def test_the_answer_is_worded_for_a_manager_and_the_method_kept_for_the_technical_details(large):
    """A proven answer says so in plain words (no LP or MILP); the method stays in the technical details; an answer
    whose cheapest mix was not confirmed, or that is not proven, says that instead."""
    import dataclasses

    from optimiser.results import Result

    result = optimise(large)
    words = result_display.answer_in_words(result)
    assert words.startswith("Best mix found and proven") and "none gives the same care for less" in words
    assert not re.search(r"\b(LP|MILP|relaxation)\b", words)
    assert result.solution.method[1:] in result_display.technical_details(result)
    unsure = Result(model=result.model, solution=dataclasses.replace(result.solution, cheapest_confirmed=False))
    assert "a cheaper way to give the same care could not be ruled out" in result_display.answer_in_words(unsure)
    stopped = Result(model=result.model, solution=dataclasses.replace(result.solution, proven_optimal=False, status="time_limit"))
    assert result_display.answer_in_words(stopped).startswith("Not proven to be the best mix (the solver stopped: time_limit)")


GIVEN_AMOUNTS = """
pcn: {name: Given PCN, list_size: 30000, weighted_population: 30000}
year: "2026/27"
money: {arrs_sum_gbp: 1000000, top_up_budget_gbp: 1000000}
estate: {room_sessions_per_week: 500}
roles:
  clinical_pharmacist: {in_post_wte: 1, max_reimbursable_gbp: 60000}
  pharmacy_technician: {in_post_wte: 1}
  frailty_practitioner: {in_post_wte: 1}
custom_roles:
  frailty_practitioner:
    name: Frailty practitioner
    salary_gbp: 40000
    max_reimbursable_gbp: 45000
    serves: {care_coordination: 2000}
"""


def test_amounts_the_scenario_gives_are_not_flagged_as_estimates():
    """2026/27 amounts are provisional; the pharmacist's override and the custom role's maximum are given in the
    scenario, so of the three (each with 1 WTE in post, so each in the mix) only the technician is marked * and listed
    as not a published national figure, in every view."""
    from rich.console import Console

    from optimiser import pdf_report, report
    from optimiser.catalogue_rules import is_estimate

    assert [is_estimate(s) for s in ("published", "derived", "provisional", "given in the scenario")] == [False, True, True, False]
    scenario = parse_scenario(yaml.safe_load(GIVEN_AMOUNTS))
    result = optimise(scenario)
    status = result.mix(include_zero=True)["max_reimbursable_status"]
    assert status["clinical_pharmacist"] == status["frailty_practitioner"] == "given in the scenario"
    assert status["pharmacy_technician"] == "provisional"
    labels = set(result_display.mix_display(result)["Role"])
    assert {"Clinical pharmacist", "Frailty practitioner", "Pharmacy technician *"} <= labels
    roles = edit_tables.roles_table(scenario)
    estimates = set(edit_tables.estimate_roles(roles))
    assert "pharmacy_technician" in estimates and not estimates & {"clinical_pharmacist", "frailty_practitioner"}
    notes = " ".join(pdf_report.figure_notes(result))
    assert "Pharmacy technician" in notes and "Clinical pharmacist" not in notes and "Frailty practitioner" not in notes
    console = Console(width=200, record=True)
    console.print(report.mix_table(result))
    table = console.export_text()
    assert "Pharmacy technician *" in table and "Clinical pharmacist *" not in table and "Frailty practitioner *" not in table


def test_the_mix_in_words_reads_wte_before_each_role_without_stars():
    """ARRS for 3 pharmacists (2025/26-april: £66,972 each, published) and nothing else limits: 3.0 WTE recruited,
    none in post."""
    scenario = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=3 * 66_972)
    assert result_display.mix_in_words(optimise(scenario)) == "Recruit 3.0 WTE: 3.0 WTE clinical pharmacist. Keep 0.0 WTE in post."
    assert in_sentence("GP lead") == "GP lead"


def test_every_headline_measure_of_the_comparison_has_a_label(large):
    """The Compare tab's headline names each measure in words: no raw key such as own_funded_wte."""
    headline = comparison.comparison_tables(optimise(large), optimise(large))["headline"]
    assert result_display.MEASURES["own_funded_wte"] == "Posts paid wholly by the PCN (WTE)"
    assert not [m for m in headline["Measure"] if re.fullmatch(r"[a-z_]+", str(m))]


def test_a_table_rows_sentences_each_name_the_column_they_are_about():
    """A check giving two sentences for one of pydantic's errors used to shift every later sentence onto the wrong
    column (sentences were paired with errors in order), and the last one was lost."""
    from pydantic import BaseModel, Field, ValidationError, field_validator

    class Row(BaseModel):
        a: float = Field(default=0, ge=0)
        b: float = Field(default=0, ge=0)

        @field_validator("a")
        @classmethod
        def two_problems(cls, value):
            raise ValueError("first problem\nsecond problem")

    with pytest.raises(ValidationError) as raised:
        Row(a=1, b=-1)
    problems = edit_tables._row_problems(raised.value, Row, "roles.x", "Roles table, row 'X'", {"a": "A", "b": "B"}, {})
    assert len(problems) == 3
    assert [p.split(":", 1)[0] for p in problems] == ["Roles table, row 'X', column 'A'"] * 2 + ["Roles table, row 'X', column 'B'"]
    assert "second problem" in problems[1] and "roles.x.b is -1" in problems[2]


@pytest.mark.parametrize("valuation", ["share", "contacts"])
def test_the_care_score_help_points_at_what_limits_you_only_when_its_lines_count_care_score_points(valuation):
    """The app's help on the care score says the lines of What limits you count its points; under the contacts valuation
    they count weighted contacts a year instead, and the help does not say so."""
    scenario = load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")
    scenario = parse_scenario(_with(scenario, **{"policy.valuation": valuation}))
    lines = " ".join(result_display.limits_display(optimise(scenario))["What limits you"])
    help_text = result_display.care_score_help(valuation)
    assert result_display.VALUATION_TEXT[valuation][1:] in help_text
    assert ("points of care score" in help_text) == ("points of care score" in lines)
    assert ("weighted contacts a year" in lines) == (valuation == "contacts")
