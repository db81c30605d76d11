"""How role names, lists of posts and counts of sessions read inside a sentence: one rule each, for the terminal, the
app, the reports and the notes alike."""

from __future__ import annotations

from collections.abc import Mapping


def in_sentence(name: str) -> str:
    """A role name inside a sentence: 'Clinical pharmacist' → 'clinical pharmacist'; 'GP assistant' and 'MHP lead'
    keep their acronym as written."""
    return name if name[1:2].isupper() else f"{name[:1].lower()}{name[1:]}"


def joined(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def counted(count: int, one: str, many: str) -> str:
    """'1 PCN', '1,297 PCNs': a count and its noun, singular for one."""
    return f"{count:,} {one if count == 1 else many}"


def wte_list(amounts: list[tuple[float, str]], names: Mapping[str, str], shown: int = 3, digits: int = 1) -> str:
    """'2.0 WTE care co-ordinator, 1.0 WTE GP assistant and 3.1 WTE in 4 other roles': (WTE, role) pairs in the order
    given, the first `shown` by name and the rest counted, short enough for a board; a single one left is named, as
    'in 1 other role' is no shorter than its name."""
    shown = len(amounts) if len(amounts) == shown + 1 else shown
    parts = [f"{wte:.{digits}f} WTE {in_sentence(names[r])}" for wte, r in amounts[:shown]]
    rest = amounts[shown:]
    if rest:
        parts.append(f"{sum(w for w, _ in rest):.{digits}f} WTE in {len(rest)} other role{'s' if len(rest) > 1 else ''}")
    return joined(parts)


def sessions(count: float) -> str:
    """Room or desk sessions a week as people count them: whole where the number is whole to a tenth ('90', '0'), one
    decimal otherwise ('18.2'). The caller says the unit ("sessions a week") in the label or the sentence."""
    tenth = round(count, 1) + 0.0
    return f"{tenth:,.0f}" if tenth.is_integer() else f"{tenth:,.1f}"
