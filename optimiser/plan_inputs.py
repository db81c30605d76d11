"""Resolve a scenario's plan sections into the numbers of every year in every future.

The first year is the scenario itself, resolved by `inputs.prepare` exactly as `solve` resolves it. Each later
year moves from the one before by the growth rates: the scenario's future first, then the scenario's own
`growth`, then the planning defaults (data/planning/defaults.csv).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from optimiser import paycost
from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import on_cost_rules, pay_awards
from optimiser.inputs import ModelInputs, prepare
from optimiser.plan_defaults import LATER, PlanDefaults, load_plan_defaults, plan_years
from optimiser.scenario import Scenario
from optimiser.scenario_sections import Future, Growth
from optimiser.words import sessions

FORECAST = "forecast"
"""The name of the only future of a scenario that names none."""
GP_PAY_SCALE = "n/a"
GP_POT = "arrs_gp"
PUBLISHED_AWARDS = {"pay_award_afc_percent": "afc", "pay_award_gp_percent": "gp"}
"""Awards the catalogue publishes (catalogue/pay-awards.csv) come from there; later years from the planning defaults."""
"""Catalogue roles with no Agenda for Change band are paid on the salaried GP range and get the GP (DDRB) award."""


@dataclass(frozen=True)
class Period:
    """One year of the plan in one future: money per WTE, funding, rooms and need, £ a year unless named."""

    year_index: int
    year: str
    future: str
    discount_factor: float
    pay_index: dict[str, float]  # role → salary relative to the first year (the pay awards since)
    cost_per_wte_gbp: dict[str, float]  # allowed role → employment cost this year
    claim_per_wte_gbp: dict[str, float]  # the lower of cost and the maximum reimbursable amount, × ARRS share
    top_up_per_wte_gbp: dict[str, float]  # what ARRS and co-funders leave to the PCN
    arrs_sums_gbp: dict[str, float]
    in_post_beyond_arrs_gbp: dict[str, float]  # per pot: staff in post beyond the first year's sum, still there, paid outside ARRS
    top_up_budget_gbp: float
    room_sessions_per_week: float
    need_contacts_per_year: dict[str, float]


@dataclass(frozen=True)
class PlanInputs:
    base: ModelInputs  # the first year, as `solve` sees it
    years: list[str]
    probabilities: dict[str, float]  # future → probability, above 0 (`prepare_plan` leaves out futures that cannot happen)
    descriptions: dict[str, str]
    periods: dict[tuple[int, str], Period]  # (year index, future)
    leaving_rate: dict[str, float]  # allowed role → share of WTE leaving a year
    first_year_share: float  # share of the first year that new first-year posts are in post
    lead_time_months: float
    discount_rate: float

    @property
    def futures(self) -> list[str]:
        return list(self.probabilities)

    @property
    def most_likely(self) -> str:
        """The future a single-forecast plan assumes: the most likely, the first listed on ties."""
        return max(self.probabilities, key=self.probabilities.__getitem__)

    def what_differs(self, future: str) -> str:
        """The future's description, or what its settings change in words when it has none (a blank reads as nothing)."""
        known = self.scenario.futures.get(future)
        return self.descriptions.get(future) or (future_in_words(known) if known is not None else "")

    def if_future(self, future: str, also: str = "") -> str:
        """'if a room is lost (chance 50%)': a future in words, with its chance (and `also`, said inside the brackets)."""
        description = self.descriptions.get(future) or f"'{future}' comes"
        return f"if {description} (chance {self.probabilities[future]:.0%}{also})"

    @property
    def scenario(self) -> Scenario:
        return self.base.scenario


RATE_WORDS = {"pay_award_afc_percent": "Agenda for Change pay award", "pay_award_gp_percent": "GP pay award",
              "arrs_pot_growth_percent": "ARRS sum growth", "top_up_growth_percent": "top-up budget growth"}
"""Yearly rates of a future's growth, in words; each is followed by its % a year."""


def future_in_words(future: Future) -> str:
    """What a future sets, in words with units: 'the ARRS sum is frozen in cash from 2027/28; Agenda for Change pay
    award 5% in 2027/28, 3% in other years'."""
    growth, parts = future.growth, []
    if growth.pot_follows_pay_award:
        parts.append("the ARRS sum follows the pay awards")
    if future.arrs_frozen_from:
        parts.append(f"the ARRS sum is frozen in cash from {future.arrs_frozen_from}")
    if future.arrs_ends_from:
        parts.append(f"no ARRS sum from {future.arrs_ends_from}")
    for field, words in RATE_WORDS.items():
        rates = getattr(growth, field)
        if rates:
            other = "a year" if len(rates) == 1 else "in other years"
            parts.append(f"{words} " + ", ".join(f"{rate:g}% {other if key == LATER else f'in {key}'}" for key, rate in rates.items()))
    if growth.list_growth_percent is not None:
        parts.append(f"list growth {growth.list_growth_percent:g}% a year")
    if growth.demand_growth_percent:
        parts.append(f"its own need growth for {len(growth.demand_growth_percent)} demand categor"
                     + ("y" if len(growth.demand_growth_percent) == 1 else "ies"))
    if growth.leaving_rate_percent:
        parts.append(f"its own leaving rates for {len(growth.leaving_rate_percent)} role" + ("" if len(growth.leaving_rate_percent) == 1 else "s"))
    if growth.discount_rate_percent is not None:
        parts.append(f"care discounted at {growth.discount_rate_percent:g}% a year")
    if growth.recruitment_lead_time_months is not None:
        parts.append(f"a {growth.recruitment_lead_time_months:g}-month recruitment lead time")
    parts += [f"{sessions(n)} more room sessions a week from {year}" for year, n in sorted(future.extra_room_sessions_per_week.items())]
    parts += [f"a top-up budget of £{gbp:,.0f} a year from {year}" for year, gbp in sorted(future.top_up_budget_gbp.items())]
    return "; ".join(parts) if parts else "nothing beyond the plan's growth"


class _Rates:
    """One rate looked up in the future's growth, then the scenario's, then the planning defaults."""

    def __init__(self, layers: list[Growth], defaults: PlanDefaults):
        self.layers, self.defaults = layers, defaults

    def by_year(self, item: str, year: str) -> float:
        for growth in self.layers:
            given = getattr(growth, item)
            for key in (year, LATER):
                if key in given:
                    return given[key]
        if item in PUBLISHED_AWARDS and (PUBLISHED_AWARDS[item], year) in _published_awards():
            return _published_awards()[PUBLISHED_AWARDS[item], year]
        return self.defaults.value(item, year)

    def by_key(self, item: str, key: str) -> float:
        for growth in self.layers:
            if key in getattr(growth, item):
                return getattr(growth, item)[key]
        return self.defaults.value(item, key)

    def scalar(self, item: str) -> float:
        for growth in self.layers:
            if item in growth.model_fields_set and getattr(growth, item) is not None:
                return float(getattr(growth, item))
        return self.defaults.value(item)


@cache
def _published_awards() -> dict[tuple[str, str], float]:
    return {key: 100 * award for key, award in pay_awards()["award"].items()}


@lru_cache(maxsize=1 << 14)
def recost(amount_gbp: float, index: float, first_year: str, year: str) -> float:
    """A first-year employment cost in a later year: its salary (read back through the first year's on-cost rules)
    moved by the pay awards, then employer pension and NI added under that year's rules (optimiser.paycost)."""
    salary = paycost.salary_for_employer_cost_gbp(amount_gbp, _rules(first_year))
    return paycost.employer_cost_gbp(salary * index, _rules(year))


@cache
def _rules(year: str) -> paycost.OnCostRules:
    return on_cost_rules(year)


def prepare_plan(scenario: Scenario, futures: dict[str, Future] | None = None) -> PlanInputs:
    """Every year of the plan in every future that can happen (the scenario's own futures unless others are given).

    A future with probability 0 is left out: it cannot happen, so its rules must not bind the plan either."""
    futures = scenario.futures if futures is None else futures
    futures = {name: future for name, future in futures.items() if future.probability > 0}
    futures = futures or {FORECAST: Future(probability=1.0, description="the planning defaults and the scenario's growth")}
    base, defaults = prepare(scenario), load_plan_defaults()
    years = plan_years(scenario)
    shared = _Rates([scenario.growth], defaults)
    lead = shared.scalar("recruitment_lead_time_months")
    discount = shared.scalar("discount_rate_percent") / 100
    roles = list(base.role_columns["role_name"])
    leaving = {r: shared.by_key("leaving_rate_percent", r) / 100 for r in roles}
    periods = {}
    for name, future in futures.items():
        rates = _Rates([future.growth, scenario.growth], defaults)
        periods |= {(t, name): period for t, period in enumerate(_periods(base, future, name, rates, years, discount, leaving))}
    return PlanInputs(
        base=base,
        years=years,
        probabilities={name: future.probability for name, future in futures.items()},
        descriptions={name: future.description for name, future in futures.items()},
        periods=periods,
        leaving_rate=leaving,
        first_year_share=(12 - lead) / 12,
        lead_time_months=lead,
        discount_rate=discount,
    )


def _periods(base: ModelInputs, future: Future, name: str, rates: _Rates, years: list[str], discount: float,
             leaving: dict[str, float]) -> list[Period]:
    scenario = base.scenario
    gp_roles = {r for r, band in load_catalogue(scenario.year).roles["afc_band"].items() if band == GP_PAY_SCALE}
    columns = base.role_columns
    roles = list(columns["role_name"])
    categories = list(base.categories.index)
    need = base.categories["demand_contacts_per_year"].to_dict()
    pot_follows = bool(rates.scalar("pot_follows_pay_award"))
    frozen = years.index(future.arrs_frozen_from) if future.arrs_frozen_from else len(years)
    ended = years.index(future.arrs_ends_from) if future.arrs_ends_from else len(years)

    afc = gp = top_up = list_size = 1.0
    first_claims = _in_post_claims(base, columns["claim_per_wte_gbp"], dict.fromkeys(roles, 1.0))
    beyond_share = {p: base.in_post_beyond_arrs_gbp.get(p, 0.0) / c if c > 0 else 0.0 for p, c in first_claims.items()}
    pot = dict.fromkeys(base.arrs_sums_gbp, 1.0)
    per_head = dict.fromkeys(categories, 1.0)
    periods = []
    for t, year in enumerate(years):
        if t > 0:
            award_afc, award_gp = rates.by_year("pay_award_afc_percent", year), rates.by_year("pay_award_gp_percent", year)
            afc *= 1 + award_afc / 100
            gp *= 1 + award_gp / 100
            for p in pot:
                growth = (award_gp if p == GP_POT else award_afc) if pot_follows else rates.by_year("arrs_pot_growth_percent", year)
                pot[p] *= 1 + (0.0 if t >= frozen else growth / 100)
            top_up *= 1 + rates.by_year("top_up_growth_percent", year) / 100
            list_size *= 1 + rates.scalar("list_growth_percent") / 100
            for d in categories:
                per_head[d] *= 1 + rates.by_key("demand_growth_percent", d) / 100
        index = {r: gp if r in gp_roles else afc for r in roles}
        if t == 0:
            cost, claim = dict(columns["cost_per_wte_gbp"]), dict(columns["claim_per_wte_gbp"])
        else:
            cost = {r: recost(c, index[r], scenario.year, year) for r, c in columns["cost_per_wte_gbp"].items()}
            maximum = {r: recost(m, index[r], scenario.year, year) for r, m in columns["max_reimbursable_gbp"].items()}
            claim = {r: min(cost[r], maximum[r]) * columns["arrs_share"][r] for r in roles}
        budget = base.top_up_budget_gbp * top_up
        for from_year, amount in sorted(future.top_up_budget_gbp.items()):
            if years.index(from_year) <= t:
                budget = amount
        extra_rooms = sum(s for y, s in future.extra_room_sessions_per_week.items() if years.index(y) <= t)
        periods.append(Period(
            year_index=t,
            year=year,
            future=name,
            discount_factor=(1 + discount) ** -t,
            pay_index=index,
            cost_per_wte_gbp=cost,
            claim_per_wte_gbp=claim,
            top_up_per_wte_gbp={r: max(cost[r] - claim[r] - cost[r] * columns["co_funder_share"][r], 0.0) for r in roles},
            arrs_sums_gbp={p: (0.0 if t >= ended else s * pot[p]) for p, s in base.arrs_sums_gbp.items()},
            in_post_beyond_arrs_gbp={p: beyond_share[p] * c for p, c in _in_post_claims(base, claim, {r: (1 - leaving[r]) ** t for r in roles}).items()},
            top_up_budget_gbp=budget,
            room_sessions_per_week=base.room_sessions_per_week + extra_rooms,
            need_contacts_per_year={d: need[d] * list_size * per_head[d] for d in categories},
        ))
    return periods



def _in_post_claims(base: ModelInputs, claim: dict[str, float], kept: dict[str, float]) -> dict[str, float]:
    """Per pot, what the staff in post at the start who are still there (after leavers) claim this year, £."""
    columns = base.role_columns
    claims = dict.fromkeys(base.arrs_sums_gbp, 0.0)
    for r, wte in columns["in_post_wte"].items():
        if wte > 0 and columns["funding_pot"][r] in claims:
            claims[columns["funding_pot"][r]] += wte * kept[r] * claim[r]
    return claims
