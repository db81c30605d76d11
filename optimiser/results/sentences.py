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
    """The sentence for a PCN whose staff in post claim more ARRS than its sum, said right after the answer (CLI, app,
    board report, workbook): it is why nobody new is paid from ARRS, and someone outside the top-up budget pays it."""
    beyond = {pot: amount for pot, amount in inputs.in_post_beyond_arrs_gbp.items() if amount > 0}
    parts = [f"£{amount:,.0f} a year more than the {POT_NAMES.get(pot, pot)} of £{inputs.arrs_sums_gbp[pot]:,.0f}"
             for pot, amount in beyond.items()]
    sums = " and ".join(f"the {POT_NAMES.get(pot, pot)}" for pot in beyond)
    return (f"Staff already in post would claim {' and '.join(parts)}: they are all kept, and that £{sum(beyond.values()):,.0f} "
            f"a year is taken as paid outside ARRS, on top of the £{inputs.top_up_budget_gbp:,.0f} top-up budget (by the "
            f"practices or other funding: check who will pay it), so nothing of {sums} is left for new posts.")


IN_POST_BEYOND_ARRS_SETTING = ("To treat staff in post beyond the ARRS sum as a conflict instead, set "
                               "policy.in_post_beyond_arrs_sum: infeasible.")


def marginal_in_user_units(row, unit: CareUnit) -> float:
    per_unit = row["marginal_care_per_unit"]
    return per_unit * unit.money_step_gbp if row["unit"] == "£ a year" else per_unit


def marginal_unit(row, unit: CareUnit) -> str:
    return f"{unit.name} per extra {constraints.per_unit(row['unit'], unit.money_step_gbp)}"


def explain_binding(info: RowInfo, row: dict, result: SolvedNumbers) -> str:
    """One plain-English sentence per binding limit, from the constraint registry: never from the constraint's name."""
    unit = result.unit
    gain, left = marginal_in_user_units(row, unit), result.care_left_to_gain
    more = (f"{'deliver' if unit.digits == 0 else 'add'} about {unit.amount(gain)}" if gain <= left else
            f"add at most {unit.amount(left)}, all the care still to gain")
    words = constraints.Words(
        name=constraints.label_name(info.family, info.label, result.inputs), label=info.label, limit=row["limit"], gain=gain,
        more=more, money=f"£{unit.money_step_gbp:,.0f}", amount=unit.amount, left=left,
        rented=result.value("rented_sessions"), rentable=result.inputs.rentable_sessions_per_week,
        bought=result.bought_hours(info.label),
        min_post_wte=result.scenario.policy.min_post_wte or 0.0, worth_saying=abs(gain) >= 0.5 * 10 ** -unit.digits,
    )
    return constraints.binding_sentence(info.family, info.name, words, no_gain=not words.worth_saying)
