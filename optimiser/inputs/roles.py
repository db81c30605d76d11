"""One row per role: its defaults with the scenario's settings, what a WTE costs, claims and leaves to the top-up,
its room needs and the cap that applies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser import paycost
from optimiser.catalogue import CAP_THRESHOLD_LIST_SIZE, load_catalogue
from optimiser.catalogue_rules import on_cost_rules
from optimiser.derived_amounts import afc_bands, afc_pay_point_gbp
from optimiser.inputs.role_defaults import GIVEN, ROLE_DEFAULT_COLUMNS, custom_role_defaults, positions, role_defaults
from optimiser.scenario import Scenario


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


@dataclass(frozen=True)
class RoleTerms:
    """Each role's settings, money per WTE and room needs: all a scenario says of its roles but staff in post and its list
    size (which decides the cap). PCNs of one base and policy share them (a batch works them out once a chunk)."""

    index: pd.Index
    keys: np.ndarray
    settings: dict[str, np.ndarray]  # role data's columns before staff in post: names, pots, shares, allowed
    per_wte: dict[str, np.ndarray]  # its columns after staff in post: recruitment limit, money and rooms per WTE
    caps: dict[str, np.ndarray]  # the published cap by list size: cap_wte_below_100k, cap_wte_from_100k
    cap_removed: np.ndarray
    position: dict[str, int]
    warnings: list[str]

    def for_pcn(self, scenario: Scenario) -> dict[str, np.ndarray]:
        """The role data of a PCN: these terms with its staff in post and the cap for its list size."""
        in_post = np.zeros(len(self.keys))
        for role, setting in scenario.roles.items():
            in_post[self.position[role]] = setting.in_post_wte
        capped_by_size = "cap_wte_from_100k" if scenario.pcn.list_size >= CAP_THRESHOLD_LIST_SIZE else "cap_wte_below_100k"
        published_cap = self.caps[capped_by_size]
        return {
            **self.settings,
            "in_post_wte": in_post,
            **self.per_wte,
            "published_cap_wte": published_cap,
            "cap_removed": self.cap_removed,
            "cap_wte": np.where(self.cap_removed, np.nan, published_cap),
        }


def role_terms(scenario: Scenario) -> RoleTerms:
    """What a scenario says of its roles, but staff in post and the cap its list size chooses (see `RoleTerms`)."""
    policy = scenario.policy
    catalogue_index, catalogue_base, (keys, position) = role_defaults(scenario.year, policy.london_weighting)
    if scenario.custom_roles:
        custom_index, custom_base = custom_role_defaults(scenario)
        index = catalogue_index.append(custom_index)
        keys, position = positions(index)
        base = {c: np.concatenate([catalogue_base[c], custom_base[c]]) for c in ROLE_DEFAULT_COLUMNS}
    else:
        index, base = catalogue_index, catalogue_base
    column = {c: base[c].copy() for c in ("role_name", "max_reimbursable_status", "funding_pot")}
    maximum = base["max_reimbursable_gbp"].astype(float)
    share = base["arrs_share"].astype(float)
    co_share = base["co_funder_share"].astype(float)
    catalogue = load_catalogue(scenario.year)

    n = len(keys)
    allowed = np.ones(n, dtype=bool)
    max_new = np.full(n, np.inf)
    cost = maximum.copy()
    sessions = base["room_sessions_per_wte_per_week"].astype(float)
    remote = base["remote_share"].astype(float)
    first_share = np.full(n, np.nan)  # ARRS share of a first post claimed at a lower share (co-funding tiers)
    first_co_share = np.zeros(n)
    warnings = []
    for name, role in scenario.custom_roles.items():
        i = position[name]
        if role.salary_gbp is not None:
            cost[i] = paycost.employer_cost_gbp(role.salary_gbp, on_cost_rules(scenario.year))
            warnings += [f"custom_roles.{name}: {w}" for w in _below_band(role.salary_gbp, role.afc_band or "", scenario.year)]
    for role, setting in scenario.roles.items():
        i = position[role]
        allowed[i] = setting.allowed
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
    first_claim = np.where(tiered, claimable * first_share, claim)
    first_co_funder = np.where(tiered, cost * first_co_share, co_funder)
    first_top_up = np.maximum(cost - first_claim - first_co_funder, 0.0)
    weekly = sessions * (1 - remote)
    cap_removed = policy.remove_all_caps | np.fromiter((key in policy.remove_caps for key in keys), bool, n)
    settings = {**column, "arrs_share": share, "co_funder_share": co_share, "max_reimbursable_gbp": maximum, "allowed": allowed}
    per_wte = {
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
    }
    caps = {c: base[c].astype(float) for c in ("cap_wte_below_100k", "cap_wte_from_100k")}
    for shared in (*settings.values(), *per_wte.values(), *caps.values(), cap_removed):
        shared.flags.writeable = False  # shared by every PCN of a batch chunk
    return RoleTerms(index, keys, settings, per_wte, caps, cap_removed, position, warnings)
