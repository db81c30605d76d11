"""Batch runs of multi-year plans that a national analyst can use: the mode, the verdict, care over the plan, the
mix per role, year and future, failures and resume, each checked by hand or against single `plan` runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimiser.batch import load_base, plan_batch, read_table, run_batch
from optimiser.batch.store import summary_parts
from optimiser.cli import app
from optimiser.plan import InfeasiblePlan, make_plan
from tests.helpers import small_scenario
from tests.test_plan import C1, CP, FLAT, FUNDING_FUTURES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
FUTURES = {
    "grows": {"probability": 0.5, "growth": {"arrs_pot_growth_percent": 10}},
    "frozen": {"probability": 0.5, "arrs_frozen_from": "2027/28"},
}
KEY = ["ods_code", "future", "year", "role"]


def hand_base() -> dict:
    """The hand-derived plans of tests/test_plan.py as a batch base: one role (clinical pharmacist, £50,000 a WTE,
    1,000 contacts a WTE-year, valued as contacts), no growth but a 25% pay award, the sum funded or frozen (½ each).
    Staff in post beyond the ARRS sum make a PCN infeasible here, so one row can be made unsolvable on purpose."""
    data = small_scenario({CP: {"medication_review": 1000}}, policy={"valuation": "contacts", "in_post_beyond_arrs_sum": "infeasible"},
                          **{CP: {"cost_per_wte_gbp": 50_000}}).model_dump(mode="json", exclude_defaults=True)
    data.pop("pcn"), data.pop("money")
    return {**data, "growth": {**FLAT, "pay_award_afc_percent": 25}, "futures": FUNDING_FUTURES}


HAND_TABLE = pd.DataFrame({
    "ods_code": ["A", "B", "C"], "name": ["Top-up PCN", "No top-up PCN", "Overstaffed PCN"],
    "list_size": [50_000] * 3, "weighted_population": [50_000] * 3,
    "arrs_sum_gbp": [100_000, 100_000, 100_000], "top_up_budget_gbp": [12_500, 0, 0],
    "in_post_wte.clinical_pharmacist": [0, 0, 3],
})


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("hand")
    return {mode: run_batch(HAND_TABLE, hand_base(), ["as-published"], folder / mode, workers=1, formats=("csv",), horizon=2, mode=mode)
            for mode in ("expected", "robust")}


def test_robust_and_expected_plans_in_a_batch_are_the_hand_derived_single_plans(hand):
    """By hand (tests/test_plan.py; C1 = 1.25 × 50,750 − 750 = £62,687.50, next year's cost a WTE):
    - A (top-up £12,500): the expected-value plan hires 125,000 / C1 = 1.994 WTE now and is worth 2,000 × 125,000 / C1
      = 3,988.0 contacts; the robust plan hires 112,500 / C1 = 1.795 WTE, worth 1,000 × (1.5 × 112,500 + 0.5 × 137,500)
      / C1 = 3,788.6. In the frozen future the expected plan needs C1 × 1.994 − 100,000 = £25,000 of own money next year.
    - B (no top-up): own money must be 0 in every future either way, so both plans hire 100,000 / C1 = 1.595 WTE now,
      worth 1,000 × (1.5 × 100,000 + 0.5 × 125,000) / C1 = 3,389.8.
    - C: 3 WTE in post claim £150,000 against a £100,000 sum, which this base calls infeasible: it fails alone.
    Every number equals the single plan of the same scenario, verdict included.
    """
    first_year_new = {("expected", "A"): 125_000 / C1, ("robust", "A"): 112_500 / C1,
                      ("expected", "B"): 100_000 / C1, ("robust", "B"): 100_000 / C1}
    care = {("expected", "A"): 3988.0, ("robust", "A"): 3788.6, ("expected", "B"): 3389.8, ("robust", "B"): 3389.8}
    scenarios = plan_batch(HAND_TABLE, hand_base(), ["as-published"], horizon=2).rows
    for mode, outcome in hand.items():
        assert outcome.counts == {"optimal": 2, "infeasible": 1}
        failed = outcome.failed.set_index("ods_code")
        assert list(failed.index) == ["C"] and failed.at["C", "status"] == "infeasible"
        with pytest.raises(InfeasiblePlan) as single_failure:
            make_plan(scenarios[2].scenarios["as-published"], mode=mode, compare=False)
        assert failed.at["C", "reason"] == str(single_failure.value)
        summary = outcome.summary.set_index("ods_code")
        roles = outcome.roles.set_index("ods_code")
        years = pd.read_csv(outcome.output / "plan_pcn_years.csv")
        for row in scenarios[:2]:
            pcn = row.pcn_id
            single = make_plan(row.scenarios["as-published"], mode=mode, compare=False)
            assert summary.at[pcn, "plan_mode"] == mode and summary.at[pcn, "horizon_years"] == 2
            assert summary.at[pcn, "new_wte"] == pytest.approx(first_year_new[mode, pcn], abs=1e-6)
            assert roles.at[pcn, "new_wte"] == pytest.approx(first_year_new[mode, pcn], abs=1e-6)
            assert roles.at[pcn, "cost_gbp_per_year"] == pytest.approx(50_000 * first_year_new[mode, pcn], abs=0.02)
            mine = years[years["ods_code"] == pcn]
            assert (mine["probability"] * mine["care_value_per_year"]).sum() == pytest.approx(care[mode, pcn], abs=0.05)
            assert single.solution.care == pytest.approx(care[mode, pcn], abs=0.05)
            assert summary.at[pcn, "verdict"] == single.verdict()
            assert pd.isna(summary.at[pcn, "care_score_points_over_plan_discounted"])  # valued as contacts, not points
    frozen = pd.read_csv(hand["expected"].output / "plan_pcn_roles.csv").set_index(KEY)
    assert frozen.at[("A", "frozen", "2026/27", CP), "own_money_gbp_per_year"] == pytest.approx(25_000, abs=0.02)
    assert frozen.at[("A", "frozen", "2026/27", CP), "cost_gbp_per_year"] == pytest.approx(125_000, abs=0.02)


def test_a_rerun_skips_every_plan_done_and_another_mode_is_not_mistaken_for_it(hand):
    """Optimal and infeasible plans are final: rerunning the same command solves nothing; the other mode plans all again."""
    again = run_batch(HAND_TABLE, hand_base(), ["as-published"], hand["robust"].output, workers=1, formats=("csv",), horizon=2, mode="robust")
    assert (again.ran, again.skipped) == (0, 3) and again.counts == {"optimal": 2, "infeasible": 1}
    other = run_batch(HAND_TABLE, hand_base(), ["as-published"], hand["robust"].output, workers=1, formats=("csv",), horizon=2)
    assert (other.ran, other.skipped) == (3, 0)
    assert set(other.summary["plan_mode"]) == {"expected"}


# ---------------------------------------------------------------- real sample PCNs against single plans


@pytest.fixture(scope="module")
def three() -> pd.DataFrame:
    return read_table(SAMPLE).head(3)


@pytest.fixture(scope="module")
def two_futures() -> dict:
    return {**load_base(BASE), "futures": FUTURES}


@pytest.fixture(scope="module")
def sample(three, two_futures, tmp_path_factory):
    return run_batch(three, two_futures, ["as-published"], tmp_path_factory.mktemp("sample"), workers=1, formats=("csv",),
                     horizon=2, chunk_size=1)


def test_three_pcns_over_two_years_equal_their_single_plans(sample, three, two_futures):
    """3 PCNs × 2 years × 2 futures: each PCN's summary, first-year roles and roles per year and future are those of
    `plan` on the same scenario; the roles add up to the PCN's year records (money less rent, which no role has)."""
    summary = sample.summary.set_index("ods_code")
    roles = pd.read_csv(sample.output / "pcn_roles.csv")
    role_years = pd.read_csv(sample.output / "plan_pcn_roles.csv")
    years = pd.read_csv(sample.output / "plan_pcn_years.csv")
    assert sample.counts == {"optimal": 3}
    for row in plan_batch(three, two_futures, ["as-published"], horizon=2).rows:
        single = make_plan(row.scenarios["as-published"], compare=False)
        first = single.years().iloc[0]
        record = summary.loc[row.pcn_id]
        assert record["verdict"] == single.verdict()
        assert record["total_wte"] == pytest.approx(first["total_wte"], abs=1e-6)
        assert record["arrs_claimed_gbp_per_year"] == pytest.approx(first["arrs_claimed_gbp_per_year"], abs=0.01)
        discount = {p.year: p.discount_factor for p in single.inputs.periods.values()}
        over_plan = sum(y["probability"] * discount[y["year"]] * y["care_value_per_year"] for y in single.years().to_dict("records"))
        assert record["care_score_points_over_plan_discounted"] == pytest.approx(over_plan, rel=1e-9)
        assert over_plan == pytest.approx(single.solution.care, rel=1e-6)  # what the plan maximised

        expected = single.role_years()
        mine = role_years[role_years["ods_code"] == row.pcn_id].set_index(KEY[1:]).sort_index()
        expected = expected.set_index(KEY[1:]).sort_index()
        columns = ["in_post_wte", "new_wte", "total_wte", "worked_wte_years", "cost_gbp_per_year", "arrs_claimed_gbp_per_year", "own_money_gbp_per_year"]
        pd.testing.assert_frame_equal(mine[columns], expected[columns], rtol=1e-9, atol=1e-6)
        year_one = expected.xs(single.inputs.years[0], level="year")
        first_roles = roles[roles["ods_code"] == row.pcn_id].set_index("role")
        for role, wte in year_one.groupby("role")["total_wte"].mean().items():
            if wte > 1e-6 or year_one.xs(role, level="role")["in_post_wte"].iloc[0] > 0:
                assert first_roles.at[role, "total_wte"] == pytest.approx(wte, abs=1e-6)

    sums = role_years.groupby(["ods_code", "future", "year"])[["total_wte", "new_wte", "arrs_claimed_gbp_per_year"]].sum()
    per_pcn = years.set_index(["ods_code", "future", "year"]).loc[sums.index]
    assert sums["total_wte"].to_numpy() == pytest.approx(per_pcn["total_wte"].to_numpy(), abs=1e-5)
    assert sums["new_wte"].to_numpy() == pytest.approx(per_pcn["new_wte"].to_numpy(), abs=1e-5)
    claims = per_pcn["arrs_claimed_gbp_per_year"] + per_pcn["in_post_beyond_arrs_gbp_per_year"]
    assert sums["arrs_claimed_gbp_per_year"].to_numpy() == pytest.approx(claims.to_numpy(), abs=0.05 * 30)  # each role rounded to 1p


def test_roll_ups_per_role_year_and_future_are_the_sums_of_the_pcns(sample):
    national = pd.read_csv(sample.output / "plan_national_by_role.csv").set_index(["future", "year", "role"])
    per_pcn = pd.read_csv(sample.output / "plan_pcn_roles.csv")
    measures = ["in_post_wte", "new_wte", "total_wte", "cost_gbp_per_year", "arrs_claimed_gbp_per_year", "own_money_gbp_per_year"]
    summed = per_pcn.groupby(["future", "year", "role"])[measures].sum()
    pd.testing.assert_frame_equal(national[measures].sort_index(), summed.sort_index(), rtol=1e-9)
    assert (national["pcns"] == per_pcn.groupby(["future", "year", "role"]).size().reindex(national.index)).all()


def test_a_horizon_of_one_gives_the_care_score_of_solve(three, tmp_path):
    """With no recruitment lead time a one-year plan is the one-year solve, so its care score (of 100), cost and own
    money equal the one-year batch's, PCN by PCN. (Weighted contacts and need met in clinical time are not compared:
    where several mixes give the same care score at the same cost, either solve may return either.)"""
    base = {**load_base(BASE), "growth": {"recruitment_lead_time_months": 0}}
    one_year = run_batch(three, base, ["as-published"], tmp_path / "one", workers=1, formats=("csv",)).summary.set_index("ods_code")
    plan = run_batch(three, base, ["as-published"], tmp_path / "plan", workers=1, formats=("csv",), horizon=1).summary.set_index("ods_code")
    for column in ("care_score", "total_cost_gbp_per_year", "top_up_used_gbp_per_year"):
        assert plan[column].to_numpy() == pytest.approx(one_year[column].to_numpy(), rel=1e-6), column
    assert plan["care_score_points_over_plan_discounted"].to_numpy() == pytest.approx(one_year["care_score"].to_numpy(), rel=1e-6)
    assert "verdict" not in one_year.columns and "plan_mode" not in one_year.columns


def test_a_resumed_plan_batch_plans_only_what_was_lost(sample, three, two_futures):
    """One chunk's summary part lost (as after a crash): the rerun plans that PCN alone, and no record is doubled."""
    parts = summary_parts(sample.output)
    assert len(parts) == 3  # chunk_size=1
    parts[1].unlink()
    again = run_batch(three, two_futures, ["as-published"], sample.output, workers=1, formats=("csv",), horizon=2, chunk_size=1)
    assert (again.ran, again.skipped) == (1, 2)
    role_years = pd.read_csv(sample.output / "plan_pcn_roles.csv")
    assert not role_years.duplicated(KEY).any() and role_years["ods_code"].nunique() == 3
    assert len(pd.read_csv(sample.output / "plan_pcn_years.csv")) == 3 * 2 * 2


@pytest.mark.parametrize(("options", "sentence"), [
    (["--mode", "robust"], "--mode robust applies to plans: give --horizon N too"),
    (["--horizon", "2", "--mode", "cautious"], "--mode 'cautious' is not one of its values: give expected or robust"),
])
def test_a_mode_without_a_plan_or_unknown_is_one_sentence_and_exit_2(options, sentence, tmp_path):
    result = CliRunner().invoke(app, ["batch", str(SAMPLE), "--base", str(BASE), "--output", str(tmp_path), *options])
    assert result.exit_code == 2
    assert sentence in result.output and "Traceback" not in result.output
    assert not (tmp_path / "parts").exists()


# ---------------------------------------------------------------- staff in post beyond the ARRS sum


def test_staff_in_post_beyond_the_first_years_sum_stay_paid_outside_arrs_as_they_leave(tmp_path):
    """3 WTE clinical pharmacists in post (£50,000 a WTE, claimed in full), an ARRS sum of £100,000, no top-up, no
    growth, half the staff leaving a year, two years (the hand base without its futures or pay award).

    2026/27 as `solve` takes it: the 3 WTE claim £150,000, £50,000 (a third) beyond the sum, paid outside ARRS;
    nothing new. 2027/28: 1.5 WTE stay and claim £75,000, a third of it (£25,000) still outside ARRS, so £50,000 of the
    sum is free: the plan hires 1.0 WTE (£100,000 claimed within the sum). Care, valued as contacts: 3 × 1,000 +
    2.5 × 1,000 = 5,500. Were the excess not paid outside ARRS, no plan could keep the 3 WTE (no top-up), and with
    `in_post_beyond_arrs_sum: infeasible` the PCN fails, as in `solve`.
    """
    base = {**hand_base(), "futures": {}, "growth": {**FLAT, "leaving_rate_percent": {CP: 50}}}
    base["policy"] = {**base["policy"], "in_post_beyond_arrs_sum": "paid_outside_arrs"}
    table = HAND_TABLE.iloc[[2]]
    outcome = run_batch(table, base, ["as-published"], tmp_path / "paid", workers=1, formats=("csv",), horizon=2)
    assert outcome.counts == {"optimal": 1}
    years = pd.read_csv(tmp_path / "paid" / "plan_pcn_years.csv").set_index("year")
    assert list(years["in_post_beyond_arrs_gbp_per_year"]) == pytest.approx([50_000, 25_000], abs=0.01)
    assert list(years["arrs_claimed_gbp_per_year"]) == pytest.approx([100_000, 100_000], abs=0.01)
    assert list(years["arrs_unspent_gbp_per_year"]) == pytest.approx([0, 0], abs=0.01)
    assert list(years["new_wte"]) == pytest.approx([0, 1.0], abs=1e-6)
    assert years["care_value_per_year"].sum() == pytest.approx(5500, abs=1e-3)
    summary = outcome.summary.iloc[0]
    assert summary["in_post_beyond_arrs_gbp_per_year"] == pytest.approx(50_000, abs=0.01)

    solved = run_batch(table, base, ["as-published"], tmp_path / "solve", workers=1, formats=("csv",)).summary.iloc[0]
    assert solved["in_post_beyond_arrs_gbp_per_year"] == pytest.approx(50_000, abs=0.01)
    assert solved["arrs_claimed_gbp_per_year"] == pytest.approx(100_000, abs=0.01)

    base["policy"]["in_post_beyond_arrs_sum"] = "infeasible"
    refused = run_batch(table, base, ["as-published"], tmp_path / "refused", workers=1, formats=("csv",), horizon=2)
    assert refused.counts == {"infeasible": 1}


def test_the_command_prints_the_plans_per_year_and_future_and_exits_4_when_a_pcn_fails(tmp_path):
    """The hand table through the CLI with --mode robust: C fails (exit 4); A and B hire (112,500 + 100,000) / C1 =
    3.4 WTE in the first year, the same in both futures (chance 50% each), and need no own money that year."""
    import yaml

    HAND_TABLE.to_csv(tmp_path / "pcns.csv", index=False)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(hand_base()))
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "pcns.csv"), "--base", str(tmp_path / "base.yaml"), "--output",
                                      str(tmp_path / "out"), "--horizon", "2", "--mode", "robust", "--workers", "1", "--no-progress"])
    assert result.exit_code == 4, result.output
    assert "Plans per year and future, national (2 PCNs optimal under every policy" in result.output
    first_year = [[cell.strip() for cell in line.split("│")[1:-1]] for line in result.output.splitlines() if "│ 2025/26" in line]
    assert sorted(row[0] for row in first_year) == ["frozen", "funded"]
    assert all(row[2:5] == ["50%", "3.4", "3.4"] and row[-1] == "0.00" for row in first_year), result.output
    assert "infeasible row 4 (C)" in result.output
