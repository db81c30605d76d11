"""A result as the app and the reports show it: tables with labelled columns and units, and sentences in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import pandas as pd
from pydantic import BaseModel

from optimiser import constraints
from optimiser.catalogue_rules import is_estimate, past_year_note
from optimiser.results import Result
from optimiser.results.sentences import in_post_beyond_arrs_note
from optimiser.scenario import FIELD_LABELS, Scenario
from optimiser.valuation import care_unit
from optimiser.words import wte_list

ESTIMATE_MARK = " *"
ESTIMATE_NOTE = (
    "* Maximum reimbursable amount not a published national figure: 'derived' is arithmetic on published "
    "figures and rules, 'provisional' rests on a figure not yet confirmed for the year (the catalogue gives "
    "the working of each). Check these against your ICB's current figures before relying on them."
)
UNSPENT_WHY = "lost to the PCN; why: What limits you, below"
"""Said beside unspent ARRS wherever the figure is shown (the report's headline, the app's metric): it is lost, and
the reason is in What limits you, so a manager does not read the bold figure with no why beside it."""



def past_year_line(year: str) -> str | None:
    """The note a result for a past financial year carries (the report's header, the app's result)."""
    return past_year_note(year, "this scenario is for")


CARE_SCORE_SCALE = "out of 100: every need fully met"
VALUATION_TEXT = {
    "share": "the mix maximises it: each need's share met, sized in clinical time, first parts worth most",
    "equal-share": "the mix first raises the lowest share of need met, then maximises the score",
    "contacts": "the mix maximises priority-weighted contacts, whatever their length; the score is shown for comparison",
}
"""What the mix does with the care score under each valuation (`policy.valuation`): said after the score in the CLI's
headline and in the app's help on it."""


def care_score_help(valuation: str) -> str:
    """The care score's meaning beside the app's figure, in the CLI's words: its scale, what the mix did with it, and
    (when it is their unit) that the lines of What limits you count in its points."""
    scale, done = CARE_SCORE_SCALE, VALUATION_TEXT[valuation]
    unit = care_unit(valuation).name
    points = f" Each line of What limits you says how many {unit} a change would add." if "care score" in unit else ""
    return f"{scale[:1].upper()}{scale[1:]}. {done[:1].upper()}{done[1:]}.{points}"


MEASURES: dict[str, str] = {
    "total_wte": "Staff (WTE)",
    "new_wte": "New staff (WTE)",
    "arrs_sum_gbp_per_year": "ARRS sum (£ a year)",
    "arrs_claimed_gbp_per_year": "ARRS claimed (£ a year)",
    "arrs_unspent_gbp_per_year": "ARRS unspent (£ a year)",
    "in_post_beyond_arrs_gbp_per_year": "Staff in post beyond the ARRS sum, paid outside ARRS (£ a year)",
    "top_up_used_gbp_per_year": "Top-up used (£ a year)",
    "total_cost_gbp_per_year": "Total cost: staff and rented rooms (£ a year)",
    "demand_contacts_per_year": "Contacts needed (contacts a year)",
    "served_contacts_per_year": "Contacts served (contacts a year)",
    "unmet_contacts_per_year": "Contacts unmet (contacts a year)",
    "priority_weighted_contacts_per_year": "Priority-weighted care (weighted contacts a year)",
    "care_score": f"Care score ({CARE_SCORE_SCALE})",
    "need_met_wte_years": "Need met in clinical time (WTE-years a year at each need's reference rate)",
    "rented_sessions_per_week": "Rented room sessions (sessions a week)",
    "own_funded_wte": "Posts paid wholly by the PCN (WTE)",
}
"""Headline measures of `Result.summary()` in words, with their units."""


def answer_in_words(result: Result) -> str:
    """How far the answer can be trusted, in a manager's words, then staff in post beyond the ARRS sum where there are
    some (the fact that shapes such an answer most); `technical_details` keeps the solver's method."""
    beyond = f" {in_post_beyond_arrs_note(result.inputs)}" if sum(result.inputs.in_post_beyond_arrs_gbp.values()) > 0 else ""
    return _trust_in_words(result) + beyond


def _trust_in_words(result: Result) -> str:
    solution = result.solution
    if not solution.proven_optimal:
        return f"Not proven to be the best mix (the solver stopped: {solution.status}); do not rely on these figures."
    if not solution.cheapest_confirmed:
        return ("Best mix found and proven: no mix within your limits gives more care, though a cheaper way to give the "
                "same care could not be ruled out.")
    return "Best mix found and proven: no mix within your limits gives more care, and none gives the same care for less."


def technical_details(result: Result) -> str:
    """The solver's status and method behind the answer, for the exports and anyone who wants the technique."""
    method = result.solution.method
    return f"{result.status_text[:1].upper()}{result.status_text[1:]}. {method[:1].upper()}{method[1:]}."


def role_label(name: str, status: str) -> str:
    return f"{name}{ESTIMATE_MARK}" if is_estimate(status) else name


def mix_in_words(result: Result, name_kept: bool = False) -> str:
    """The mix as one sentence: what to recruit (largest first) and what stays in post; `name_kept` also names every
    role kept in post, so a printed page stands without its chart."""
    mix = result.mix()
    names, in_post = mix["role_name"], mix["total_wte"] - mix["new_wte"]
    new = mix["new_wte"][lambda wte: wte > 0.005].sort_values(ascending=False, kind="stable")
    kept = in_post[lambda wte: wte > 0.005].sort_values(ascending=False, kind="stable")
    recruit = (f"Recruit {new.sum():.1f} WTE: " + wte_list([(w, r) for r, w in new.items()], names, shown=len(new))
               if len(new) else "Recruit no new staff")
    keep = f"Keep {float(in_post.sum()):.1f} WTE in post"
    if name_kept and len(kept):
        keep += ": " + wte_list([(w, r) for r, w in kept.items()], names, shown=len(kept))
    reduced = float(mix["reduced_wte"].sum())
    tail = f"; reduce in-post staff by {reduced:.1f} WTE" if reduced > 0.005 else ""
    return f"{recruit}. {keep}{tail}."


def mix_display(result: Result) -> pd.DataFrame:
    """The staffing mix with labelled columns and units; caps shown as published and whether lifted."""
    mix = result.mix()
    cap = [
        "" if pd.isna(p) else (f"{p:g} (lifted)" if pd.isna(c) else f"{c:g}")
        for p, c in zip(mix["published_cap_wte"], mix["cap_wte"])
    ]
    table = pd.DataFrame(
        {
            "Role": [role_label(n, s) for n, s in zip(mix["role_name"], mix["max_reimbursable_status"])],
            "In post (WTE)": mix["in_post_wte"],
            "New (WTE)": mix["new_wte"],
            "Total (WTE)": mix["total_wte"],
            "Cap (WTE)": cap,
            "Cost (£ a year)": mix["cost_gbp_per_year"],
            "ARRS claimed (£ a year)": mix["arrs_claimed_gbp_per_year"],
            "Top-up (£ a year)": mix["top_up_gbp_per_year"],
            "Room sessions (sessions a week)": mix["room_sessions_per_week"],
            "Max reimbursable (£ per WTE a year)": mix["max_reimbursable_gbp_per_wte"],
            "Max reimbursable status": mix["max_reimbursable_status"],
        },
        index=mix.index,
    )
    money = [c for c in table.columns if "£" in c]
    table[money] = table[money].round(0)  # whole pounds on screen; the downloads keep every penny
    return table


def money_display(result: Result) -> pd.DataFrame:
    """The money table in whole pounds, as the metrics above it show them."""
    money = result.money().reset_index()
    money["gbp_per_year"] = money["gbp_per_year"].round(0) + 0.0
    return money.rename(columns={"item": "Item", "gbp_per_year": "£ a year", "note": "How"})


def care_display(result: Result) -> pd.DataFrame:
    """Contacts a year per need, in whole contacts as the chart and its words give them (a list size rarely makes whole
    numbers of needed contacts)."""
    care = result.care()
    return pd.DataFrame(
        {
            "Demand category": care["category_name"],
            "Needed (contacts a year)": care["demand_contacts_per_year"].round(0) + 0.0,
            "Served (contacts a year)": care["served_contacts_per_year"].round(0) + 0.0,
            "Unmet (contacts a year)": care["unmet_contacts_per_year"].round(0) + 0.0,
            "Served (%)": care["served_share"] * 100,
            "Priority weight": care["priority_weight"],
        },
        index=care.index,
    )


def limits_display(result: Result) -> pd.DataFrame:
    """Binding limits, most valuable first: the sentence, then the marginal value with its unit (none where the
    constraint registry says the sentence alone gives it: staff in post kept)."""
    binding = result.binding_constraints()
    shown = binding["family"].map(lambda name: constraints.family(name).value_shown).astype(bool)
    return pd.DataFrame(
        {
            "What limits you": binding["explanation"],
            "Marginal value": binding["marginal_value"].where(shown),
            "Unit of the marginal value": binding["marginal_value_unit"].where(shown, ""),
        },
        index=binding.index,
    )


def conflicts_display(conflicts: pd.DataFrame | None) -> pd.DataFrame:
    if conflicts is None or conflicts.empty:
        return pd.DataFrame(columns=["What conflicts", "Limit", "Needed", "Unit"])
    return pd.DataFrame(
        {
            "What conflicts": conflicts["explanation"],
            "Limit": conflicts["limit"],
            "Needed": conflicts["needed"],
            "Unit": conflicts["unit"],
        },
        index=conflicts.index,
    )


_FIELD_PATH = re.compile(r"\b(pcn|money|estate|roles|custom_roles|demand|policy|supervision)((?:\.(?:<\w+>|\w+))+)(?:(: | is )(\w+))?")
ON_SCREEN = {"roles": " in the Roles table", "demand": " in the Demand table"}
"""Where a labelled setting's control is, by section; the others are in the sidebar."""
IN_THE_FILE = " in the scenario file"
"""Said after a setting the app has no control for (one not in FIELD_LABELS), named by its path in the file."""


def _branches(kind) -> list:
    return [k for k in get_args(kind)] if get_origin(kind) in (Union, UnionType) else [kind]


def scenario_setting(section: str, parts: list[str]):
    """The FIELD_LABELS key (`roles.max_new_wte` for `roles.<role>.max_new_wte`) and type of the setting a path names,
    or None when it names none (`roles.paramedic`, `results.csv`)."""
    kind, key = Scenario.model_fields[section].annotation, [section]
    for part in parts:
        branches = _branches(kind)
        model = next((k for k in branches if isinstance(k, type) and issubclass(k, BaseModel)), None)
        mapping = next((k for k in branches if get_origin(k) is dict), None)
        if model is not None and part in model.model_fields:
            kind = model.model_fields[part].annotation
            key.append(part)
        elif mapping is not None:
            kind = get_args(mapping)[1]
        else:
            return None
    if any((isinstance(k, type) and issubclass(k, BaseModel)) or get_origin(k) is dict for k in _branches(kind)):
        return None
    return ".".join(key), kind


def _values(kind) -> set[str]:
    """The words a setting of this type may be set to in a sentence (`: true`, `: infeasible`)."""
    words: set[str] = set()
    for branch in _branches(kind):
        if branch is bool:
            words |= {"true", "false"}
        elif get_origin(branch) is Literal:
            words |= {str(v) for v in get_args(branch)}
    return words


def in_words(text: str) -> str:
    """A core sentence for the app: scenario-file paths (`roles.<role>.max_new_wte`) become the labels on screen, or, for a
    setting the app has no control for, say it is set in the scenario file."""

    def label(match: re.Match) -> str:
        section, path, joint, value = match.groups()
        setting = scenario_setting(section, path.split(".")[1:])
        if setting is None:
            return match.group(0)
        key, kind = setting
        after = ""
        if value is not None and value not in _values(kind):
            after, value = joint + value, None  # not the setting's value: text that follows it
        words = FIELD_LABELS.get(key)
        if words is None:
            return f"{section}{path}{': ' + value if value else ''}{IN_THE_FILE}{after}"
        state = {None: "", "true": " switched on", "false": " switched off"}.get(value, f" set to {value}")
        return f"“{words}”{ON_SCREEN.get(section, '')}{state}{after}"

    return _FIELD_PATH.sub(label, text)


def lead_limits(result: Result, limits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of limits_display that lead (Result.lead_limits, the rule the CLI and board report use) and the rest."""
    lead, rest = result.lead_limits()
    return limits.loc[lead.index], limits.loc[rest.index]


def care_in_words(result: Result) -> str:
    """Contacts served of those needed, per category, in one sentence: the care chart's text alternative."""
    care = result.care()
    return "; ".join(f"{row['category_name']}: {row['served_contacts_per_year']:,.0f} of {row['demand_contacts_per_year']:,.0f} "
                     f"served ({row['served_share']:.0%}), {row['unmet_contacts_per_year']:,.0f} unmet"
                     for _, row in care.iterrows()) + "."


@dataclass(frozen=True)
class ResultView:
    """Everything the app's Result tab shows of a solved scenario, built once: the app keeps it per scenario, so a
    rerun without an edit rebuilds none of it."""

    summary: dict[str, Any]
    answer: str  # answer_in_words
    technical: str  # technical_details
    mix_words: str  # mix_in_words
    mix: pd.DataFrame  # mix_display
    money: pd.DataFrame  # money_display
    care: pd.DataFrame  # care_display
    limits: pd.DataFrame  # limits_display, every binding limit
    lead: pd.DataFrame  # the rows of `limits` that lead (lead_limits)
    rest: pd.DataFrame  # the other rows
    notes: list[str]  # Result.notes
    charts: dict[str, Any]  # "mix", "money", "care": the Altair charts, each with its figures in words as its description


def result_view(result: Result) -> ResultView:
    """The Result tab's tables, sentences and charts of one result, in the words and units above."""
    from optimiser import charts

    limits = limits_display(result)
    lead, rest = lead_limits(result, limits) if not limits.empty else (limits, limits)
    return ResultView(
        summary=result.summary(), answer=answer_in_words(result), technical=technical_details(result),
        mix_words=mix_in_words(result), mix=mix_display(result), money=money_display(result), care=care_display(result),
        limits=limits, lead=lead, rest=rest, notes=result.notes(),
        charts={"mix": charts.mix_chart(result), "money": charts.money_chart(result), "care": charts.care_chart(result)},
    )
