"""The policy language of `batch --policy`: text → the scenario variants it names, checked before anything runs."""

from __future__ import annotations

import dataclasses
import difflib
import re

from optimiser import variants
from optimiser.batch.table import TableError
from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import available_years

POLICY_HELP = """\
Named policies, combined with commas (e.g. "no-caps,rooms+10%"; each thing changed once):
  as-published      the base scenario as it is (the year's published caps and rules)
  no-caps           every role cap removed
  uncap:ROLE        the cap on one role removed (e.g. uncap:enhanced_practice_nurse)
  rooms+N% / rooms-N%    clinical room sessions a week scaled by ±N%
  top-up+N% / top-up-N%  the PCN's top-up budget scaled by ±N%
  whole-posts       WTE changes only in whole posts
  reduce-in-post    staff in post may be reduced
  year:YYYY/YY      the rules, amounts and caps of another year (e.g. year:2024/25)"""

_NAMED = {
    "as-published": None,
    "no-caps": variants.lift_all_caps,
    "whole-posts": variants.whole_posts,
    "reduce-in-post": variants.allow_reducing_in_post,
}
_SCALE = re.compile(r"^(rooms|top-up)([+-])(\d+(?:\.\d+)?)%$")
_SCALERS = {"rooms": variants.scale_rooms, "top-up": variants.scale_top_up}
_CHANGES = {"rooms": "the clinical room sessions", "top-up": "the top-up budget", "year": "the year"}
"""What a scaling or a year changes: a policy may change each once (two would compound, or the second override the first)."""


@dataclasses.dataclass(frozen=True)
class Policy:
    """A named policy: its text as given and the variants it applies, in order."""

    text: str
    steps: tuple[variants.Variant, ...]

    def apply(self, scenario):
        return variants.apply(scenario, list(self.steps))


_FORMS = {"rooms+10%": "rooms+N% (e.g. 'rooms+10%')", "rooms-10%": "rooms-N% (e.g. 'rooms-10%')",
          "top-up+10%": "top-up+N% (e.g. 'top-up+10%')", "top-up-10%": "top-up-N% (e.g. 'top-up-10%')",
          "uncap:ROLE": "uncap:ROLE (e.g. 'uncap:enhanced_practice_nurse')", "year:2024/25": "year:YYYY/YY (e.g. 'year:2024/25')"}
"""Policies written with a number or name, as a misspelt one's closest match is suggested."""


def parse_policy(text: str, base_year: str) -> Policy:
    """A policy string as variants; raises TableError naming each part it does not know, with the closest one."""
    steps, problems, year, changed = [], [], base_year, {}
    if not text.strip():
        raise TableError(["a policy cannot be empty; use as-published for the base scenario as it is"])
    for part in (p.strip() for p in text.split(",")):
        scale = _SCALE.match(part)
        what = _CHANGES[scale.group(1)] if scale else _CHANGES["year"] if part.startswith("year:") else None
        if what and what in changed:
            problems.append(f"policy {text!r} changes {what} twice ({changed[what]}, then {part}); a policy may change each thing once")
        elif what:
            changed[what] = part
        if part in _NAMED:
            if _NAMED[part] is not None:
                steps.append(_NAMED[part])
        elif part.startswith("uncap:") and part[6:]:
            role = part[6:]
            known = list(load_catalogue(year).roles.index)
            if role not in known:
                close = difflib.get_close_matches(role, known, n=1, cutoff=0.5)
                hint = f"did you mean 'uncap:{close[0]}'?" if close else f"roles: {', '.join(sorted(known))}"
                problems.append(f"policy {text!r}: {role!r} is not a role in the {year} catalogue; {hint}")
            steps.append(_bind(variants.lift_cap, role))
        elif scale:
            factor = 1 + (1 if scale.group(2) == "+" else -1) * float(scale.group(3)) / 100
            if factor < 0:
                problems.append(f"policy {text!r}: {part} would make a negative amount")
            steps.append(_bind(_SCALERS[scale.group(1)], factor))
        elif part.startswith("year:"):
            if part[5:] not in available_years():
                problems.append(f"policy {text!r}: year {part[5:]!r} has no catalogue; choose one of {', '.join(available_years())}")
            else:
                year = part[5:]
            steps.append(_bind(variants.another_year, part[5:]))
        else:
            close = difflib.get_close_matches(part, [*_NAMED, *_FORMS], n=1, cutoff=0.5)
            hint = f" Did you mean {_FORMS.get(close[0], repr(close[0]))}?" if close else ""
            problems.append(f"policy {text!r}: {part!r} is not a policy.{hint}\n{POLICY_HELP}")
    if problems:
        raise TableError(problems)
    return Policy(text, tuple(steps))


class _bind:
    """A variant with its argument fixed; a class rather than a lambda so tasks can be pickled to workers."""

    def __init__(self, variant, argument):
        self.variant, self.argument = variant, argument

    def __call__(self, scenario):
        return self.variant(scenario, self.argument)
