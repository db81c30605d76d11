"""The constraint registry: every family the model builds has an entry whose unit matches, and the sentences
chosen from it are the ones each family needs (no family-name chains elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser import constraints
from optimiser.inputs import prepare
from optimiser.model import build_model
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_family_the_model_builds_is_registered_with_its_unit(path):
    for whole in (False, True):
        scenario = load_scenario(path)
        if whole:
            data = scenario.model_dump()
            data["policy"]["whole_posts"] = True
            scenario = parse_scenario(data)
        for info in build_model(prepare(scenario)).registry:
            assert info.family in constraints.FAMILIES, f"{info.family} has no registry entry"
            assert constraints.FAMILIES[info.family].unit == info.unit, info.family


def test_relaxable_families_explain_a_conflict_and_limits_explain_binding():
    for name, entry in constraints.FAMILIES.items():
        if entry.relaxable:
            assert entry.conflict is not None and entry.kind == "limit", name
        if entry.kind in ("limit", "floor", "need"):
            assert entry.binding is not None, name
        assert entry.unit in constraints.PER_UNIT or entry.unit == "£ a year", name


def test_an_unregistered_family_is_reported_plainly_and_never_relaxed():
    words = constraints.Words(name="", label="x", limit=1.0, gain=2.0, more="", money="", amount=str)
    assert constraints.binding_sentence("new_family", "new_family[x]", words, no_gain=False) == "new_family[x] binds."
    assert not constraints.relaxable("new_family") and constraints.reported("new_family")


def test_room_sentences_read_their_numbers():
    words = constraints.Words(name="", label=None, limit=70.0, gain=311.4, more="deliver about 311 weighted contacts a year",
                              money="£1,000", amount=str, rented=17.94, rentable=20.0)
    assert constraints.binding_sentence("clinical_rooms", "clinical_rooms", words, no_gain=False) == (
        "Clinical rooms are full (70 free sessions a week plus 17.9 rented): one more room session a week would deliver "
        "about 311 weighted contacts a year.")
    short = constraints.Words(name="", label=None, limit=70.0, gain=5.0, more="", money="", amount=str, rented=20.0, rentable=20.0)
    assert constraints.conflict_sentence("clinical_rooms", short) == (
        "staff in post need 95 clinical room sessions a week but 70 are free and 20 of the 20 rentable are rented: "
        "5 sessions short")  # whole sessions read as whole numbers, one rule (words.sessions) for every count in a sentence
    assert constraints.unspent_reasons({"top_up_budget", "clinical_rooms"}) == [
        "clinical rooms are full", "the top-up budget, which pays costs above reimbursement and rent, is used up"]
