"""Resolve a scenario against the year's catalogue and the default assumptions into labelled model inputs.

This is the only place where defaults meet overrides, so the model builder sees one number per
role, category and pot, with units in the column names, and never looks anything up itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import pandas as pd

from optimiser import paycost
from optimiser.assumptions import load_assumptions, load_supervision
from optimiser.catalogue import CAP_THRESHOLD_LIST_SIZE, load_catalogue
from optimiser.catalogue_rules import financial_year_of_year, on_cost_rules
from optimiser.derived_amounts import afc_bands, afc_pay_point_gbp, band_maximum
from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario
from optimiser.scenario_sections import DERIVE_FROM_BAND
from optimiser.valuation import ValueCurve, clinical_size_wte, default_curve, make_curve, reference_contacts_per_wte

ROOM_WEEKS_PER_YEAR = 52
"""A rented session a week is paid for every week of the year (assumption)."""
SUPERVISION_WEEKS_PER_YEAR = 52
"""Supervision hours a week are yearly averages (hours a year ÷ 52), so a bought hour a week is paid 52 times."""

MAIN_POT = "arrs"


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model needs, as tables indexed by `role`, `category` and `pot`."""

    scenario: Scenario
    role_ids: pd.Index  # every role in the year's catalogue, then the scenario's custom roles
    role_keys: np.ndarray  # the same ids as plain strings (fast to index and loop over)
    role_data: dict[str, np.ndarray]  # one array per column, in role_ids order
    category_ids: pd.Index
    category_keys: tuple[str, ...]  # the same ids as plain strings
    category_data: dict[str, np.ndarray]  # one array per column, in category_ids order
    contacts_by_pair: dict[tuple[str, str], float]  # contacts per WTE-year by (role, category), allowed roles only
    arrs_sums_gbp: dict[str, float]  # the ARRS sum of each funding pot, £ a year
    top_up_budget_gbp: float
    room_sessions_per_week: float
    rentable_sessions_per_week: float
    rent_gbp_per_session_per_year: float
    desk_sessions_per_week: float | None
    value_curve: ValueCurve  # f, the value of each share of a need met (valuations share and equal-share)
    supervision_needs: dict[str, tuple[str, float]]  # allowed role → (supervising profession, hours a week per WTE)
    supervision_available: dict[str, tuple[float, float | None]]  # profession → (hours a week, £ per extra hour or None)
    in_post_beyond_arrs_gbp: dict[str, float]  # per pot: in-post ARRS claims above the sum, paid outside ARRS, £ a year
    warnings: tuple[str, ...] = ()  # inputs allowed but worth a second look, e.g. a salary below its band

    @cached_property
    def arrs_limits_gbp(self) -> dict[str, float]:
        """What ARRS claims may reach per pot: the sum, or what staff in post already claim where that is more."""
        return {pot: total + self.in_post_beyond_arrs_gbp.get(pot, 0.0) for pot, total in self.arrs_sums_gbp.items()}

    @cached_property
    def roles(self) -> pd.DataFrame:
        """Every catalogue role with the scenario's settings, money per WTE, room needs and cap, indexed by role."""
        return pd.DataFrame(self.role_data, index=self.role_ids)

    @cached_property
    def allowed_roles(self) -> pd.DataFrame:
        return self.roles[self.roles["allowed"]]

    @cached_property
    def categories(self) -> pd.DataFrame:
        """Need, priority and size in clinical time per demand category, indexed by category."""
        return pd.DataFrame(self.category_data, index=self.category_ids)

    @cached_property
    def allowed_ids(self) -> list[str]:
        return self.role_keys[self.role_data["allowed"]].tolist()

    @cached_property
    def allowed_data(self) -> dict[str, np.ndarray]:
        """The allowed roles' columns as arrays, in the model's role order."""
        allowed = self.role_data["allowed"]
        return {column: values[allowed] for column, values in self.role_data.items()}

    @cached_property
    def role_columns(self) -> dict[str, dict[str, object]]:
        """The allowed roles' columns as plain dicts (column → role → value), for code that looks roles up by id."""
        return {column: dict(zip(self.allowed_ids, values.tolist())) for column, values in self.allowed_data.items()}

    @cached_property
    def productivity(self) -> pd.Series:
        """Contacts per WTE-year, indexed by (role, category): which roles serve which demand, and how much."""
        index = pd.MultiIndex.from_tuples(list(self.contacts_by_pair), names=["role", "category"])
        return pd.Series(list(self.contacts_by_pair.values()), index=index, name="contacts_per_wte_year", dtype=float)

    @cached_property
    def funding(self) -> pd.DataFrame:
        """Each funding pot: its sum, and whether the scenario gave it or it comes from the published rate."""
        pots = load_catalogue(self.scenario.year).funding
        return pd.DataFrame(
            {
                "gbp_per_weighted_patient": pots["gbp_per_weighted_patient"],
                "status": pots["status"],
                "basis": pots["basis"],
                "source": pots["source"],
                "sum_gbp": [self.arrs_sums_gbp[pot] for pot in pots.index],
                "sum_is_given": (pots.index == MAIN_POT) & (self.scenario.money.arrs_sum_gbp is not None),
            },
            index=pots.index.rename("pot"),
        )


def prepare(scenario: Scenario) -> ModelInputs:
    role_ids, role_keys, role_data, warnings = _roles(scenario)
    arrs_sums = _arrs_sums(scenario)
    contacts = _all_contacts(scenario)
    allowed = set(role_keys[role_data["allowed"]].tolist())
    curve = scenario.policy.value_curve
    return ModelInputs(
        scenario=scenario,
        role_ids=role_ids,
        role_keys=role_keys,
        role_data=role_data,
        category_ids=_category_defaults()[0],
        category_keys=_category_defaults()[2],
        category_data=_categories(scenario, reference_contacts_per_wte(contacts)),
        contacts_by_pair={key: value for key, value in contacts.items() if key[0] in allowed},
        value_curve=default_curve() if curve is None else make_curve(curve.breakpoints, curve.slopes),
        supervision_needs=_supervision_needs(scenario, allowed),
        supervision_available={p: (c.hours_per_week, c.gbp_per_hour) for p, c in scenario.supervision.available.items()},
        arrs_sums_gbp=arrs_sums,
        in_post_beyond_arrs_gbp=_in_post_beyond_arrs(scenario, role_data, arrs_sums),
        top_up_budget_gbp=scenario.money.top_up_budget_gbp,
        room_sessions_per_week=scenario.estate.room_sessions_per_week,
        rentable_sessions_per_week=scenario.estate.rentable_sessions_per_week,
        rent_gbp_per_session_per_year=scenario.estate.rent_gbp_per_session * ROOM_WEEKS_PER_YEAR,
        desk_sessions_per_week=scenario.estate.desk_sessions_per_week,
        warnings=tuple(warnings),
    )


@cache
def _role_defaults(year: str, london_weighting: str) -> tuple[pd.Index, dict[str, np.ndarray], tuple[np.ndarray, dict[str, int]]]:
    """The year's catalogue joined with the default room needs, as arrays: done once per year, not per scenario."""
    catalogue, defaults = load_catalogue(year), load_assumptions()
    missing = set(catalogue.roles.index) - set(defaults.roles.index)
    if missing:
        raise ScenarioError([f"the default assumptions have no room needs for {sorted(missing)}"])
    table = (
        catalogue.roles.drop(columns=["max_reimbursable_gbp", "max_reimbursable_status"])
        .join(catalogue.max_reimbursable(london_weighting))
        .join(defaults.roles[["room_need", "room_sessions_per_wte_per_week", "remote_share"]])
    )
    return table.index, {c: table[c].to_numpy() for c in ROLE_DEFAULT_COLUMNS}, _positions(table.index)


@cache
def _positions_of(ids: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]]:
    return np.array(ids, dtype=object), {role: i for i, role in enumerate(ids)}


def _positions(index: pd.Index) -> tuple[np.ndarray, dict[str, int]]:
    """The ids as a plain array, and each id's position."""
    return _positions_of(tuple(index.tolist()))


ROLE_DEFAULT_COLUMNS = [
    "role_name", "afc_band", "max_reimbursable_gbp", "max_reimbursable_status", "arrs_share", "co_funder_share", "funding_pot",
    "cap_wte_below_100k", "cap_wte_from_100k", "room_need", "room_sessions_per_wte_per_week", "remote_share",
]
GIVEN = "given in the scenario"
"""Status of a maximum reimbursable amount the scenario sets (e.g. from an ICB's notice)."""


def _custom_role_defaults(scenario: Scenario) -> tuple[pd.Index, dict[str, np.ndarray]]:
    """The scenario's own roles in the same columns as the catalogue's: ARRS pot, no cap, their own shares and rooms."""
    rows = []
    for name, role in scenario.custom_roles.items():
        if role.max_reimbursable_gbp == DERIVE_FROM_BAND:
            derived = band_maximum(role.afc_band, scenario.year, scenario.policy.london_weighting)
            maximum, status = derived.amount_gbp, derived.status
        else:
            maximum, status = float(role.max_reimbursable_gbp), GIVEN
        rows.append({
            "role_name": role.name, "afc_band": role.afc_band or "", "max_reimbursable_gbp": maximum,
            "max_reimbursable_status": status, "arrs_share": role.arrs_share, "co_funder_share": 0.0, "funding_pot": MAIN_POT,
            "cap_wte_below_100k": np.nan, "cap_wte_from_100k": np.nan, "room_need": role.room_need,
            "room_sessions_per_wte_per_week": role.room_sessions_per_wte_per_week, "remote_share": role.remote_share,
        })
    table = pd.DataFrame(rows, columns=ROLE_DEFAULT_COLUMNS, index=pd.Index(list(scenario.custom_roles), name="role"))
    return table.index, {c: table[c].to_numpy() for c in ROLE_DEFAULT_COLUMNS}


def employment_cost(setting, band: str, year: str) -> tuple[float | None, list[str], list[str]]:
    """What a role costs per WTE a year from what the user gave (cost, salary, or band and point), the working, and warnings."""
    if setting.cost_per_wte_gbp is not None:
        return setting.cost_per_wte_gbp, [], []
    if setting.salary_gbp is not None:
        salary, working = setting.salary_gbp, []
    elif setting.afc_band is not None:
        point = afc_pay_point_gbp(setting.afc_band, setting.afc_point, year)
        salary, working, band = point.amount_gbp, list(point.working), setting.afc_band
    else:
        return None, [], []
    rules = on_cost_rules(year)
    return paycost.employer_cost_gbp(salary, rules), working + paycost.cost_working(salary, rules), _below_band(salary, band, year)


def _below_band(salary: float, band: str, year: str) -> list[str]:
    """A salary below the band's entry point is allowed (e.g. an apprentice) but worth a second look."""
    lowest = band.lower().removeprefix("band ").removeprefix("up to ").split("-")[0].strip() if band else ""
    if lowest not in afc_bands() or band.lower().startswith("up to"):
        return []
    entry = afc_pay_point_gbp(lowest, "entry", year).amount_gbp
    if salary >= entry - 0.5:
        return []
    return [f"salary £{salary:,.0f} is below the bottom of Agenda for Change band {lowest} in {year} (£{entry:,.0f}); check it"]


def _roles(scenario: Scenario) -> tuple[pd.Index, np.ndarray, dict[str, np.ndarray], list[str]]:
    """One row per role (the catalogue's, then the scenario's own): settings, money per WTE, room needs and the cap that applies."""
    policy = scenario.policy
    catalogue_index, catalogue_base, (keys, position) = _role_defaults(scenario.year, policy.london_weighting)
    if scenario.custom_roles:
        custom_index, custom_base = _custom_role_defaults(scenario)
        index = catalogue_index.append(custom_index)
        keys, position = _positions(index)
        base = {c: np.concatenate([catalogue_base[c], custom_base[c]]) for c in ROLE_DEFAULT_COLUMNS}
    else:
        index, base = catalogue_index, catalogue_base
    column = {c: base[c].copy() for c in ("role_name", "max_reimbursable_status", "funding_pot")}
    maximum = base["max_reimbursable_gbp"].astype(float)
    share = base["arrs_share"].astype(float)
    co_share = base["co_funder_share"].astype(float)
    catalogue = load_catalogue(scenario.year)

    allowed = np.ones(len(index), dtype=bool)
    in_post = np.zeros(len(index))
    max_new = np.full(len(index), np.inf)
    cost = maximum.copy()
    sessions = base["room_sessions_per_wte_per_week"].astype(float).copy()
    remote = base["remote_share"].astype(float).copy()
    first_share = np.full(len(index), np.nan)  # ARRS share of a first post claimed at a lower share (co-funding tiers)
    first_co_share = np.zeros(len(index))
    warnings = []
    for name, role in scenario.custom_roles.items():
        i = position[name]
        if role.salary_gbp is not None:
            cost[i] = paycost.employer_cost_gbp(role.salary_gbp, on_cost_rules(scenario.year))
            warnings += [f"custom_roles.{name}: {w}" for w in _below_band(role.salary_gbp, role.afc_band or "", scenario.year)]
    for role, setting in scenario.roles.items():
        i = position[role]
        allowed[i], in_post[i] = setting.allowed, setting.in_post_wte
        if setting.max_new_wte is not None:
            max_new[i] = setting.max_new_wte
        if setting.max_reimbursable_gbp is not None:
            maximum[i], column["max_reimbursable_status"][i] = setting.max_reimbursable_gbp, GIVEN
        if setting.arrs_share is not None:
            share[i] = setting.arrs_share
        given_cost, _, below = employment_cost(setting, str(base["afc_band"][i]), scenario.year)
        cost[i] = maximum[i] if given_cost is None and setting.max_reimbursable_gbp is not None else (
            cost[i] if given_cost is None else given_cost)
        warnings += [f"roles.{role}: {w}" for w in below]
        if setting.co_funding_agreement:
            tier = catalogue.agreement_tier(role) if role in catalogue.roles.index else None
            if tier is None:
                warnings.append(f"roles.{role}.co_funding_agreement has no effect: the {scenario.year} rules have no co-funding tiers for it")
            else:
                first_share[i], first_co_share[i] = share[i], co_share[i]
                share[i], co_share[i] = tier["arrs_share"], tier["co_funder_share"]
        if setting.room_sessions_per_wte_per_week is not None:
            sessions[i] = setting.room_sessions_per_wte_per_week
        if setting.remote_share is not None:
            remote[i] = setting.remote_share

    claimable = np.minimum(cost, maximum)
    claim = claimable * share
    co_funder = cost * co_share
    top_up = np.maximum(cost - claim - co_funder, 0.0)
    tiered = ~np.isnan(first_share)
    first_claim = np.where(tiered, claimable * np.nan_to_num(first_share), claim)
    first_co_funder = np.where(tiered, cost * first_co_share, co_funder)
    first_top_up = np.maximum(cost - first_claim - first_co_funder, 0.0)
    weekly = sessions * (1 - remote)
    capped_by_size = "cap_wte_from_100k" if scenario.pcn.list_size >= CAP_THRESHOLD_LIST_SIZE else "cap_wte_below_100k"
    published_cap = base[capped_by_size].astype(float)
    cap_removed = policy.remove_all_caps | np.isin(keys, list(policy.remove_caps))
    return index, keys, {
        **column,
        "arrs_share": share,
        "co_funder_share": co_share,
        "max_reimbursable_gbp": maximum,
        "allowed": allowed,
        "in_post_wte": in_post,
        "max_new_wte": max_new,
        "cost_per_wte_gbp": cost,
        "claim_per_wte_gbp": claim,
        "co_funder_per_wte_gbp": co_funder,
        "top_up_per_wte_gbp": top_up,
        "first_post_claim_change_gbp": first_claim - claim,
        "first_post_co_funder_change_gbp": first_co_funder - co_funder,
        "first_post_top_up_change_gbp": first_top_up - top_up,
        "room_need": base["room_need"],
        "room_sessions_per_wte_per_week": sessions,
        "remote_share": remote,
        "clinical_room_sessions_per_wte": np.where(base["room_need"] == "clinical_room", weekly, 0.0),
        "desk_sessions_per_wte": np.where(base["room_need"] == "desk", weekly, 0.0),
        "published_cap_wte": published_cap,
        "cap_removed": cap_removed,
        "cap_wte": np.where(cap_removed, np.nan, published_cap),
    }, warnings


@cache
def _category_defaults() -> tuple[pd.Index, dict[str, np.ndarray], tuple[str, ...]]:
    defaults = load_assumptions().categories
    columns = ("category_name", "contacts_per_1000_patients_per_year", "priority_weight")
    return defaults.index, {c: defaults[c].to_numpy() for c in columns}, tuple(defaults.index.tolist())


def _categories(scenario: Scenario, reference: dict[str, float]) -> dict[str, np.ndarray]:
    """Need, priority and size in clinical time per category (reference rate: see optimiser/valuation.py)."""
    _, defaults, names = _category_defaults()
    demand = defaults["contacts_per_1000_patients_per_year"] * scenario.pcn.list_size / 1000
    weight = defaults["priority_weight"].copy()
    is_default = np.ones(len(names), dtype=bool)
    for category, setting in scenario.demand.items():
        i = names.index(category)
        if setting.contacts_per_year is not None:
            demand[i], is_default[i] = setting.contacts_per_year, False
        if setting.priority_weight is not None:
            weight[i] = setting.priority_weight
    return {"category_name": defaults["category_name"], "priority_weight": weight,
            "demand_contacts_per_year": demand, "demand_is_default": is_default,
            "reference_contacts_per_wte_year": np.array([reference.get(d, np.nan) for d in names]),
            "clinical_size_wte": np.array(list(clinical_size_wte(dict(zip(names, demand.tolist())), reference).values()), dtype=float)}


@cache
def _default_contacts(financial_year: str) -> dict[tuple[str, str], float]:
    """The default capability table in force in a financial year (rows carry from_year/until_year)."""
    return load_assumptions().productivity_in(financial_year)["contacts_per_wte_year"].to_dict()


def _supervision_needs(scenario: Scenario, allowed: set[str]) -> dict[str, tuple[str, float]]:
    """Who supervises each allowed role and for how many hours a week per WTE: the defaults, then the scenario's own."""
    defaults = _supervision_defaults()
    needs = {}
    for role in sorted(allowed):
        supervisor, hours = defaults.get(role, ("none", 0.0))
        own = scenario.supervision.needs.get(role)
        if own is not None:
            supervisor = own.supervisor or supervisor
            hours = hours if own.hours_per_week_per_wte is None else own.hours_per_week_per_wte
        needs[role] = (supervisor, hours)
    return needs


@cache
def _supervision_defaults() -> dict[str, tuple[str, float]]:
    needs = load_supervision().needs
    return {role: (str(who), float(hours)) for role, who, hours in zip(needs.index, needs["supervisor_id"], needs["hours_per_week_per_wte"])}


def _all_contacts(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Contacts per WTE-year of every (role, category) pair in the scenario's productivity table, allowed or not."""
    contacts = dict(_default_contacts(financial_year_of_year(scenario.year)))
    for name, role in scenario.custom_roles.items():
        contacts |= {(name, category): value for category, value in role.serves.items()}
    for role, by_category in scenario.productivity.items():
        contacts |= {(role, category): value for category, value in by_category.items()}
    return {key: value for key, value in sorted(contacts.items()) if value > 0}


def _arrs_sums(scenario: Scenario) -> dict[str, float]:
    """Weighted population × each pot's £ per weighted patient, unless the scenario gives the main ARRS sum."""
    rates = _funding_rates(scenario.year)
    sums = {pot: rate * scenario.pcn.weighted_population for pot, rate in rates.items()}
    if scenario.money.arrs_sum_gbp is not None:
        sums[MAIN_POT] = scenario.money.arrs_sum_gbp
    return sums


@cache
def _funding_rates(year: str) -> dict[str, float]:
    return load_catalogue(year).funding["gbp_per_weighted_patient"].to_dict()


def _in_post_beyond_arrs(scenario: Scenario, role_data: dict[str, np.ndarray], sums: dict[str, float]) -> dict[str, float]:
    """What staff in post would claim beyond each pot's ARRS sum: taken as paid outside ARRS, so new posts cannot use it.

    Many real PCNs employ more ARRS-role staff than their sum pays for. Unless the scenario says such a PCN is
    infeasible, or lets in-post staff be reduced (then the model decides), the excess is stated, not an error.
    """
    policy = scenario.policy
    if policy.allow_reducing_in_post or policy.in_post_beyond_arrs_sum == "infeasible":
        return dict.fromkeys(sums, 0.0)
    claims = role_data["claim_per_wte_gbp"] * role_data["in_post_wte"]
    return {pot: max(float(claims[role_data["funding_pot"] == pot].sum()) - total, 0.0) for pot, total in sums.items()}
