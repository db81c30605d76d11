"""Plan sections of a scenario (horizon, growth, futures) and the planning defaults they fall back on."""

from __future__ import annotations

import pytest

from optimiser.errors import ScenarioError
from optimiser.plan_defaults import financial_years, load_plan_defaults
from optimiser.plan_inputs import _published_awards
from optimiser.scenario_io import scenario_from_text, scenario_to_text

BASE = """
pcn: {name: Plan PCN, list_size: 30000, weighted_population: 30000}
year: "2025/26"
estate: {room_sessions_per_week: 80}
"""


def problems_of(text: str) -> str:
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(BASE + text, "plan.yaml")
    return str(raised.value)


def test_a_one_year_scenario_is_unchanged_by_the_plan_sections():
    scenario = scenario_from_text(BASE)
    assert scenario.horizon is None and scenario.futures == {}
    assert "horizon" not in scenario_to_text(scenario) and "growth" not in scenario_to_text(scenario)


def test_plan_sections_round_trip():
    text = BASE + """
horizon: 3
growth: {pay_award_afc_percent: 4, leaving_rate_percent: {clinical_pharmacist: 8}}
futures:
  funded: {probability: 0.6, growth: {pot_follows_pay_award: true}}
  frozen: {probability: 0.4, arrs_frozen_from: 2027/28, extra_room_sessions_per_week: {2026/27: 10}}
"""
    scenario = scenario_from_text(text)
    assert scenario.growth.pay_award_afc_percent == {"later": 4}
    assert scenario_from_text(scenario_to_text(scenario)) == scenario


@pytest.mark.parametrize(
    "text, expected",
    [
        ("horizon: 0", "horizon is 0 years; give 1 to 15"),
        ("horizon: 16", "horizon is 16 years; give 1 to 15"),
        ("growth: {list_growth_percent: -150}", "growth.list_growth_percent is -150% a year; give -100 to 100"),
        ("growth: {arrs_pot_growth_percent: {2026/27: -101}}",
         "growth.arrs_pot_growth_percent.2026/27 is -101% a year; give -100 to 100"),
        ("growth: {demand_growth_percent: {msk: -200}}", "growth.demand_growth_percent.msk is -200% a year; give -100 to 100"),
        ("growth: {leaving_rate_percent: {clinical_pharmacist: 120}}",
         "growth.leaving_rate_percent.clinical_pharmacist is 120% of WTE a year; give 0 to 100"),
        ("growth: {leaving_rate_percent: {wizard: 5}}", "growth.leaving_rate_percent: 'wizard' is not a role"),
        ("growth: {demand_growth_percent: {dentistry: 1}}", "growth.demand_growth_percent: 'dentistry' is not a demand category"),
        ("growth: {leaving_rate_percent: {clinical_pharmacst: 8}}",  # as a misspelt role anywhere else in the file
         "growth.leaving_rate_percent: 'clinical_pharmacst' is not a role in the 2025/26 catalogue; did you mean 'clinical_pharmacist'?"),
        ("growth: {demand_growth_percent: {msk_pain: 1}}", "growth.demand_growth_percent: 'msk_pain' is not a demand category; did you mean 'msk'?"),
        ("futures: {a: {probability: 0.5}, b: {probability: 0.4}}",
         "futures: the probabilities add up to 0.9 (a 0.5, b 0.4); they must add up to 1"),
        ("futures: {a: {probability: 1, arrs_frozen_from: 2035/36}}",
         "futures.a.arrs_frozen_from = '2035/36': not a year of the plan; the plan runs 2025/26 to 2029/30"),
        ("horizon: 2\nfutures: {a: {probability: 1, extra_room_sessions_per_week: {2027/28: 5}}}",
         "futures.a.extra_room_sessions_per_week = '2027/28': not a year of the plan; the plan runs 2025/26 to 2026/27"),
        ("futures: {a: {probability: 1, growth: {leaving_rate_percent: {wizard: 5}}}}",
         "futures.a.growth.leaving_rate_percent: 'wizard' is not a role"),
        ("futures: {a: {probability: 1.5}}", "futures.a.probability is 1.5; give 0 to 1"),
        ("futures: {a: {probability: 1, top_up_budget_gbp: {2026/27: -5}}}",
         "futures.a.top_up_budget_gbp.2026/27 is -£5 a year; give 0 or more"),
        ("growth: {pay_award_gp_percent: {2040/41: 3}}", "growth.pay_award_gp_percent: '2040/41' is not a year of the plan"),
    ],
)
def test_bad_plan_sections_name_the_field(text, expected):
    assert expected in problems_of(text)


def test_financial_years_count_on():
    assert financial_years("2026/27", 3) == ["2026/27", "2027/28", "2028/29"]
    assert financial_years("2099/00", 2) == ["2099/00", "2100/01"]


def test_every_planning_default_has_a_source_and_says_when_it_is_an_estimate():
    defaults = load_plan_defaults()
    table = defaults.table
    assert set(table["status"]) <= {"published", "derived", "estimate", "provisional"}
    assert (table["basis"].str.len() > 20).all() and (table["source"].str.len() > 5).all()
    assert defaults.value("discount_rate_percent") == 3.5
    assert defaults.row("leaving_rate_percent", "clinical_pharmacist")["status"] == "estimate"  # the reference found none
    assert defaults.value("pay_award_afc_percent", "2031/32") == 3.0  # `later`
    assert _published_awards()[("afc", "2026/27")] == pytest.approx(3.3)  # published awards: the catalogue's, one place
    assert defaults.value("demand_growth_percent", "long_term_conditions") == 1.5
    assert defaults.value("demand_growth_percent", "msk") == 1.0  # `*`
