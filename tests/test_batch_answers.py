"""Batch answers derived by hand: three small PCNs under two policies, every roll-up and change column checked,
and every table column reaching the scenario field it names."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser.batch import plan_batch, run_batch
from optimiser.catalogue import load_catalogue
from optimiser.scenario_io import load_scenario

CATEGORIES = ["medication_review", "minor_illness", "long_term_conditions", "msk", "mental_health", "social_needs",
              "care_coordination", "urgent_same_day", "digital_admin"]
BASE = {
    "year": "2025/26",
    "policy": {"valuation": "contacts"},
    "roles": {**{r: {"allowed": False} for r in load_catalogue("2025/26").roles.index},
              "clinical_pharmacist": {"room_sessions_per_wte_per_week": 8, "remote_share": 0}},
    "productivity": {"clinical_pharmacist": {c: (2000 if c == "medication_review" else 0) for c in CATEGORIES}},
    "demand": {"medication_review": {"priority_weight": 1.0}},
}
POLICIES = ["as-published", "rooms-50%"]


def _table() -> pd.DataFrame:
    """A, B in ICB X; C in ICB Y. Only clinical pharmacists work (the base allows no other role)."""
    rows = [
        ("AAA01", "PCN A", "X", 60_000, 55_000, 200_000, 80, 0.0),
        ("BBB02", "PCN B", "X", 40_000, 45_000, 300_000, 40, 0.0),
        ("CCC03", "PCN C", "Y", 30_000, 33_000, 100_000, 16, 1.0),
    ]
    table = pd.DataFrame(rows, columns=["ods_code", "name", "icb", "list_size", "weighted_population", "arrs_sum_gbp",
                                        "room_sessions_per_week", "in_post_wte.clinical_pharmacist"])
    table["cost_per_wte_gbp.clinical_pharmacist"] = 50_000
    for category in CATEGORIES:
        table[f"demand_contacts_per_year.{category}"] = 20_000 if category == "medication_review" else 0
    return table


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    return run_batch(_table(), BASE, POLICIES, tmp_path_factory.mktemp("hand"), workers=1, formats=("csv", "parquet"))


# Hand derivation. A clinical pharmacist costs £50,000 (below the £69,410 maximum, so ARRS pays all of it),
# needs 8 room sessions a week, and delivers 2,000 medication reviews a year (demand 20,000: never binding).
# WTE = min(ARRS sum ÷ 50,000, rooms ÷ 8); the cheapest mix at that care spends nothing more.
#   A: min(4, 10) = 4;    rooms-50%: min(4, 5) = 4
#   B: min(6, 5) = 5;     rooms-50%: min(6, 2.5) = 2.5
#   C: min(2, 2) = 2 (1 in post); rooms-50%: min(2, 1) = 1 (the in-post floor is 1: met exactly)
EXPECTED = {  # (PCN, policy): total WTE, new WTE, ARRS claimed, ARRS unspent, served, unmet
    ("AAA01", "as-published"): (4.0, 4.0, 200_000, 0, 8_000, 12_000),
    ("AAA01", "rooms-50%"): (4.0, 4.0, 200_000, 0, 8_000, 12_000),
    ("BBB02", "as-published"): (5.0, 5.0, 250_000, 50_000, 10_000, 10_000),
    ("BBB02", "rooms-50%"): (2.5, 2.5, 125_000, 175_000, 5_000, 15_000),
    ("CCC03", "as-published"): (2.0, 1.0, 100_000, 0, 4_000, 16_000),
    ("CCC03", "rooms-50%"): (1.0, 0.0, 50_000, 50_000, 2_000, 18_000),
}
MEASURES = ["total_wte", "new_wte", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year", "served_contacts_per_year",
            "unmet_contacts_per_year"]


def test_each_pcn_under_each_policy_is_the_hand_derived_answer(outcome):
    summary = outcome.summary.set_index(["ods_code", "policy"])
    assert (summary["status"] == "optimal").all() and len(summary) == 6
    for key, expected in EXPECTED.items():
        assert summary.loc[key, MEASURES].to_numpy(float) == pytest.approx(expected, rel=1e-8, abs=1e-6), key
        assert summary.loc[key, "priority_weighted_contacts_per_year"] == pytest.approx(expected[4], rel=1e-8)  # weight 1 × contacts
    sizes = summary.xs("as-published", level="policy")[["list_size_patients", "weighted_population_patients"]]
    assert sizes.loc["AAA01"].tolist() == [60_000, 55_000] and sizes.loc["CCC03"].tolist() == [30_000, 33_000]
    assert summary.loc[("AAA01", "as-published"), "arrs_sum_gbp_per_year"] == 200_000


def _sum(pcns, policy, measure):
    return sum(EXPECTED[p, policy][MEASURES.index(measure)] for p in pcns)


def test_national_and_icb_totals_and_changes(outcome):
    national = outcome.national.set_index("policy")
    by_icb = pd.read_csv(outcome.output / "by_icb.csv").set_index(["icb", "policy"])
    for where, pcns, frame in [("national", ["AAA01", "BBB02", "CCC03"], national),
                               ("X", ["AAA01", "BBB02"], by_icb.xs("X")), ("Y", ["CCC03"], by_icb.xs("Y"))]:
        for measure in MEASURES:
            base = _sum(pcns, "as-published", measure)
            other = _sum(pcns, "rooms-50%", measure)
            assert frame.loc["as-published", measure] == pytest.approx(base, rel=1e-8, abs=1e-6), (where, measure)
            assert frame.loc["rooms-50%", measure] == pytest.approx(other, rel=1e-8, abs=1e-6), (where, measure)
            assert frame.loc["rooms-50%", f"change_{measure}"] == pytest.approx(other - base, rel=1e-8, abs=1e-3), (where, measure)
            assert frame.loc["as-published", f"change_{measure}"] == 0
    assert national.loc["as-published", "list_size_patients"] == 130_000
    assert national.loc["as-published", "weighted_population_patients"] == 133_000
    assert national.loc["rooms-50%", "change_total_wte"] == pytest.approx(-3.5)
    assert by_icb.loc[("X", "rooms-50%"), "change_arrs_unspent_gbp_per_year"] == pytest.approx(125_000)
    assert national.loc["rooms-50%", ["pcns_optimal", "pcns_failed", "pcns_compared"]].tolist() == [3, 0, 3]


def test_each_pcns_change_against_the_baseline(outcome):
    comparison = pd.read_csv(outcome.output / "comparison_by_pcn.csv").set_index("ods_code")
    assert (comparison["policy"] == "rooms-50%").all() and (comparison["baseline_policy"] == "as-published").all()
    for pcn in ("AAA01", "BBB02", "CCC03"):
        for measure in MEASURES:
            expected = EXPECTED[pcn, "rooms-50%"][MEASURES.index(measure)] - EXPECTED[pcn, "as-published"][MEASURES.index(measure)]
            assert comparison.loc[pcn, f"change_{measure}"] == pytest.approx(expected, abs=1e-3), (pcn, measure)
    assert comparison.loc["BBB02", "change_total_wte"] == pytest.approx(-2.5) and comparison.loc["CCC03", "change_new_wte"] == pytest.approx(-1.0)


def test_roles_roll_up(outcome):
    roles = outcome.by_role.set_index(["role", "policy"])
    assert roles.loc[("clinical_pharmacist", "as-published"), "total_wte"] == pytest.approx(11.0)
    assert roles.loc[("clinical_pharmacist", "rooms-50%"), "change_total_wte"] == pytest.approx(-3.5)
    assert roles.loc[("clinical_pharmacist", "as-published"), "in_post_wte"] == pytest.approx(1.0)


FULL_ROW = {
    "ods_code": "U00001", "name": "Column PCN", "icb": "ICB Q", "list_size": "41000", "weighted_population": "43000",
    "arrs_sum_gbp": "900000", "top_up_budget_gbp": "12000", "room_sessions_per_week": "70",
    "rentable_sessions_per_week": "9", "rent_gbp_per_session": "35", "desk_sessions_per_week": "22",
    "in_post_wte.paramedic": "1.5", "max_new_wte.paramedic": "2.25", "cost_per_wte_gbp.paramedic": "61000",
    "demand_contacts_per_year.msk": "7000", "demand_per_1000_patients.mental_health": "100",
}


def test_every_table_column_reaches_its_scenario_field():
    """Each value is distinct, so a column mapped to the wrong field (e.g. rentable sessions to rent) shows."""
    row = plan_batch(pd.DataFrame([FULL_ROW]), {"year": "2025/26"}, ["as-published"]).rows[0]
    s = row.scenarios["as-published"]
    assert (s.pcn.ods_code, s.pcn.name, s.pcn.icb) == ("U00001", "Column PCN", "ICB Q")
    assert (s.pcn.list_size, s.pcn.weighted_population) == (41_000, 43_000)
    assert (s.money.arrs_sum_gbp, s.money.top_up_budget_gbp) == (900_000, 12_000)
    assert (s.estate.room_sessions_per_week, s.estate.rentable_sessions_per_week, s.estate.rent_gbp_per_session,
            s.estate.desk_sessions_per_week) == (70, 9, 35, 22)
    paramedic = s.roles["paramedic"]
    assert (paramedic.in_post_wte, paramedic.max_new_wte, paramedic.cost_per_wte_gbp) == (1.5, 2.25, 61_000)
    assert s.demand["msk"].contacts_per_year == 7_000
    assert s.demand["mental_health"].contacts_per_year == pytest.approx(100 * 41_000 / 1000)  # rate × list size ÷ 1,000
    assert (row.row, row.pcn_id, row.name, row.icb) == (2, "U00001", "Column PCN", "ICB Q")


def test_a_bad_cell_is_reported_at_its_own_column():
    """Columns come from pydantic's error locations: each bad value names the column it came from."""
    for column, value in [("rentable_sessions_per_week", "-1"), ("rent_gbp_per_session", "-2"), ("max_new_wte.paramedic", "-3"),
                          ("desk_sessions_per_week", "x"), ("weighted_population", "0")]:
        plan = plan_batch(pd.DataFrame([{**FULL_ROW, column: value}]), {"year": "2025/26"}, ["as-published"])
        assert [p.column for p in plan.problems] == [column], column


def test_batch_equals_solve_for_a_scenario_file(tmp_path):
    """One row that repeats the rural example's numbers gives the rural example's answer."""
    from optimiser.pipeline import optimise

    scenario = load_scenario("scenarios/rural-2026-27.yaml")
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    pcn, estate, money = data.pop("pcn"), data.pop("estate"), data.pop("money", {})
    row = {"ods_code": "RURAL", "name": pcn["name"], "list_size": pcn["list_size"], "weighted_population": pcn["weighted_population"],
           **{k: v for k, v in estate.items()}, **{k: v for k, v in money.items()}}
    outcome = run_batch(pd.DataFrame([row]), data, ["as-published"], tmp_path, workers=1, formats=("parquet",))
    expected = optimise(scenario).summary()
    got = outcome.summary.iloc[0]
    for key in ("total_wte", "new_wte", "arrs_claimed_gbp_per_year", "served_contacts_per_year", "priority_weighted_contacts_per_year"):
        assert got[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-6), key
