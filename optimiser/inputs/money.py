"""The money side: each funding pot's ARRS sum, and what staff in post would claim beyond it."""

from __future__ import annotations

from functools import cache

import numpy as np

from optimiser.catalogue import load_catalogue
from optimiser.inputs.model_inputs import MAIN_POT
from optimiser.scenario import Scenario


def arrs_sums(scenario: Scenario) -> dict[str, float]:
    """Weighted population × each pot's £ per weighted patient, unless the scenario gives the main ARRS sum."""
    rates = _funding_rates(scenario.year)
    sums = {pot: rate * scenario.pcn.weighted_population for pot, rate in rates.items()}
    if scenario.money.arrs_sum_gbp is not None:
        sums[MAIN_POT] = scenario.money.arrs_sum_gbp
    return sums


@cache
def _funding_rates(year: str) -> dict[str, float]:
    return load_catalogue(year).funding["gbp_per_weighted_patient"].to_dict()


def in_post_beyond_arrs(scenario: Scenario, role_data: dict[str, np.ndarray], sums: dict[str, float]) -> dict[str, float]:
    """What staff in post would claim beyond each pot's ARRS sum: taken as paid outside ARRS, so new posts cannot use it.

    Many real PCNs employ more ARRS-role staff than their sum pays for. Unless the scenario says such a PCN is
    infeasible, or lets in-post staff be reduced (then the model decides), the excess is stated, not an error.
    """
    policy = scenario.policy
    if policy.allow_reducing_in_post or policy.in_post_beyond_arrs_sum == "infeasible":
        return dict.fromkeys(sums, 0.0)
    claims = role_data["claim_per_wte_gbp"] * role_data["in_post_wte"]
    return {pot: max(float(claims[role_data["funding_pot"] == pot].sum()) - total, 0.0) for pot, total in sums.items()}
