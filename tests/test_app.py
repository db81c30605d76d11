"""The Streamlit page through AppTest: load, edit, solve, caps, infeasible, compare, upload and save."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optimiser import comparison, edit_form, edit_tables, result_display, scenario_files
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise, with_caps_lifted
from optimiser.scenario_io import load_scenario, scenario_to_text
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LARGE = ROOT / "scenarios" / "large-2024-25.yaml"
TIMEOUT = 60


def start(monkeypatch, tmp_path, scenario: str | None = None) -> AppTest:
    monkeypatch.setenv("ARRS_SCENARIO_DIR", str(tmp_path))
    if scenario:
        monkeypatch.setenv("ARRS_APP_SCENARIO", scenario)
    else:
        monkeypatch.delenv("ARRS_APP_SCENARIO", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_mix(at: AppTest):
    """The staffing-mix table on the page, indexed by role id."""
    [table] = [d.value for d in at.dataframe if "Total (WTE)" in d.value.columns]
    return table


def assert_mix_is(at: AppTest, scenario) -> None:
    expected = optimise(scenario).mix()
    table = shown_mix(at)
    np.testing.assert_allclose(table["Total (WTE)"].to_numpy(), expected["total_wte"].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(table["New (WTE)"].to_numpy(), expected["new_wte"].to_numpy(), atol=1e-6)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def edit_role_cell(at: AppTest, role: str, column: str, value) -> None:
    """Edit one cell of the roles table as st.data_editor would (AppTest cannot type into it)."""
    position = list(edit_tables.roles_table(at.session_state["loaded"]).index).index(role)
    at.session_state[f"roles_editor_{at.session_state['gen']}"] = {
        "edited_rows": {position: {column: value}}, "added_rows": [], "deleted_rows": []}
    run(at)


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------- opening and editing


def test_opening_another_file_asks_before_dropping_unsaved_edits(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    edited = at.session_state["current"].money.top_up_budget_gbp + 12_345
    at.number_input(key="top_up_budget_gbp").set_value(edited)
    run(at)
    at.selectbox(key="picker").set_value("large-2024-25.yaml")
    run(at)
    assert "unsaved edits" in " ".join(w.value for w in at.warning)
    assert at.session_state["current"].money.top_up_budget_gbp == edited  # nothing lost yet
    at.button(key="cancel_pick").click()
    run(at)
    assert at.session_state["current"].money.top_up_budget_gbp == edited
    at.selectbox(key="picker").set_value("large-2024-25.yaml")
    run(at)
    at.button(key="confirm_pick").click()
    run(at)
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()


def test_opens_on_a_bundled_example_with_a_result(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    current = at.session_state["current"]
    assert current.canonical_json() == load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml").canonical_json()
    assert_mix_is(at, current)
    summary = optimise(current).summary()
    assert metric(at, "Contacts served (a year)") == f"{summary['served_contacts_per_year']:,.0f}"
    assert any("Saved" in m.value for m in at.markdown)
    assert not at.error
    estimate_note = " ".join(i.value for i in at.info)
    assert "not published national figures" in estimate_note
    assert "Best mix found and proven" in " ".join(c.value for c in at.caption)
    [technical] = [e for e in at.expander if e.label == "Technical details"]
    assert optimise(current).solution.method[1:] in technical.caption[0].value


def test_roles_table_shows_estimate_status(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    [roles] = [d.value for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    expected = edit_tables.roles_table(load_scenario(LARGE))
    assert list(roles["max_reimbursable_status"]) == list(expected["max_reimbursable_status"])
    assert (roles["max_reimbursable_status"] != "published").any()
    mix = shown_mix(at)
    estimated = mix["Max reimbursable status"] != "published"
    assert mix.loc[estimated, "Role"].str.endswith(result_display.ESTIMATE_MARK).all()


def test_editing_a_number_re_solves_and_marks_unsaved(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    before = at.session_state["current"]
    at.number_input(key="top_up_budget_gbp").set_value(before.money.top_up_budget_gbp + 100_000)
    run(at)
    current = at.session_state["current"]
    assert current.money.top_up_budget_gbp == before.money.top_up_budget_gbp + 100_000
    assert_mix_is(at, current)
    assert any("Unsaved changes" in m.value for m in at.markdown)
    # the edit survives further reruns
    run(at)
    assert at.session_state["current"].money.top_up_budget_gbp == current.money.top_up_budget_gbp


def test_editing_the_roles_table_through_its_state(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    edit_role_cell(at, "paramedic", "in_post_wte", 4.0)
    current = at.session_state["current"]
    assert current.roles["paramedic"].in_post_wte == 4.0
    assert_mix_is(at, current)
    assert shown_mix(at).loc["paramedic", "Total (WTE)"] >= 4.0 - 1e-9


def test_invalid_table_cell_shows_the_cli_message(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    edit_role_cell(at, "paramedic", "remote_share", 3.0)
    with pytest.raises(ScenarioError) as cli:
        data = load_scenario(LARGE).model_dump()
        data["roles"]["paramedic"] = {"remote_share": 3.0}
        parse_scenario(data)
    assert cli.value.problems[0] in errors(at)
    assert "row 'Paramedic'" in errors(at)
    assert any("last valid scenario" in w.value for w in at.warning)
    assert_mix_is(at, load_scenario(LARGE))  # the result shown is still the last valid one


def test_invalid_field_shows_the_cli_message_in_the_forms_words(monkeypatch, tmp_path):
    """The CLI names the file's field (pcn.name); the app names the box the manager typed into, same sentence."""
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.text_input(key="pcn_name").set_value("")
    run(at)
    with pytest.raises(ScenarioError) as cli:
        data = load_scenario(LARGE).model_dump()
        data["pcn"]["name"] = ""
        parse_scenario(data)
    assert cli.value.problems[0].startswith("pcn.name = ''")
    assert cli.value.problems[0].replace("pcn.name", "“PCN name”") in errors(at)
    assert "pcn.name" not in errors(at)
    assert "Traceback" not in errors(at)


def test_changing_the_year_switches_the_catalogue(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    assert any(t.key == "lift_cap_enhanced_practice_nurse" for t in at.toggle)
    at.selectbox(key="year").set_value("2025/26")
    run(at)
    current = at.session_state["current"]
    assert current.year == "2025/26"
    [roles] = [d.value for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    assert list(roles["role_name"]) == list(edit_tables.roles_table(current)["role_name"])
    shown_caps = {t.key.removeprefix("lift_cap_") for t in at.toggle if t.key.startswith("lift_cap_")}
    assert shown_caps == set(edit_form.cap_table(current).index)
    assert_mix_is(at, current)


# ---------------------------------------------------------------- caps and infeasibility


def test_remove_all_caps_changes_the_mix_and_never_reduces_care(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    scenario = load_scenario(LARGE)
    capped = shown_mix(at)
    at.toggle(key="remove_all_caps").set_value(True)
    run(at)
    lifted = at.session_state["current"]
    assert lifted.policy.remove_all_caps
    assert_mix_is(at, with_caps_lifted(scenario))
    uncapped = shown_mix(at)
    assert not capped["Total (WTE)"].reindex(uncapped.index, fill_value=0).equals(uncapped["Total (WTE)"])
    assert optimise(lifted).summary()["priority_weighted_contacts_per_year"] >= optimise(scenario).summary()["priority_weighted_contacts_per_year"] - 1e-6
    assert "(lifted)" in uncapped.loc["enhanced_practice_nurse", "Cap (WTE)"]


def test_one_cap_toggle_lifts_that_cap(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.toggle(key="lift_cap_enhanced_practice_nurse").set_value(True)
    run(at)
    current = at.session_state["current"]
    assert current.policy.remove_caps == ["enhanced_practice_nurse"] and not current.policy.remove_all_caps
    assert_mix_is(at, current)
    assert shown_mix(at).loc["enhanced_practice_nurse", "Total (WTE)"] > edit_form.cap_table(current).at["enhanced_practice_nurse", "cap_wte"]


def test_infeasible_scenario_shows_the_conflict_in_words(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.number_input(key="room_sessions_per_week").set_value(10.0)  # far fewer rooms than the staff in post need
    run(at)
    current = at.session_state["current"]
    with pytest.raises(InfeasibleScenario) as core:
        optimise(current)
    shown = errors(at)
    assert result_display.in_words(str(core.value).splitlines()[0]) in shown  # the core's sentence, with fields named as on screen
    for sentence in core.value.conflicts["explanation"]:
        assert result_display.in_words(sentence) in shown
    assert not any("Total (WTE)" in d.value.columns for d in at.dataframe)
    assert "policy.allow_reducing_in_post" not in shown  # the Compare tab's errors too name the switch on screen
    assert shown.count("“Allow reducing staff in post” switched on") == len(at.error)


# ---------------------------------------------------------------- compare


def test_caps_lifted_comparison_is_one_click_away(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    assert at.radio(key="compare_with").value == "the same scenario with all caps lifted"
    [mix] = [d.value for d in at.dataframe if "Caps lifted (WTE)" in d.value.columns]
    scenario = load_scenario(LARGE)
    expected = comparison.comparison_tables(optimise(scenario), optimise(with_caps_lifted(scenario)), ("As set", "Caps lifted"))["mix"]
    np.testing.assert_allclose(mix["Change (WTE)"].to_numpy(), expected["Change (WTE)"].to_numpy(), atol=1e-9)
    assert (mix["Direction"] != "same").any()
    same = comparison.equally_good(optimise(scenario), optimise(with_caps_lifted(scenario)), "lifting the caps")
    assert same and same in [i.value for i in at.info]  # the same care and cost: the moves are a choice, said on screen
    changed = int(comparison.changed_rows(expected).sum())
    assert any(m.value.startswith(f"**{comparison.roles_changed(changed)}**") for m in at.markdown)


def test_the_count_of_roles_changed_is_a_sentence_in_the_singular_for_one():
    """It said "1 roles change"."""
    assert comparison.roles_changed(1) == "1 role changes."
    assert comparison.roles_changed(0) == "0 roles change."
    assert comparison.roles_changed(3) == "3 roles change."


def test_pinned_baseline_against_a_changed_scenario(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.button(key="pin").click()
    run(at)
    assert at.radio(key="compare_with").value == "the pinned baseline"
    baseline = at.session_state["baseline"]
    at.number_input(key="top_up_budget_gbp").set_value(baseline.money.top_up_budget_gbp + 100_000)
    at.number_input(key="rentable_sessions_per_week").set_value(10.0)
    at.number_input(key="rent_gbp_per_session").set_value(40.0)
    run(at)
    current = at.session_state["current"]
    [headline] = [d.value for d in at.dataframe if "Measure" in d.value.columns]
    expected = comparison.comparison_tables(optimise(baseline), optimise(current))["headline"]
    np.testing.assert_allclose(headline["Change"].to_numpy(), expected["Change"].to_numpy(), atol=1e-6)
    assert list(headline["Direction"]) == list(expected["Direction"])
    care = dict(zip(headline["Measure"], headline["Change"]))
    assert care[result_display.MEASURES["priority_weighted_contacts_per_year"]] >= -1e-6  # more money and rooms never buy less care


# ---------------------------------------------------------------- upload and save


def test_upload_loads_a_scenario_and_rejects_a_bad_one(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    text = LARGE.read_text()
    at.file_uploader(key="upload").set_value(("mine.yaml", text.encode(), "application/yaml"))
    run(at)
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()
    assert at.session_state["source"] == "mine.yaml (uploaded)"
    assert_mix_is(at, load_scenario(LARGE))
    at.file_uploader(key="upload").set_value(("bad.yaml", b"pcn: [unclosed", "application/yaml"))
    run(at)
    assert "YAML syntax error" in errors(at)
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()


def test_save_asks_before_overwriting_and_reloads_to_the_same_result(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.number_input(key="top_up_budget_gbp").set_value(123_000.0)
    run(at)
    edited = at.session_state["current"]
    at.text_input(key="save_name").set_value("../Board March")
    at.button(key="save").click()
    run(at)
    path = tmp_path / "Board March.yaml"
    assert path.read_text() == scenario_to_text(edited)
    assert [p.name for p in tmp_path.iterdir()] == ["Board March.yaml"]  # atomic: no temp files left
    assert any("Saved" in m.value for m in at.markdown) and not any("Unsaved" in m.value for m in at.markdown)

    at.number_input(key="top_up_budget_gbp").set_value(5_000.0)
    run(at)
    at.button(key="save").click()
    run(at)
    assert any("already exists" in w.value for w in at.warning)
    assert path.read_text() == scenario_to_text(edited)  # not overwritten without asking
    at.button(key="overwrite").click()
    run(at)
    assert load_scenario(path).money.top_up_budget_gbp == 5_000.0

    fresh = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    fresh.selectbox(key="picker").set_value("Board March.yaml")
    run(fresh)
    assert fresh.session_state["current"].canonical_json() == load_scenario(path).canonical_json()
    assert_mix_is(fresh, load_scenario(path))


def test_downloads_are_offered(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    labels = [b.label for b in at.get("download_button")]
    assert "Scenario (YAML)" in labels and "All results (Excel)" in labels and "Board report (PDF, one page)" in labels
    assert any(label.endswith("(CSV)") for label in labels)


# ---------------------------------------------------------------- answers worked out by hand


def start_on(monkeypatch, tmp_path, scenario) -> AppTest:
    (tmp_path / "hand.yaml").write_text(scenario_to_text(scenario))
    return start(monkeypatch, tmp_path, "hand.yaml")


def test_the_page_shows_the_hand_derived_answer_and_follows_edits(monkeypatch, tmp_path):
    """Pharmacists only (1,000 reviews a WTE-year), ARRS sum 3 × £66,972 = £200,916: 3.0 WTE, all new, £200,916
    claimed, £0 unspent. With 1 WTE already in post the money still buys 3.0 WTE, 2.0 of them new. Raising the
    ARRS sum to 4 × £66,972 = £267,888 buys 4.0 WTE."""
    at = start_on(monkeypatch, tmp_path, small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=200_916))
    mix = shown_mix(at)
    assert mix.loc["clinical_pharmacist", "Total (WTE)"] == pytest.approx(3.0)
    assert mix.loc["clinical_pharmacist", "New (WTE)"] == pytest.approx(3.0)
    assert metric(at, "Staff (WTE)") == "3.0"
    assert metric(at, "ARRS claimed (£ a year)") == "£200,916"
    assert metric(at, "ARRS unspent (£ a year)") == "£0"
    edit_role_cell(at, "clinical_pharmacist", "in_post_wte", 1.0)
    mix = shown_mix(at)
    assert mix.loc["clinical_pharmacist", "In post (WTE)"] == pytest.approx(1.0)
    assert mix.loc["clinical_pharmacist", "Total (WTE)"] == pytest.approx(3.0)
    assert mix.loc["clinical_pharmacist", "New (WTE)"] == pytest.approx(2.0)
    at.number_input(key="arrs_sum_gbp").set_value(267_888.0)
    run(at)
    assert shown_mix(at).loc["clinical_pharmacist", "Total (WTE)"] == pytest.approx(4.0)


def test_lifting_a_cap_in_the_page_gives_the_hand_derived_gain(monkeypatch, tmp_path):
    """2024/25 as the April 2024 DES set it, 50,000 patients: the enhanced practice nurse cap is 1 WTE. Money for 5
    (5 × £60,401 = £302,005): 1.0 WTE while capped, 5.0 WTE with the cap lifted."""
    scenario = small_scenario({"enhanced_practice_nurse": {"long_term_conditions": 1200}}, year="2024/25-april", arrs_sum=302_005)
    at = start_on(monkeypatch, tmp_path, scenario)
    assert shown_mix(at).loc["enhanced_practice_nurse", "Total (WTE)"] == pytest.approx(1.0)
    at.toggle(key="lift_cap_enhanced_practice_nurse").set_value(True)
    run(at)
    assert shown_mix(at).loc["enhanced_practice_nurse", "Total (WTE)"] == pytest.approx(5.0)


# ---------------------------------------------------------------- hostile input and saving the confirmed name


def test_overwrite_writes_the_name_that_was_confirmed_not_the_one_typed_since(monkeypatch, tmp_path):
    """Save alpha, save beta, type alpha and press Save (it asks), change the box to beta, then confirm: alpha is replaced."""
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    for name in ("alpha", "beta"):
        at.text_input(key="save_name").set_value(name)
        at.button(key="save").click()
        run(at)
    beta_before = (tmp_path / "beta.yaml").read_text()
    at.number_input(key="top_up_budget_gbp").set_value(7_000.0)
    run(at)
    at.text_input(key="save_name").set_value("alpha")
    at.button(key="save").click()
    run(at)
    assert any("alpha.yaml already exists" in w.value for w in at.warning)
    at.text_input(key="save_name").set_value("beta")
    at.button(key="overwrite").click()
    run(at)
    assert (tmp_path / "beta.yaml").read_text() == beta_before  # never confirmed, never replaced
    assert load_scenario(tmp_path / "alpha.yaml").money.top_up_budget_gbp == 7_000.0


def test_a_non_ascii_pcn_name_keeps_its_letters_in_the_save_name(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.text_input(key="pcn_name").set_value("Ünïcödé PCN")
    run(at)
    at.session_state["save_name"] = scenario_files.safe_filename("Ünïcödé PCN").removesuffix(".yaml")
    at.button(key="save").click()
    run(at)
    assert [p.name for p in tmp_path.iterdir()] == ["Ünïcödé PCN.yaml"]
    assert load_scenario(tmp_path / "Ünïcödé PCN.yaml").pcn.name == "Ünïcödé PCN"


@pytest.mark.parametrize("name, text, expected", [
    ("bomb.yaml", "d: [&a [x, x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], "
                  "&c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], "
                  "&e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]]\npcn: {name: *f}\n",
     "expands to more than 100,000 values"),
    ("deep.yaml", "a: " + "[" * 20_000 + "]" * 20_000 + "\n", "nests deeper than"),
    ("many.yaml", "pcn: {name: x, list_size: 1, weighted_population: 1}\nyear: '2025/26'\nestate: {room_sessions_per_week: 1}\n"
                  "roles:\n" + "".join(f"  r{i}: {{}}\n" for i in range(2_000)), "… and 1,990 more"),
])
def test_a_hostile_upload_shows_one_sentence_never_a_traceback(monkeypatch, tmp_path, name, text, expected):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    at.file_uploader(key="upload").set_value((name, text.encode(), "application/yaml"))
    run(at)
    shown = errors(at)
    assert expected in shown and name in shown
    assert "Traceback" not in shown and len(shown) < 8_000
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()


def test_server_settings_are_safe_by_default():
    """Localhost only, no tracebacks in the browser, no Deploy button: as Streamlit itself reads the file."""
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["address"] == "localhost"
    assert settings["client"]["showErrorDetails"] in ("none", False)
    assert settings["client"]["toolbarMode"] in ("viewer", "minimal")
    assert settings["server"]["maxUploadSize"] == 1


def test_london_weighting_desk_sessions_and_reducing_staff_are_editable(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    before = edit_tables.roles_table(at.session_state["current"])["max_reimbursable_gbp"]
    at.selectbox(key="london_weighting").set_value("inner")
    at.number_input(key="desk_sessions_per_week").set_value(12.0)
    at.toggle(key="allow_reducing_in_post").set_value(True)
    run(at)
    current = at.session_state["current"]
    assert current.policy.london_weighting == "inner"
    assert current.estate.desk_sessions_per_week == 12.0
    assert current.policy.allow_reducing_in_post
    [roles] = [d.value for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    assert (roles["max_reimbursable_gbp"].to_numpy() > before.to_numpy()).any()  # the table shows the London amounts
    assert_mix_is(at, current)


def test_an_empty_recruitment_limit_reads_no_limit_and_a_typed_number_is_used(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    [roles] = [d.value for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    assert "no limit" in set(roles["max_new_wte"]) and "None" not in set(map(str, roles["max_new_wte"]))
    edit_role_cell(at, "dietitian", "max_new_wte", "1.5")
    assert at.session_state["current"].roles["dietitian"].max_new_wte == 1.5


def test_what_limits_you_leads_with_three_and_every_chart_has_its_figures_in_words(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    result = optimise(at.session_state["current"])
    limits = result_display.limits_display(result)
    lead, rest = result_display.lead_limits(result, limits)
    assert len(lead) == min(3, len(limits))
    assert list(lead["What limits you"]) == list(result.lead_limits()[0]["explanation"])
    [bullets] = [m.value for m in at.markdown if m.value.startswith("- ") and result_display.in_words(lead["What limits you"].iloc[0]) in m.value]
    assert bullets.count("\n- ") == len(lead) - 1
    if len(rest):
        assert any(f"{len(rest)} more limits" in e.label for e in at.expander)
    captions = " ".join(c.value for c in at.caption)
    assert "Staffing mix, WTE by role:" in captions and "Money, £ a year:" in captions
    care = result.care()
    assert f"{care['category_name'].iloc[0]}: {care['served_contacts_per_year'].iloc[0]:,.0f} of" in captions
    assert "roles.<role>" not in " ".join(i.value for i in at.info)  # notes in a manager's words


def test_check_my_plan_tab_checks_the_typed_plan(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    at.button(key="check_plan").click().run()
    assert not at.exception
    headline = " ".join(m.value for m in at.markdown)
    assert "Your plan keeps every rule" in headline or "Your plan breaks" in headline
    assert "best mix" in headline


def test_check_my_plan_tab_rounds_its_numbers_for_people(monkeypatch, tmp_path):
    """The urban example's best mix has 0.739742572 WTE health and wellbeing coach, needing 0.25891 hours a week of
    coaching supervision: every number column of the tab's tables is shown with a format of two decimals (WTE), one
    (hours) or none (£, contacts, %), as the terminal prints them, not with every decimal of the raw numbers."""
    at = start(monkeypatch, tmp_path)
    at.button(key="check_plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [d for d in at.tabs[5].dataframe]
    assert {"Best (WTE)", "Needed (hours a week)", "Needed (contacts a year)"} <= {c for d in shown for c in d.value.columns}
    for table in shown:
        formats = {column: config.get("type_config", {}).get("format") for column, config in json.loads(table.proto.columns).items()}
        for column in table.value.select_dtypes("number").columns:
            assert formats.get(column) in ("%.2f", "%.1f", "%.0f"), (column, formats.get(column))


def test_check_my_plan_tab_shows_the_plans_money_rooms_and_supervision(monkeypatch, tmp_path):
    """ARRS for 3 pharmacists (p = £69,410 each, 2025/26), a plan of 4 in the scenario, no top-up: ARRS claimable 3p,
    1.00 WTE paid wholly by the PCN (£p), top-up needed p of a budget of 0 (the one broken rule); rooms 4 × 4.5 =
    18 sessions a week; senior pharmacist supervision 4 × 0.23 = 0.92 hours a week."""
    p = float(load_catalogue("2025/26").roles.at["clinical_pharmacist", "max_reimbursable_gbp"])
    scenario = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, year="2025/26", arrs_sum=3 * p)
    planned = parse_scenario({**scenario.model_dump(exclude_none=True), "plan": {"clinical_pharmacist": 4}})
    at = start_on(monkeypatch, tmp_path, planned)
    at.button(key="check_plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [money] = [d.value for d in at.dataframe if list(d.value.columns) == ["Measure", "Value"]]
    values = dict(zip(money["Measure"], money["Value"]))
    assert values["ARRS claimable (£ a year)"] == f"{3 * p:,.0f}"
    assert values["Posts paid wholly by the PCN (WTE; £ a year)"] == f"1.00 WTE; £{p:,.0f}"
    assert values["Top-up needed (£ a year)"] == f"{p:,.0f} of a budget of 0"
    assert values["Clinical room sessions (sessions a week)"] == "18 needed, 90,000 free, 0 rented"
    [supervision] = [d.value for d in at.dataframe if "Supervising profession" in d.value.columns]
    needed = dict(zip(supervision["Supervising profession"], supervision["Needed (hours a week)"]))
    assert needed["Senior pharmacist supervision"] == pytest.approx(0.92)
    assert any("1.00 WTE clinical pharmacist is paid wholly" in i.value for i in at.info)


CUSTOM_ROLE = """
pcn: {name: Custom PCN, list_size: 30000, weighted_population: 30000}
year: "2026/27"
money: {arrs_sum_gbp: 150000, top_up_budget_gbp: 250000}
estate: {room_sessions_per_week: 500}
demand: {care_coordination: {contacts_per_year: 100000}}
roles: {%s}
custom_roles:
  frailty_practitioner:
    name: Frailty practitioner
    salary_gbp: 40000
    max_reimbursable_gbp: 45000
    arrs_share: 0.5
    serves: {care_coordination: 2000}
"""


def test_the_roles_table_shows_the_scenarios_own_roles_and_edits_them(monkeypatch, tmp_path):
    """Only the custom role is allowed (2026/27 rules). Salary £40,000 → cost 40,000 × 1.1438 + 0.15 × 35,000 = £51,002;
    claim min(51,002, 45,000) × 0.5 = £22,500 a WTE. ARRS £150,000 pays 6.667 WTE, whose other £28,502 each take
    £190,013.33 of the £250,000 top-up; the £59,986.67 left pays 1.176 WTE wholly: 7.843 WTE. With 2 WTE typed in as in
    post (claiming £45,000, within the sum) the money is the same, so 7.843 WTE again, 5.843 of them new."""
    others = ", ".join(f"{r}: {{allowed: false}}" for r in load_catalogue("2026/27").roles.index)
    (tmp_path / "custom.yaml").write_text(CUSTOM_ROLE % others)
    at = start(monkeypatch, tmp_path, "custom.yaml")
    [roles] = [d.value for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    row = roles.set_index("role_name").loc["Frailty practitioner"]
    assert row["include"] and row["in_post_wte"] == 0
    assert row["cost_per_wte_gbp"] == pytest.approx(51_002)
    assert row["max_reimbursable_gbp"] == 45_000 and row["max_reimbursable_status"] == edit_tables.YOURS  # given in the file
    assert row["remote_share"] == pytest.approx(0.2)
    assert any("Frailty practitioner" in c.value and "custom_roles" in c.value for c in at.caption)
    total = 150_000 / 22_500 + (250_000 - 150_000 / 22_500 * 28_502) / 51_002
    assert shown_mix(at).loc["frailty_practitioner", "Total (WTE)"] == pytest.approx(total, abs=1e-4)

    edit_role_cell(at, "frailty_practitioner", "in_post_wte", 2.0)
    assert at.session_state["current"].roles["frailty_practitioner"].in_post_wte == 2.0
    assert at.session_state["current"].custom_roles == at.session_state["loaded"].custom_roles
    mix = shown_mix(at)
    assert mix.loc["frailty_practitioner", "In post (WTE)"] == pytest.approx(2.0)
    assert mix.loc["frailty_practitioner", "Total (WTE)"] == pytest.approx(total, abs=1e-4)
    assert mix.loc["frailty_practitioner", "New (WTE)"] == pytest.approx(total - 2.0, abs=1e-4)


def test_a_maximum_reimbursable_amount_typed_in_re_solves_is_marked_yours_and_is_saved(monkeypatch, tmp_path):
    """Pharmacists only, ARRS sum £200,916, no cost given (so a post costs its maximum reimbursable amount): at the
    catalogue's £66,972 the money buys 200,916 / 66,972 = 3.0 WTE. The manager types their ICB's £50,229 into the Roles
    table's maximum: each post now costs and claims £50,229, so the same money buys 200,916 / 50,229 = 4.0 WTE, all
    claimed. The table is redrawn with the amount, its status "yours" and the cost that follows it; the scenario saved
    holds roles.clinical_pharmacist.max_reimbursable_gbp: 50229."""
    at = start_on(monkeypatch, tmp_path, small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=200_916))
    [roles] = [d for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    assert roles.value.at["clinical_pharmacist", "max_reimbursable_gbp"] == 66_972
    assert shown_mix(at).loc["clinical_pharmacist", "Total (WTE)"] == pytest.approx(3.0)
    edit_role_cell(at, "clinical_pharmacist", "max_reimbursable_gbp", 50_229)
    assert at.session_state["current"].roles["clinical_pharmacist"].max_reimbursable_gbp == 50_229
    assert shown_mix(at).loc["clinical_pharmacist", "Total (WTE)"] == pytest.approx(4.0)
    assert metric(at, "ARRS claimed (£ a year)") == "£200,916"
    [roles] = [d for d in at.data_editor if "max_reimbursable_status" in d.value.columns]
    row = roles.value.loc["clinical_pharmacist"]
    assert (row["max_reimbursable_gbp"], row["cost_per_wte_gbp"], row["max_reimbursable_status"]) == (50_229, 50_229, "yours")
    assert not errors(at) and any("Unsaved" in m.value for m in at.markdown)
    at.text_input(key="save_name").set_value("confirmed")
    at.button(key="save").click()
    run(at)
    saved = load_scenario(tmp_path / "confirmed.yaml")
    assert saved.roles["clinical_pharmacist"].max_reimbursable_gbp == 50_229
    assert optimise(saved).mix().at["clinical_pharmacist", "total_wte"] == pytest.approx(4.0)


def test_a_maximum_reimbursable_amount_out_of_range_is_refused_beside_the_table(monkeypatch, tmp_path):
    """£0 is not an amount (more than 0, up to 1,000,000 £ a year per WTE, as in a scenario file): the sentence shows
    beside the table, and the result stays the last valid one."""
    at = start(monkeypatch, tmp_path)
    before = at.session_state["current"].canonical_json()
    edit_role_cell(at, "paramedic", "max_reimbursable_gbp", 0)
    assert "Roles table, row 'Paramedic', column 'Max reimbursable (£ per WTE a year)': roles.paramedic.max_reimbursable_gbp " \
           "is £0 a year per WTE; give more than 0, up to 1,000,000" in errors(at)
    assert at.session_state["current"].canonical_json() == before


def test_unspent_arrs_says_why_beside_the_figure_and_a_past_year_says_so(monkeypatch, tmp_path):
    """The urban example leaves £89,650 of ARRS unspent (rooms full, top-up used up, roles with no room need at their
    recruitment limits): its metric says the money is lost and where the reason is, as the report's headline does.
    The large example is for 2024/25: its result carries the past-year note; the urban one, for 2026/27, does not
    while 2026/27 is current."""
    from optimiser.catalogue_rules import later_financial_year
    from optimiser.result_display import UNSPENT_WHY

    at = start(monkeypatch, tmp_path)
    [unspent] = [m for m in at.metric if m.label == "ARRS unspent (£ a year)"]
    assert unspent.value == "£89,650"
    assert UNSPENT_WHY in [c.value for c in at.tabs[0].columns[2].caption]  # under the figure, in its column
    assert ("past financial year" in " ".join(i.value for i in at.info)) == (later_financial_year("2026/27") is not None)
    large = start(monkeypatch, tmp_path, "large-2024-25.yaml")
    assert any("this scenario is for 2024/25, a past financial year" in i.value for i in large.info)


def test_the_care_score_is_a_headline_figure_with_the_clis_words_on_what_it_means(monkeypatch, tmp_path):
    """Every line of What limits you is in points of the care score, so the app shows it among the headline figures:
    the urban example's 91.9 of 100, the figure the CLI's headline leads with ("Care score 91.9 of 100 (…)"), with
    the CLI's words on what the mix did with it (result_display.VALUATION_TEXT) as its help."""
    from optimiser.report import render_result

    at = start(monkeypatch, tmp_path)
    result = optimise(at.session_state["current"])
    [score] = [m for m in at.metric if m.label == "Care score (of 100)"]
    assert score.value == f"{result.summary()['care_score']:.1f}" == "91.9"
    headline = render_result(result).renderables[0].plain
    assert f"Care score {score.value} of 100 ({result_display.VALUATION_TEXT['share']})" in headline
    assert score.help == result_display.care_score_help("share")
    assert "out of 100: every need fully met" in score.help.lower() and result_display.VALUATION_TEXT["share"][1:] in score.help
    assert any("points of care score" in line for line in result_display.limits_display(result)["What limits you"])


SETTING_PATH = r"\b(?:pcn|money|estate|roles|custom_roles|demand|policy|supervision)(?:\.(?:<\w+>|\w+))+(?:: \w+)?"


def test_messages_name_the_sidebar_control_or_say_the_setting_is_in_the_scenario_file(monkeypatch, tmp_path):
    """The urban example's figures are provisional: its note tells a manager where to correct them, naming the Roles
    table's “Max reimbursable (£ per WTE a year)” column and the sidebar's “ARRS sum (£ a year)”.
    A plan below the staff in post breaks a rule whose switch the sidebar has. No message on the page names a scenario
    setting by its path without saying it is set in the scenario file."""
    import re

    at = start(monkeypatch, tmp_path)
    notes = [i.value for i in at.info]
    assert any("set “Max reimbursable (£ per WTE a year)” in the Roles table or “ARRS sum (£ a year)”" in n for n in notes)
    plan = at.session_state["current"].roles["clinical_pharmacist"].in_post_wte - 1
    base = edit_tables.roles_table(at.session_state["loaded"])
    position = [r for r in base.index if base.at[r, "include"]].index("clinical_pharmacist")
    at.session_state[f"plan_editor_{at.session_state['gen']}"] = {
        "edited_rows": {position: {"plan_wte": plan}}, "added_rows": [], "deleted_rows": []}
    at.button(key="check_plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("“Allow reducing staff in post” if staff would leave" in w.value for w in at.warning)
    shown = [e.value for e in (*at.info, *at.warning, *at.error, *at.markdown, *at.caption)]
    for text in shown:
        for path in re.finditer(SETTING_PATH, text):
            assert text[path.end():].startswith(" in the scenario file"), (path.group(0), text)


def test_a_file_opens_again_after_a_real_pcn_or_an_upload_replaced_it(monkeypatch, tmp_path):
    """Starting from a real PCN or an upload empties “Open a scenario file” (and opening a file empties the real-PCN
    box): each box shows only the source of the scenario on screen, so choosing the first file again opens it. Without
    the reset the box still showed the file, and choosing it again did nothing (the selection had not changed)."""
    from optimiser import england_pcn

    at = start(monkeypatch, tmp_path, LARGE.name)
    assert at.selectbox(key="picker").value == LARGE.name
    [label] = [label for label, code in england_pcn.picker_labels().items() if code == "U00070"]
    at.selectbox(key="real_pcn").set_value(label)
    run(at)
    assert at.session_state["source"].startswith("U00070") and at.selectbox(key="picker").value is None
    at.selectbox(key="picker").set_value(LARGE.name)
    run(at)
    at.button(key="confirm_pick").click()  # the real PCN's numbers are unsaved edits: the page asks first
    run(at)
    assert at.session_state["source"] == LARGE.name and at.selectbox(key="real_pcn").value is None
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()

    at.file_uploader(key="upload").set_value(("mine.yaml", (ROOT / "scenarios" / "rural-2026-27.yaml").read_bytes(), "application/yaml"))
    run(at)
    assert at.session_state["source"] == "mine.yaml (uploaded)" and at.selectbox(key="picker").value is None
    at.selectbox(key="picker").set_value(LARGE.name)
    run(at)
    assert at.session_state["source"] == LARGE.name
    assert at.session_state["current"].canonical_json() == load_scenario(LARGE).canonical_json()


def test_a_london_pcn_is_told_to_set_its_london_weighting_as_its_scenario_file_is(monkeypatch, tmp_path):
    """West Merton (U00070) is in London: started from it, the page says what `new --pcn U00070` writes above
    london_weighting (england_pcn.LONDON_ADVICE), naming the sidebar's control, until inner or outer is chosen. Barnsley
    (U16464, North East and Yorkshire) is told nothing."""
    from optimiser import england_pcn

    advice = result_display.in_words(england_pcn.LONDON_ADVICE)
    assert "“London weighting”" in advice
    comment = england_pcn.scenario_text("U00070").split("london_weighting:")[0].rsplit("policy:", 1)[1]
    assert " ".join(line.strip().removeprefix("# ") for line in comment.strip().splitlines()) == england_pcn.LONDON_ADVICE
    at = start(monkeypatch, tmp_path)
    labels = {code: label for label, code in england_pcn.picker_labels().items()}
    assert advice not in [w.value for w in at.warning]
    at.selectbox(key="real_pcn").set_value(labels["U00070"])
    run(at)
    assert at.session_state["current"].policy.london_weighting == "none"
    assert advice in [w.value for w in at.warning]
    at.selectbox(key="london_weighting").set_value("outer")
    run(at)
    assert at.session_state["current"].policy.london_weighting == "outer"
    assert advice not in [w.value for w in at.warning]
    at.selectbox(key="real_pcn").set_value(labels["U16464"])
    run(at)
    assert at.session_state["current"].pcn.ods_code == "U16464" and at.session_state["current"].policy.london_weighting == "none"
    assert advice not in [w.value for w in at.warning]


def test_a_pinned_baseline_of_the_same_pcn_is_named_by_its_file(monkeypatch, tmp_path):
    """Pinned on the large example, then the same PCN uploaded as another file: Compare names the two by their files (the
    PCN name would be the same twice); after opening another PCN it names them by their PCNs (comparison.distinct_names)."""
    at = start(monkeypatch, tmp_path, LARGE.name)
    at.button(key="pin").click()
    run(at)
    at.file_uploader(key="upload").set_value(("mine.yaml", LARGE.read_bytes(), "application/yaml"))
    run(at)
    captions = [c.value for c in at.tabs[2].caption]
    assert any(c.startswith(f"Baseline: {LARGE.name}, pinned at ") and c.endswith("Current: mine.yaml (uploaded).") for c in captions), captions
    at.selectbox(key="picker").set_value("urban-deprived-2026-27.yaml")
    run(at)
    baseline, current = at.session_state["baseline"].pcn.name, at.session_state["current"].pcn.name
    assert baseline != current
    assert any(c.startswith(f"Baseline: {baseline}, pinned at ") and c.endswith(f"Current: {current}.") for c in (c.value for c in at.tabs[2].caption))
