"""The board's verdict on a plan: which of this year's posts stay affordable in every future, and what the first
that does not needs; and an unsolvable plan named by its conflicting limits. Real HiGHS solves, hand-derived."""

from __future__ import annotations

import pytest

from optimiser.plan import InfeasiblePlan, make_plan
from optimiser.scenario_problems import parse_scenario
from tests.helpers import small_scenario
from tests.test_plan import CP, FLAT

PAY_FUTURES = {
    "funded": {"probability": 0.6, "description": "pay awards are funded", "growth": {"pot_follows_pay_award": True}},
    "unfunded": {"probability": 0.4, "description": "pay awards are not funded"},
}


def rooms_scenario(*, arrs_sum: float, top_up: float, rooms: float, horizon: int, growth: dict | None = None,
                   futures: dict | None = None, **cp_settings):
    """One clinical pharmacist role at £50,000 a WTE needing 10 room sessions a week, valued as contacts."""
    scenario = small_scenario({CP: {"medication_review": 1000}}, arrs_sum=arrs_sum, top_up=top_up, rooms=rooms,
                              **{CP: {"cost_per_wte_gbp": 50_000, "room_sessions_per_wte_per_week": 10, "remote_share": 0, **cp_settings}})
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return parse_scenario({**data, "horizon": horizon, "growth": {**FLAT, **(growth or {})}, "futures": futures or {}}, "plan")


def test_two_posts_stay_affordable_and_the_third_needs_own_money_if_pay_awards_are_not_funded():
    """Four years from 2025/26; ARRS £150,000; top-up budget £10,000 a year; 30 room sessions a week (3 WTE at 10
    sessions each); nobody leaves; a 10% pay award in 2027/28 only.

    Care is 1,000 contacts a WTE-year, so the plan fills the rooms now: 3 WTE, claimed in full (3 × £50,000 =
    £150,000). From 2027/28 a WTE costs 1.1 × 50,750 − 750 = £55,075 (the on-cost rules are unchanged), so the
    three posts cost £165,225 a year. Funded (60%): the ARRS sum follows the award to £165,000: own money £225.
    Unfunded (40%): the sum stays £150,000: own money £15,225, £5,225 beyond the £10,000 budget. On average
    0.6 × 225 + 0.4 × 15,225 = £6,225 ≤ £10,000, so the expected-value plan keeps the three posts.
    The £5,225 falls on the last post: its whole cost (£55,075, the ARRS sum being fully claimed) exceeds it, so
    the first two posts stay within the budget in every future and the third needs £5,225 a year from 2027/28
    (and in 2028/29, with no further award).
    """
    plan = make_plan(rooms_scenario(arrs_sum=150_000, top_up=10_000, rooms=30, horizon=4, futures=PAY_FUTURES,
                                    growth={"pay_award_afc_percent": {"2026/27": 0, "2027/28": 10, "later": 0}}))
    years = plan.years().set_index(["future", "year"])
    assert plan.first_year_decisions()[CP][0] == pytest.approx(3)
    for year in ("2027/28", "2028/29"):
        assert years.at[("funded", year), "own_money_gbp_per_year"] == pytest.approx(225)
        assert years.at[("unfunded", year), "own_money_gbp_per_year"] == pytest.approx(15_225)
        assert years.at[("unfunded", year), "own_money_over_budget_gbp_per_year"] == pytest.approx(5_225)
    posts = plan.posts().set_index("post")
    assert list(posts.index) == [1, 2, 3]
    assert posts.at[3, "beyond_budget_then_gbp_per_year"] == pytest.approx(5_225) and posts.at[3, "beyond_budget_most_gbp_per_year"] == pytest.approx(5_225)
    assert posts.at[3, "future"] == "unfunded" and posts.at[3, "from_year"] == "2027/28"
    assert (posts.loc[[1, 2], "future"] == "").all()
    assert plan.verdict() == (
        "Hiring 3.0 WTE clinical pharmacist now: the first 2 posts (2.0 WTE clinical pharmacist) stay within the top-up "
        "budget in every future; the third, 1.0 WTE clinical pharmacist, needs £5,225 of own money a year beyond the "
        "top-up budget from 2027/28 if pay awards are not funded (chance 40%).")


def test_staff_already_in_post_carry_the_shortfall_when_nobody_new_is_hired():
    """As above with the 3 WTE already in post: the rooms are full, so nobody new is hired, and the same £5,225
    beyond the budget from 2027/28 in the unfunded future falls on staff in post."""
    plan = make_plan(rooms_scenario(arrs_sum=150_000, top_up=10_000, rooms=30, horizon=4, futures=PAY_FUTURES, in_post_wte=3,
                                    growth={"pay_award_afc_percent": {"2026/27": 0, "2027/28": 10, "later": 0}}))
    assert plan.first_year_posts() == []
    assert plan.verdict() == ("Hiring no one new now; staff in post need £5,225 of own money a year beyond the top-up "
                              "budget from 2027/28 if pay awards are not funded (chance 40%).")


def rooms_conflict_scenario():
    """3 WTE in post needing 30 room sessions: 20 free, 10 rented from the top-up budget, which one future stops."""
    futures = {"kept": {"probability": 0.5, "description": "the top-up budget is kept"},
               "cut": {"probability": 0.5, "description": "the practices stop the top-up budget",
                       "top_up_budget_gbp": {"2026/27": 0}}}
    scenario = rooms_scenario(arrs_sum=1_000_000, top_up=20_000, rooms=20, horizon=3, futures=futures, in_post_wte=3)
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["estate"] |= {"rentable_sessions_per_week": 10, "rent_gbp_per_session": 10}
    return parse_scenario(data, "plan")


def test_a_plan_whose_staff_in_post_cannot_fit_the_rooms_from_year_two_names_the_conflict():
    """3 WTE in post at 10 room sessions a week each; 20 free sessions, and 10 more rented (£10 a session, £5,200 a year) from the
    £20,000 top-up budget. In one future (50%) the top-up budget ends from 2026/27, so nothing can be rented; nobody
    leaves and staff cannot be reduced. Robust (own money within the budget in every future): from 2026/27 to the
    plan's end (2027/28) that future needs 30 sessions against 20 free: 10 sessions a week short. Relaxing the rooms
    (10 of 20 sessions, half their limit) is the smallest relaxation; the budget of £0 would have to grow by the whole
    rent. Nothing else conflicts."""
    scenario = rooms_conflict_scenario()
    assert make_plan(scenario, compare=False).solution.proven_optimal  # on average over the futures the rent is paid
    with pytest.raises(InfeasiblePlan) as raised:
        make_plan(scenario, mode="robust")
    conflicts = raised.value.conflicts
    assert len(conflicts) == 1
    row = conflicts.iloc[0]
    assert (row["family"], row["future"], row["first_year"], row["last_year"]) == ("clinical_rooms", "cut", "2026/27", "2027/28")
    assert (row["limit"], row["needed"], row["shortfall"]) == pytest.approx((20, 30, 10))
    assert ("From 2026/27 to 2027/28, if the practices stop the top-up budget (chance 50%): staff in post need 30 "
            "clinical room sessions a week but 20 are free and 0 of the 10 rentable are rented: 10 sessions short"
            ) in str(raised.value)


def test_own_money_needed_only_by_later_hiring_leaves_this_years_posts_affordable():
    """Three years; 20 room sessions now (2 WTE) and 10 more from 2026/27 in both futures (a third WTE); ARRS
    £150,000; top-up £10,000; a 10% pay award in 2026/27 only. This year: 2 WTE at £50,000, claimed in full.
    From 2026/27 a WTE costs £55,075 and each future adds the third: £165,225 a year. Funded (60%): the sum follows
    to £165,000, own money £225; unfunded (40%): own money £15,225, £5,225 beyond the budget (on average £6,225,
    within it). The £5,225 falls on the post added in 2026/27 (its whole cost is more), not on this year's two."""
    futures = {name: {**future, "extra_room_sessions_per_week": {"2026/27": 10}} for name, future in PAY_FUTURES.items()}
    plan = make_plan(rooms_scenario(arrs_sum=150_000, top_up=10_000, rooms=20, horizon=3, futures=futures,
                                    growth={"pay_award_afc_percent": {"2026/27": 10, "later": 0}}))
    years = plan.years().set_index(["future", "year"])
    assert plan.first_year_decisions()[CP][0] == pytest.approx(2)
    assert years.at[("unfunded", "2026/27"), "total_wte"] == pytest.approx(3)
    assert years.at[("unfunded", "2027/28"), "own_money_over_budget_gbp_per_year"] == pytest.approx(5_225)
    assert plan.verdict() == (
        "Hiring 2.0 WTE clinical pharmacist now stays within the top-up budget in every future; the plan's later hiring "
        "beyond this year's posts needs £5,225 of own money a year beyond the top-up budget from 2026/27 if pay awards "
        "are not funded (chance 40%).")
