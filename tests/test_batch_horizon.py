"""Batch runs with `--horizon`: a multi-year plan for every PCN, rolled up per year and future."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimiser.batch import load_base, read_table, run_batch
from optimiser.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "national" / "sample-50.csv"
BASE = ROOT / "scenarios" / "national" / "base-2026-27.yaml"
NO_LEAD_TIME = {"recruitment_lead_time_months": 0}
FUTURES = {
    "grows": {"probability": 0.5, "growth": {"arrs_pot_growth_percent": 10}},
    "frozen": {"probability": 0.5, "arrs_frozen_from": "2027/28"},
}
TOTALS = ["list_size_patients", "weighted_population_patients", "in_post_wte", "new_wte", "total_wte", "arrs_sum_gbp_per_year",
          "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year", "top_up_used_gbp_per_year", "total_cost_gbp_per_year",
          "demand_contacts_per_year", "served_contacts_per_year", "unmet_contacts_per_year"]


@pytest.fixture(scope="module")
def three() -> pd.DataFrame:
    return read_table(SAMPLE).head(3)


@pytest.fixture(scope="module")
def two_futures() -> dict:
    return {**load_base(BASE), "growth": {**NO_LEAD_TIME, "list_growth_percent": 0}, "futures": FUTURES}


@pytest.fixture(scope="module")
def planned(three, two_futures, tmp_path_factory):
    return run_batch(three, two_futures, ["as-published"], tmp_path_factory.mktemp("plan"), workers=1, formats=("csv",), horizon=2)


def test_a_horizon_of_one_gives_the_one_year_batch_totals(three, tmp_path):
    """With no recruitment lead time a one-year plan is the one-year solve, so every national total agrees, but
    contacts served: where several mixes give the same care at the same cost, either solve may return either, and
    they can serve different numbers of contacts (of equal value), so those only add up to the need."""
    base = {**load_base(BASE), "growth": NO_LEAD_TIME}
    one_year = run_batch(three, base, ["as-published"], tmp_path / "one", workers=1, formats=("csv",))
    plan = run_batch(three, base, ["as-published"], tmp_path / "plan", workers=1, formats=("csv",), horizon=1)
    assert one_year.counts == plan.counts == {"optimal": 3}
    tied = {"served_contacts_per_year", "unmet_contacts_per_year"}
    for total in set(TOTALS) - tied:  # plans round money to the penny
        assert plan.national[total].iloc[0] == pytest.approx(one_year.national[total].iloc[0], rel=1e-7, abs=0.05), total
    for batch in (plan, one_year):
        national = batch.national.iloc[0]
        assert national["served_contacts_per_year"] + national["unmet_contacts_per_year"] == pytest.approx(
            national["demand_contacts_per_year"])
    years = pd.read_csv(tmp_path / "plan" / "plan_national.csv")
    assert list(years["year"]) == ["2026/27"] and years["pcns"].iloc[0] == 3
    assert years["arrs_claimed_gbp_per_year"].iloc[0] == pytest.approx(one_year.national["arrs_claimed_gbp_per_year"].iloc[0], abs=0.05)


def test_roll_ups_per_year_and_future_are_the_sums_of_the_pcns(planned):
    """3 PCNs × 2 years × 2 futures (each ½). By hand:
    - the first year is the scenario itself: its national ARRS sum is the sum of the three PCNs' ARRS sums (the
      summary records, one per PCN), the same in both futures;
    - 2027/28 with no list growth: "grows" adds 10 % to the pot (× 1.10), "frozen" keeps it in cash (× 1.00);
    - every measure nationally, per year and future, is the sum of the PCNs' records, and so is the sum over ICBs.
    """
    output = planned.output
    national = pd.read_csv(output / "plan_national.csv").set_index(["future", "year"])
    by_icb = pd.read_csv(output / "plan_by_icb.csv")
    per_pcn = pd.read_csv(output / "plan_pcn_years.csv")
    assert planned.counts == {"optimal": 3}
    assert len(per_pcn) == 3 * 2 * 2 and sorted(national.index) == [
        ("frozen", "2026/27"), ("frozen", "2027/28"), ("grows", "2026/27"), ("grows", "2027/28")]
    assert (national["pcns"] == 3).all() and (national["probability"] == 0.5).all()
    first_year = planned.summary["arrs_sum_gbp_per_year"].sum()
    assert national.loc[("grows", "2026/27"), "arrs_sum_gbp_per_year"] == pytest.approx(first_year, abs=0.05)
    assert national.loc[("frozen", "2026/27"), "arrs_sum_gbp_per_year"] == pytest.approx(first_year, abs=0.05)
    assert national.loc[("grows", "2027/28"), "arrs_sum_gbp_per_year"] == pytest.approx(1.10 * first_year, abs=0.1)
    assert national.loc[("frozen", "2027/28"), "arrs_sum_gbp_per_year"] == pytest.approx(first_year, abs=0.05)
    measures = [c for c in national.columns if c not in ("policy", "probability", "pcns")]
    summed = per_pcn.groupby(["future", "year"])[measures].sum()
    pd.testing.assert_frame_equal(national[measures].sort_index(), summed.sort_index(), rtol=1e-9)
    icbs = by_icb.groupby(["future", "year"])[[*measures, "pcns"]].sum()
    pd.testing.assert_frame_equal(national[[*measures, "pcns"]].sort_index(), icbs.sort_index(), rtol=1e-9)
    first = per_pcn[per_pcn["year"] == "2026/27"].pivot_table(index="ods_code", columns="future", values="new_wte")
    assert first["grows"].to_numpy() == pytest.approx(first["frozen"].to_numpy(), abs=1e-9)  # decided before the future is known


def test_a_rerun_plans_nothing_again_and_a_one_year_run_is_not_mistaken_for_a_plan(planned, three, two_futures):
    again = run_batch(three, two_futures, ["as-published"], planned.output, workers=1, formats=("csv",), horizon=2)
    assert (again.ran, again.skipped) == (0, 3)
    one_year = run_batch(three, two_futures, ["as-published"], planned.output, workers=1, formats=("csv",))
    assert (one_year.ran, one_year.skipped) == (3, 0)


def test_dask_local_cluster_gives_the_local_plans(planned, three, two_futures, tmp_path):
    dask = run_batch(three, two_futures, ["as-published"], tmp_path, dask_local=1, formats=("csv",), horizon=2)
    key = ["ods_code", "future", "year"]
    local = pd.read_csv(planned.output / "plan_pcn_years.csv").sort_values(key).reset_index(drop=True)
    remote = pd.read_csv(tmp_path / "plan_pcn_years.csv").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(local.drop(columns="fingerprint"), remote.drop(columns="fingerprint"), rtol=1e-9)
    assert list(local["fingerprint"]) == list(remote["fingerprint"])
    assert dask.counts == {"optimal": 3}


def test_a_pcn_that_cannot_be_planned_fails_alone(three, two_futures, tmp_path):
    """A future that freezes the pot in a year beyond a one-year plan: every PCN fails with the reason, none stops the run."""
    bad = {**two_futures, "futures": {"a": {"probability": 1, "arrs_frozen_from": "2030/31"}}}
    outcome = run_batch(three, bad, ["as-published"], tmp_path, workers=1, formats=("csv",), horizon=1)
    failures = outcome.failed
    assert len(failures) == 3 and (failures["status"] != "optimal").all()
    assert failures["reason"].str.contains("2030/31").all()


@pytest.mark.parametrize("horizon", ["0", "16"])
def test_a_horizon_out_of_range_is_one_sentence_and_exit_2(horizon, tmp_path):
    result = CliRunner().invoke(app, ["batch", str(SAMPLE), "--base", str(BASE), "--output", str(tmp_path), "--horizon", horizon])
    assert result.exit_code == 2
    assert f"--horizon {horizon} is out of range: a plan looks 1 to 15 years ahead" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "parts").exists()


def test_a_long_failure_reason_is_cut_between_words_and_says_where_the_rest_is(tmp_path):
    """SYN00661's staff in post claim more than its ARRS sum, so its plan fails with a reason of several lines; the
    terminal printed its first 300 characters, cutting 'the ARRS sum is £1,016,603' to '£1,016,60'. Printed now: whole
    words of the reason, then where the whole reason is."""
    table = tmp_path / "one.csv"
    read_table(SAMPLE).query("ods_code == 'SYN00661'").to_csv(table, index=False)
    result = CliRunner().invoke(app, ["batch", str(table), "--base", str(BASE), "--output", str(tmp_path / "out"), "--horizon", "2",
                                      "--no-progress"])
    assert result.exit_code == 4
    reason = pd.read_csv(tmp_path / "out" / "failures.csv")["reason"].iloc[0]
    assert len(reason) > 300
    flat, whole = " ".join(result.output.split()), " ".join(reason.split())  # the terminal wraps lines
    shown = flat.split("(SYN00661), as-published: ", 1)[1].split(" … (the whole reason is in failures.csv)", 1)[0]
    assert len(shown) < len(flat) and len(shown) <= 300
    assert whole.startswith(shown) and whole[len(shown)] == " "
