"""Role names inside sentences: one rule (`optimiser.words`) for the terminal, the app, the reports and the notes."""

from __future__ import annotations

import re
from pathlib import Path

from optimiser.words import in_sentence, sessions, wte_list

PACKAGE = Path(__file__).resolve().parents[1] / "optimiser"
NAMES = {"gp": "GP assistant", "mhp": "MHP lead", "pharmacist": "Clinical pharmacist", "coordinator": "Care co-ordinator",
         "coach": "Health and wellbeing coach"}


def test_a_role_name_in_a_sentence_keeps_its_acronym_and_lowers_a_plain_word():
    assert [in_sentence(name) for name in NAMES.values()] == [
        "GP assistant", "MHP lead", "clinical pharmacist", "care co-ordinator", "health and wellbeing coach"]


def test_a_wte_list_names_the_largest_keeps_acronyms_and_counts_the_rest():
    """Five posts, three shown: 2.0 GP assistant, 1.5 MHP lead, 1.0 pharmacist by name; 0.5 + 0.25 = 0.75 → 0.8 (one
    decimal) in 2 other roles; with two decimals 0.75."""
    amounts = [(2.0, "gp"), (1.5, "mhp"), (1.0, "pharmacist"), (0.5, "coordinator"), (0.25, "coach")]
    assert wte_list(amounts, NAMES) == ("2.0 WTE GP assistant, 1.5 WTE MHP lead, 1.0 WTE clinical pharmacist and "
                                        "0.8 WTE in 2 other roles")
    assert wte_list(amounts[:1], NAMES) == "2.0 WTE GP assistant"
    assert wte_list(amounts[:4], NAMES) == ("2.0 WTE GP assistant, 1.5 WTE MHP lead, 1.0 WTE clinical pharmacist and "
                                            "0.5 WTE care co-ordinator")  # not '0.5 WTE in 1 other role'
    assert wte_list(amounts[:2], NAMES, digits=2) == "2.00 WTE GP assistant and 1.50 WTE MHP lead"


def test_no_module_lowers_a_role_name_by_hand():
    """`name[0].lower() + name[1:]` would turn 'GP assistant' into 'gP assistant': only `words.in_sentence` decides."""
    by_hand = re.compile(r"name[^\n]{0,20}\[(?:0|:1)\]\.lower\(\)")
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if by_hand.search(p.read_text(encoding="utf-8"))
                 and p.name != "words.py"]
    assert offenders == []


def test_sessions_are_whole_where_whole_and_one_decimal_otherwise():
    """'90 free' and '0.0 rented' in one row read as two different units: every count of sessions takes one rule."""
    assert [sessions(n) for n in (90, 0.0, 36.0000001, 18.24, 0.26, -0.04, 90_000)] == [
        "90", "0", "36", "18.2", "0.3", "0", "90,000"]
