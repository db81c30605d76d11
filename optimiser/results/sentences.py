"""The sentences that explain a result's limits, written from the constraint registry (never from a constraint's
name): a binding limit and its marginal value in the user's units, and staff in post beyond the ARRS sum."""

from __future__ import annotations

from optimiser import constraints
from optimiser.catalogue import POT_NAMES
from optimiser.inputs import ModelInputs
from optimiser.layout import RowInfo
from optimiser.results.numbers import SolvedNumbers
from optimiser.valuation import CareUnit


def in_post_beyond_arrs_note(inputs: ModelInputs) -> str:
    """The sentence for a PCN whose staff in post cost more ARRS than its sum: one wording for CLI, app and batch."""
    beyond = {pot: amount for pot, amount in inputs.in_post_beyond_arrs_gbp.items() if amount > 0}
    parts = [f"£{amount:,.0f} a year more than the {POT_NAMES.get(pot, pot)} of £{inputs.arrs_sums_gbp[pot]:,.0f}"
             for pot, amount in beyond.items()]
    return (f"Staff already in post would claim {' and '.join(parts)}: that part of their cost is taken as paid outside "
            "ARRS (the PCN's own money or other funding), so no ARRS is left for new posts and the plan optimises the rest. "
            "Set policy.in_post_beyond_arrs_sum: infeasible to treat this as a conflict instead.")


def marginal_in_user_units(row, unit: CareUnit) -> float:
    per_unit = row["marginal_care_per_unit"]
    return per_unit * unit.money_step_gbp if row["unit"] == "£ a year" else per_unit


def marginal_unit(row, unit: CareUnit) -> str:
    return f"{unit.name} per extra {constraints.per_unit(row['unit'], unit.money_step_gbp)}"


def explain_binding(info: RowInfo, row: dict, result: SolvedNumbers) -> str:
    """One plain-English sentence per binding limit, from the constraint registry: never from the constraint's name."""
    unit = result.unit
    gain = marginal_in_user_units(row, unit)
    words = constraints.Words(
        name=constraints.label_name(info.family, info.label, result.inputs), label=info.label, limit=row["limit"], gain=gain,
        more=f"{'deliver' if unit.digits == 0 else 'add'} about {unit.amount(gain)}", money=f"£{unit.money_step_gbp:,.0f}",
        amount=unit.amount, rented=result.value("rented_sessions"), rentable=result.inputs.rentable_sessions_per_week,
        bought=result.bought_hours(info.label),
        min_post_wte=result.scenario.policy.min_post_wte or 0.0, worth_saying=abs(gain) >= 0.5 * 10 ** -unit.digits,
    )
    return constraints.binding_sentence(info.family, info.name, words, no_gain=not words.worth_saying)
