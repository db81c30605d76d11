"""The bundled table of real PCNs against its sources, and the role mapping's checks."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from typer.testing import CliRunner

from optimiser import england_batch, england_derive, england_pcn, england_table
from optimiser.catalogue import load_catalogue
from optimiser.cli import app
from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario, scenario_from_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pcn"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/pcn is not here (a fresh clone uses the bundled table)")

# Published totals (../shared/data/pcn/README.md): December 2025 lists, November 2025 census
PCNS = 1_297
PATIENTS_IN_PCNS = 63_936_682 - 244_011  # every registered patient less those in practices in no PCN
CENSUS_FTE = 30_576


def test_bundled_table_matches_the_published_totals():
    table = england_table.load_pcns()
    assert len(table) == PCNS and table.index.is_unique
    assert table["list_size"].sum() == PATIENTS_IN_PCNS
    assert (table["list_size"] > 0).all()
    assert table["icb"].nunique() == 42 and table["region"].nunique() == 7
    fte = table[england_table.in_post_columns(table)].to_numpy().sum() + table["not_arrs_fte"].sum()
    assert fte == pytest.approx(CENSUS_FTE, abs=1.0)  # every census FTE is either mapped to a role or counted as not ARRS


def test_weighted_population_estimate_is_the_ratio_times_the_list_size():
    """£1,696m at £26.631 (2025/26) against the published £1,711m: the estimate is within 1% nationally."""
    table = england_table.load_pcns()
    rounding = 0.05 + 5e-7 * table["list_size"]  # the estimate is rounded to 0.1 patient, the ratio to 6 decimals
    assert ((table["weighted_population_estimate"] - table["weighted_ratio"] * table["list_size"]).abs() <= rounding).all()
    national = table["weighted_ratio_basis"] == "national 2022-23"
    assert national.sum() == 51 and table.loc[national, "registered_2022_23"].isna().all()
    assert table["weighted_population_estimate"].sum() * 26.631 == pytest.approx(1_696e6, rel=0.001)


def test_every_role_column_is_a_catalogue_role():
    roles = set(load_catalogue("2025/26").roles.index)
    columns = england_table.in_post_columns(england_table.load_pcns())
    assert columns and {c.removeprefix(england_table.IN_POST) for c in columns} <= roles


@needs_shared
def test_bundled_table_is_the_derivation_of_the_shared_files():
    derived = england_derive.derive(SHARED)
    bundled = pd.read_csv(Path(england_derive.__file__).parent / "data" / "england" / "pcns.csv", dtype={"ods_code": str})
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), bundled, check_dtype=False, atol=1e-6)


@needs_shared
def test_in_post_fte_by_role_equals_the_census_through_the_mapping():
    census = pd.read_csv(SHARED / england_derive.WORKFORCE)
    mapping = england_table.read_mapping()
    merged = census.merge(mapping, left_on=["STAFF_GROUP", "STAFF_ROLE"], right_on=["staff_group", "staff_role"])
    assert len(merged) == len(census)  # every census row is mapped
    expected = merged[merged["role_id"] != england_table.NOT_ARRS].groupby("role_id")["FTE"].sum()
    table = england_table.load_pcns()
    for role, fte in expected.items():
        assert table[england_table.IN_POST + role].sum() == pytest.approx(fte, abs=0.001 * PCNS)  # rounding to 0.001 per PCN


def test_a_mapping_naming_an_unknown_role_is_a_clear_error(tmp_path):
    path = tmp_path / "mapping.csv"
    path.write_text("staff_group,staff_role,role_id,basis\nOther GPs,Salaried GPs,general_practioner,typo\n", encoding="utf-8")
    with pytest.raises(england_table.EnglandDataError) as error:
        england_table.read_mapping(path)
    message = str(error.value)
    assert "mapping.csv" in message and "Salaried GPs" in message and "'general_practioner'" in message
    assert "did you mean 'general_practitioner'?" in message


@needs_shared
def test_a_census_role_missing_from_the_mapping_is_named():
    mapping = england_table.read_mapping()
    with pytest.raises(england_table.EnglandDataError, match="Other GPs / GP Locums"):
        england_derive.derive(SHARED, mapping[mapping["staff_role"] != "GP Locums"])


# ---------------------------------------------------------------- start from my PCN


def test_new_scenario_for_a_real_pcn_carries_its_numbers_and_sources(tmp_path):
    """U00070 WEST MERTON PCN: 33,581 patients (Dec 2025); its 2022-23 ratio 25,380.73 ÷ 32,121.25 = 0.790154 gives 26,534.2."""
    text = england_pcn.scenario_text("u00070")
    scenario = scenario_from_text(text)
    assert scenario.pcn.ods_code == "U00070" and scenario.pcn.name == "WEST MERTON PCN"
    assert scenario.pcn.list_size == 33_581
    assert scenario.pcn.weighted_population == pytest.approx(33_581 * 25_380.73 / 32_121.25, abs=0.1)
    assert scenario.roles["clinical_pharmacist"].in_post_wte == pytest.approx(england_table.load_pcns().at["U00070", "in_post_wte.clinical_pharmacist"])
    assert "1 December 2025" in text and "30 November 2025" in text and "Open" in text
    assert "ESTIMATE" in text.split("weighted_population:")[0].rsplit("list_size", 1)[1]  # the estimate says so just above it
    assert "ASSUMPTION" in text.split("room_sessions_per_week:")[0].rsplit("estate:", 1)[1]
    assert optimise(scenario).solution.proven_optimal  # ready to solve as it is


def test_a_london_pcn_is_told_to_set_its_london_weighting_and_others_are_not():
    """West Merton is in London, whose supplement the national amounts leave out; U00000's region is not London."""
    london = england_pcn.scenario_text("U00070")
    assert "This PCN is in London" in london and scenario_from_text(london).policy.london_weighting == "none"
    assert "london_weighting" not in england_pcn.scenario_text("U00000")


def test_unknown_ods_code_names_the_closest_pcns():
    with pytest.raises(england_table.EnglandDataError) as error:
        england_pcn.find_pcn("U0007")
    message = str(error.value)
    assert "'U0007' is not one of the 1,297 PCNs" in message and "U00070 WEST MERTON PCN" in message
    with pytest.raises(england_table.EnglandDataError, match="U00070 WEST MERTON PCN"):
        england_pcn.find_pcn("west merton")  # a name typed where the code goes still finds it


def test_a_pcn_with_no_list_size_is_a_clear_error():
    table = england_table.load_pcns().copy()
    table.loc["U00070", "list_size"] = float("nan")
    with pytest.raises(england_table.EnglandDataError, match=r"PCN U00070 \(WEST MERTON PCN\) has no list size"):
        england_pcn.scenario_text("U00070", table=table)


def test_cli_new_writes_the_scenario_and_refuses_unknown_codes(tmp_path):
    path = tmp_path / "merton.yaml"
    done = CliRunner().invoke(app, ["new", "--pcn", "U00070", str(path)])
    assert done.exit_code == 0, done.output
    assert load_scenario(path).pcn.ods_code == "U00070"
    again = CliRunner().invoke(app, ["new", "--pcn", "U00070", str(path)])
    assert again.exit_code == 2 and "already exists" in again.output
    unknown = CliRunner().invoke(app, ["new", "--pcn", "X99999", str(tmp_path / "x.yaml")])
    assert unknown.exit_code == 2 and "is not one of the 1,297 PCNs" in unknown.output and "Traceback" not in unknown.output


def test_app_picker_fills_the_form_from_a_real_pcn(monkeypatch, tmp_path):
    from tests.test_app import assert_mix_is, run, start

    at = start(monkeypatch, tmp_path)
    [label] = [label for label, code in england_pcn.picker_labels().items() if code == "U00070"]
    assert label.startswith("WEST MERTON PCN (U00070), NHS South West London ICB")
    at.selectbox(key="real_pcn").set_value(label)
    run(at)
    assert at.number_input(key="list_size").value == 33_581
    assert at.number_input(key="weighted_population").value == pytest.approx(26_534.2)
    current = at.session_state["current"]
    assert current == scenario_from_text(england_pcn.scenario_text("U00070"))
    assert_mix_is(at, current)
    assert any("ESTIMATE" in box.value and "30 November 2025" in box.value for box in at.info)


def _shown_by_the_editor(value: float, step: float) -> float:
    """What a Streamlit table editor shows for a number before its format: the value cut to its step's decimals."""
    decimals = max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)
    return math.trunc(value * 10**decimals) / 10**decimals


def test_the_editors_show_a_real_pcns_numbers_as_the_result_does(monkeypatch, tmp_path):
    """West Merton's census gives 2.667 WTE clinical pharmacist and 0.467 WTE GP in post, and its list size 2,014.86
    mental health contacts a year: every number cell of every table editor shows what its format makes of the value
    (2.67, 0.47, 2015), not the value cut to the editor's step (2.60, 0.40, 2014 at steps of 0.1 and 100)."""
    from tests.test_app import run, start

    at = start(monkeypatch, tmp_path)
    [label] = [label for label, code in england_pcn.picker_labels().items() if code == "U00070"]
    at.selectbox(key="real_pcn").set_value(label)
    run(at)
    checked = 0
    for editor in at.data_editor:
        for column, config in json.loads(editor.proto.columns).items():
            number = config.get("type_config", {})
            if number.get("type") != "number" or "step" not in number or column not in editor.value.columns:
                continue
            digits = int(re.search(r"%\.(\d)f", number["format"]).group(1))
            for value in editor.value[column].dropna():
                assert round(_shown_by_the_editor(value, number["step"]), digits) == round(value, digits), (column, value)
                checked += 1
    assert checked >= 24 + 9 + 23  # the roles' staff in post, the needs and the plan's WTE at least


def test_save_offers_the_name_of_the_pcn_just_opened(monkeypatch, tmp_path):
    """Save and share's name box starts with the open scenario's PCN; after starting from West Merton it offered the
    first file's name (Riverside Urban PCN -example), so West Merton would have been saved under Riverside's name."""
    from tests.test_app import run, start

    at = start(monkeypatch, tmp_path)
    assert at.text_input(key="save_name").value == "Riverside Urban PCN -example"
    [label] = [label for label, code in england_pcn.picker_labels().items() if code == "U00070"]
    at.selectbox(key="real_pcn").set_value(label)
    run(at)
    assert at.text_input(key="save_name").value == "WEST MERTON PCN"
    at.text_input(key="save_name").set_value("west merton 2026")
    run(at)
    at.selectbox(key="year").set_value("2025/26")  # a change of year reloads the form, and keeps the typed name
    run(at)
    assert at.text_input(key="save_name").value == "west merton 2026"


# ---------------------------------------------------------------- the national batch on real England


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory):
    """Five real PCNs, including one whose staff in post claim more than its estimated ARRS sum, under two policies."""
    from optimiser.batch import load_base, run_batch

    table = england_batch.batch_table("2026/27")
    over = table[table["ods_code"] == "U00367"]  # its staff in post claim more than its estimated ARRS sum
    sample = pd.concat([table[table["ods_code"] != "U00367"].head(4), over], ignore_index=True)
    base = load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml")
    output = tmp_path_factory.mktemp("england")
    outcome = run_batch(sample, base, ["as-published", "rooms+10%"], output, workers=1, more_tables=england_batch.more_tables())
    return sample, base, outcome, output


def test_batch_on_real_pcns_equals_single_solves(real_batch):
    from optimiser.batch import plan_batch

    sample, base, outcome, _ = real_batch
    summary = outcome.summary.set_index(["ods_code", "policy"])
    for row in plan_batch(sample, base, ["as-published", "rooms+10%"]).rows:
        for policy in ("as-published", "rooms+10%"):
            expected = optimise(row.scenarios[policy]).summary()
            got = summary.loc[(row.pcn_id, policy)]
            assert got["status"] == "optimal"
            for key in ("total_wte", "new_wte", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year",
                        "in_post_beyond_arrs_gbp_per_year", "served_contacts_per_year", "need_met_wte_years"):
                assert got[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), (row.pcn_id, policy, key)  # MILP tolerance
    assert summary.loc[("U00367", "as-published"), "in_post_beyond_arrs_gbp_per_year"] > 0


def test_region_and_care_roll_ups_add_up_to_the_nation(real_batch):
    _, _, outcome, output = real_batch
    england_batch.write_icb_chart(output, ["as-published", "rooms+10%"])
    regions = pd.read_csv(output / "by_region.csv")
    national = outcome.national.set_index("policy")
    for policy, rows in regions.groupby("policy"):
        assert rows["total_wte"].sum() == pytest.approx(national.at[policy, "total_wte"])
        assert rows["in_post_beyond_arrs_gbp_per_year"].sum() == pytest.approx(national.at[policy, "in_post_beyond_arrs_gbp_per_year"])
    assert set(regions["region"]) <= set(england_table.load_pcns()["region"])
    care = pd.read_csv(output / "care_closer_to_home.csv")
    nation = care[(care["level"] == "nation") & (care["policy"] == "as-published")].iloc[0]
    pcns = care[(care["level"] == "PCN") & (care["policy"] == "as-published")]
    assert nation["served_contacts_per_year_per_1000_patients"] == pytest.approx(
        (pcns["served_contacts_per_year_per_1000_patients"] * pcns["list_size_patients"]).sum() / pcns["list_size_patients"].sum())
    assert (output / "policy_by_icb.png").read_bytes().startswith(b"\x89PNG")


def test_region_and_care_tables_are_sheets_of_the_workbook(real_batch):
    """results.xlsx holds every table the run writes as CSV but the long pcn_roles: the England tables too, as in their
    CSVs, placed where a manager reads down from the nation (by region before the ICBs), in the one write of the run."""
    from optimiser.batch import run_batch

    sample, base, _, output = real_batch
    sheets = pd.read_excel(output / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["national", "by_region", "by_icb", "national_by_role", "care_closer_to_home",
                            "comparison_by_pcn", "pcn_summary", "failures"]
    for name in england_batch.TABLES:
        pd.testing.assert_frame_equal(sheets[name], pd.read_csv(output / f"{name}.csv"), check_dtype=False)
    again = run_batch(sample, base, ["as-published", "rooms+10%"], output, workers=1, more_tables=england_batch.more_tables())
    assert again.ran == 0  # resumed: the workbook is written afresh, with each sheet once
    assert list(pd.read_excel(output / "results.xlsx", sheet_name=None)) == list(sheets)


def test_the_england_workbook_is_written_once_with_its_text_as_text(monkeypatch, tmp_path):
    """The England sheets are written with the batch's own, never by reopening the workbook (reading and saving the
    5-year plan's workbook again took about a fifth of the run): a run that opened it would fail here. An ICB named
    like a formula is text in the care sheet's ICB row, as in the batch's own sheets."""
    import openpyxl
    from openpyxl.reader import excel

    from optimiser.batch import load_base, run_batch

    def refuse(*args, **kwargs):
        raise AssertionError("the batch reopened a workbook")

    table = england_batch.batch_table("2026/27").head(2)
    table.loc[0, "icb"] = "=1+2"
    base = load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml")
    with monkeypatch.context() as patched:
        patched.setattr(openpyxl, "load_workbook", refuse)
        patched.setattr(excel, "load_workbook", refuse)
        run_batch(table, base, ["as-published"], tmp_path, workers=1, more_tables=england_batch.more_tables())
    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames[:2] == ["national", "by_region"] and "care_closer_to_home" in book.sheetnames
    care = pd.read_csv(tmp_path / "care_closer_to_home.csv")
    assert len(care) == book["care_closer_to_home"].max_row - 1 and len(care) > 0
    [icb] = [row for row in book["care_closer_to_home"].iter_rows(min_row=2) if row[0].value == "ICB" and row[1].value == "=1+2"]
    assert icb[1].data_type == "s" and icb[2].data_type == "s"


@pytest.mark.parametrize(("ods_code", "role"), [("U42598", "paramedic"), ("U79574", "care_coordinator")])
def test_solver_dust_is_no_new_post(ods_code, role):
    """These two real PCNs' optima keep the role at its staff in post, but HiGHS returns the WTE 1.05e-6 (U42598) and
    1.39e-6 (U79574) above it: within its feasibility tolerance of the bound, which `solve`, the app and batch all read
    through one result. A manager counting new_wte > 0 would count a post; the result must say exactly 0 new WTE."""
    from optimiser.batch import load_base, plan_batch

    table = england_batch.batch_table("2026/27")
    base = load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml")
    [row] = plan_batch(table[table["ods_code"] == ods_code], base, ["as-published"]).rows
    result = optimise(row.scenarios["as-published"])
    mix = result.mix()
    assert mix.at[role, "new_wte"] == 0.0
    assert mix.at[role, "total_wte"] == mix.at[role, "in_post_wte"] > 0
    rows = {r["role"]: r for r in result.role_rows(["role", "new_wte", "total_wte"])}
    assert rows[role]["new_wte"] == 0.0
    assert (mix["new_wte"][mix["new_wte"] > 0] >= row.scenarios["as-published"].policy.min_post_wte).all()


@pytest.mark.parametrize(("ods_code", "role", "in_post", "new", "total"), [
    ("U32760", "clinical_pharmacist", 2.24, 0.2, 2.44), ("U06243", "care_coordinator", 7.56, 3.0, 10.56)])
def test_staff_added_to_staff_in_post_are_stored_as_the_decimals_they_are(ods_code, role, in_post, new, total):
    """U32760 keeps its 2.24 WTE of clinical pharmacists and adds one post of the minimum size, 0.2 WTE: 2.44 in all.
    Taken as the float difference 2.44 − 2.24, the new post was 0.19999999999999973 WTE in `pcn_roles`, less than the
    minimum it is. U06243 adds its recruitment limit of 3 WTE of care co-ordinators to its 7.56: the float sum was
    10.559999999999999. Each must be the decimal, in the mix and in the rows and summary the batch stores."""
    from optimiser.batch import load_base, plan_batch

    table = england_batch.batch_table("2026/27")
    base = load_base(ROOT / "scenarios" / "england" / "base-2026-27.yaml")
    [row] = plan_batch(table[table["ods_code"] == ods_code], base, ["as-published"]).rows
    scenario = row.scenarios["as-published"]
    result = optimise(scenario)
    mix = result.mix()
    assert mix.loc[role, ["in_post_wte", "new_wte", "total_wte"]].tolist() == [in_post, new, total]
    assert role != "clinical_pharmacist" or new == scenario.policy.min_post_wte
    rows = {r["role"]: r for r in result.role_rows(["role", "new_wte", "total_wte"])}
    assert (rows[role]["new_wte"], rows[role]["total_wte"]) == (new, total)
    assert result.summary()["total_wte"] == float(sum(Decimal(repr(w)) for w in mix["total_wte"]))
