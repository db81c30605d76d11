"""Small scenarios whose optimum can be worked out by hand, and an independent checker of results."""

from __future__ import annotations

import math

import numpy as np

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import POT_NAMES, load_catalogue
from optimiser.results import Result
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario

HUGE = 9_000_000


def only_roles(year: str, contacts: dict[str, dict[str, float]], **role_settings) -> dict:
    """Roles section allowing only the given roles, and productivity that zeroes every other pair.

    Pairs of roles not given are zeroed too, so each category's reference rate (the median over the roles
    able to serve it, see optimiser/valuation.py) comes from the given roles alone and can be derived by hand.
    """
    catalogue_roles = set(load_catalogue(year).roles.index)
    roles = {r: {"allowed": False} for r in catalogue_roles}
    productivity: dict[str, dict[str, float]] = {}
    defaults = load_assumptions().productivity["contacts_per_wte_year"]
    for (r, d) in defaults.index:
        if r in catalogue_roles:
            productivity.setdefault(r, {})[d] = 0.0
    for role, by_category in contacts.items():
        roles[role] = dict(role_settings.get(role, {}))
        productivity[role] = {**productivity.get(role, {}), **by_category}
    return {"roles": roles, "productivity": productivity}


def small_scenario(
    contacts: dict[str, dict[str, float]],
    *,
    year: str = "2025/26-april",
    arrs_sum: float = HUGE,
    top_up: float = 0,
    rooms: float = HUGE / 100,
    demand: dict[str, float] | None = None,
    list_size: int = 50_000,
    weighted_population: float | None = None,
    policy: dict | None = None,
    estate: dict | None = None,
    **role_settings,
) -> Scenario:
    categories = load_assumptions().categories.index
    demand = demand or {}
    data = {
        "pcn": {"name": "Test PCN", "list_size": list_size, "weighted_population": weighted_population or list_size},
        "year": year,
        "money": {"arrs_sum_gbp": arrs_sum, "top_up_budget_gbp": top_up},
        "estate": {"room_sessions_per_week": rooms, **(estate or {})},
        "demand": {d: {"contacts_per_year": demand.get(d, HUGE)} for d in categories},
        "policy": {"valuation": "contacts", "min_post_wte": 0, **(policy or {})},
        **only_roles(year, contacts, **role_settings),
    }
    return parse_scenario(data, "test")


def check_result(result: Result, tolerance: float = 1e-5) -> list[str]:
    """Re-verify every rule from the result tables alone, as an auditor would; returns the breaches."""
    inputs = result.inputs
    mix = result.mix(include_zero=True)
    roles = inputs.allowed_roles
    breaches = []

    def over(amount: float, limit: float, what: str) -> None:
        """Allows the solver's feasibility tolerance (1e-7 per unit) on terms of up to £100,000."""
        if amount > limit + tolerance * max(1.0, abs(limit), abs(amount)) + 0.02:
            breaches.append(f"{what}: {amount:,.4f} > {limit:,.4f}")

    for r in roles.index:
        arrs, own = mix.at[r, "arrs_funded_wte"], mix.at[r, "own_funded_wte"]
        if own < -tolerance or arrs < -tolerance or not math.isclose(arrs + own, mix.at[r, "total_wte"], abs_tol=1e-6):
            breaches.append(f"{r}: ARRS-funded {arrs} + own-funded {own} WTE is not its total {mix.at[r, 'total_wte']}")
        if own > 1e-6 and inputs.top_up_budget_gbp <= 0:
            breaches.append(f"{r}: {own} WTE paid by the PCN with no top-up budget")
    catalogue = load_catalogue(inputs.scenario.year)

    def tiers(r: str) -> list[tuple[float, float, float]]:
        """(WTE, ARRS share, co-funder share) per co-funding tier: with a written agreement the first post (up to 1 WTE)
        keeps the catalogue's shares and later posts take the agreement tier's (DES Tables 3a/3b)."""
        arrs = mix.at[r, "arrs_funded_wte"]
        setting = inputs.scenario.roles.get(r)
        tier = catalogue.agreement_tier(r) if r in catalogue.roles.index else None
        if setting is None or not setting.co_funding_agreement or tier is None:
            return [(arrs, roles.at[r, "arrs_share"], roles.at[r, "co_funder_share"])]
        first = catalogue.roles.loc[r]
        share = first["arrs_share"] if setting.arrs_share is None else setting.arrs_share
        return [(min(arrs, 1.0), share, first["co_funder_share"]), (max(arrs - 1.0, 0.0), tier["arrs_share"], tier["co_funder_share"])]

    def claimable(r: str) -> float:
        return min(roles.at[r, "cost_per_wte_gbp"], roles.at[r, "max_reimbursable_gbp"])

    for pot, row in inputs.funding.iterrows():
        members = roles.index[roles["funding_pot"] == pot]
        claimed = sum(wte * claimable(r) * share for r in members for wte, share, _ in tiers(r))
        in_post = sum(roles.at[r, "in_post_wte"] * claimable(r) * roles.at[r, "arrs_share"] for r in members)
        beyond = inputs.in_post_beyond_arrs_gbp[pot]  # paid outside ARRS: only what staff in post claim beyond the sum
        if abs(beyond - (0.0 if inputs.scenario.policy.allow_reducing_in_post else max(in_post - row["sum_gbp"], 0.0))) > 0.01:
            breaches.append(f"pot {pot}: £{beyond:,.2f} paid outside ARRS, but staff in post claim £{in_post:,.2f} of £{row['sum_gbp']:,.2f}")
        over(claimed, row["sum_gbp"] + beyond, f"ARRS claims in pot {pot}")
        if not math.isclose(claimed - beyond, result.money().at[f"{POT_NAMES.get(pot, pot)}: claimed", "gbp_per_year"], rel_tol=1e-6, abs_tol=0.01):
            breaches.append(f"money table disagrees with the ARRS claims re-derived from the mix in pot {pot}")
    money = result.money()["gbp_per_year"]
    rented = result.summary()["rented_sessions_per_week"]
    over(rented, inputs.rentable_sessions_per_week, "rented sessions")
    top_up = sum(
        sum(wte * max(0.0, roles.at[r, "cost_per_wte_gbp"] * (1 - co_share) - claimable(r) * share) for wte, share, co_share in tiers(r))
        + mix.at[r, "own_funded_wte"] * roles.at[r, "cost_per_wte_gbp"]
        for r in roles.index
    ) + rented * inputs.rent_gbp_per_session_per_year
    supervision = result.supervision()
    for p, (hours, price) in inputs.supervision_available.items():
        needed = sum(mix.at[r, "total_wte"] * per_wte for r, (who, per_wte) in inputs.supervision_needs.items() if who == p)
        bought = supervision.at[p, "bought_hours_per_week"] if p in supervision.index else 0.0
        if bought > 1e-9 and price is None:
            breaches.append(f"{p}: supervision bought without a price")
        over(needed, hours + bought, f"supervision hours of {p}")
        top_up += bought * (price or 0.0) * 52
    over(top_up, inputs.top_up_budget_gbp, "top-up")
    used = sum(money.get(k, 0.0) for k in ("Top-up used: staff costs above reimbursement", "Top-up used: posts paid wholly by the PCN",
                                           "Top-up used: rented room sessions", "Top-up used: supervision bought"))
    if not math.isclose(used, top_up, rel_tol=1e-6, abs_tol=1e-3):
        breaches.append("money table disagrees with the top-up re-derived from the mix")
    room_need = sum(
        mix.at[r, "total_wte"] * roles.at[r, "room_sessions_per_wte_per_week"] * (1 - roles.at[r, "remote_share"])
        for r in roles.index if roles.at[r, "room_need"] == "clinical_room"
    )
    over(room_need, inputs.room_sessions_per_week + rented, "clinical room sessions")
    for r in roles.index:
        total = mix.at[r, "total_wte"]
        if not math.isnan(roles.at[r, "cap_wte"]):
            over(mix.at[r, "arrs_funded_wte"], roles.at[r, "cap_wte"], f"cap on ARRS-funded {r}")
        if not inputs.scenario.policy.allow_reducing_in_post:
            over(roles.at[r, "in_post_wte"], total, f"in-post floor of {r}")
        over(total, roles.at[r, "in_post_wte"] + roles.at[r, "max_new_wte"], f"recruitment limit of {r}")
        if total < -tolerance:
            breaches.append(f"negative WTE for {r}")
    if inputs.scenario.policy.whole_posts:
        size = inputs.scenario.policy.post_size_wte
        for r in roles.index:
            posts = (mix.at[r, "total_wte"] - roles.at[r, "in_post_wte"]) / size
            if abs(posts - round(posts)) > 1e-6:
                breaches.append(f"{r} is not a whole number of posts")
    minimum = inputs.scenario.policy.min_post_wte
    if minimum > 0 and not inputs.scenario.policy.whole_posts:
        for r in roles.index:
            new = mix.at[r, "total_wte"] - roles.at[r, "in_post_wte"]
            if 1e-6 < new < minimum - 1e-6:
                breaches.append(f"{r}: a new post of {new:.4f} WTE is below the minimum post size {minimum:g}")
    by_role = result.care_by_role()
    for r in roles.index:
        used = by_role["assigned_wte"][by_role.index.get_level_values("role") == r].sum()
        over(used, mix.at[r, "total_wte"], f"time assigned for {r}")
    care = result.care()
    for d, row in care.iterrows():
        delivered = sum(
            contacts * wte for (r, cat), (wte, contacts) in
            ((k, (v, inputs.productivity[k])) for k, v in by_role["assigned_wte"].items()) if cat == d
        )
        over(delivered, row["demand_contacts_per_year"], f"contacts served in {d}")
        if not math.isclose(delivered, row["served_contacts_per_year"], rel_tol=1e-6, abs_tol=1e-4):
            breaches.append(f"care table disagrees for {d}: {row['served_contacts_per_year']} vs {delivered}")
    score = _care_score(result)
    if not math.isclose(score, result.summary()["care_score"], rel_tol=1e-6, abs_tol=1e-6):
        breaches.append(f"care score {result.summary()['care_score']} but the care table gives {score}")
    return breaches


def _care_score(result: Result) -> float:
    """100 × Σ p W f(share) / Σ p W, with f interpolated through its corner points: not the package's code path."""
    curve = result.inputs.value_curve
    shares = [0.0, *curve.breakpoints]
    heights = np.concatenate([[0.0], np.cumsum(np.diff(shares) * np.array(curve.slopes))])
    care = result.care()
    reference = result.inputs.categories["reference_contacts_per_wte_year"]
    size = (care["demand_contacts_per_year"] / reference).fillna(0.0)
    share = (care["served_contacts_per_year"] / care["demand_contacts_per_year"]).where(care["demand_contacts_per_year"] > 0, 0.0)
    weight = care["priority_weight"] * size
    return float(100 * (weight * np.interp(share, shares, heights)).sum() / weight.sum()) if weight.sum() > 0 else 0.0
