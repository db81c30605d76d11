"""Scenario variants: each named change alters exactly its field and nothing else; one rule for a change of year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimiser import variants
from optimiser.batch import parse_policy
from optimiser.catalogue import load_catalogue
from optimiser.errors import ScenarioError
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def urban():
    """The urban example with a top-up budget, rentable sessions and desks, so a wrong field would show."""
    scenario = load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml")
    data = scenario.model_dump()
    data["money"]["top_up_budget_gbp"] = 80_000.0
    data["estate"].update(rentable_sessions_per_week=12.0, rent_gbp_per_session=40.0, desk_sessions_per_week=30.0)
    return parse_scenario(data)


def _flat(scenario) -> dict[str, object]:
    def walk(value, prefix):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{prefix}.{key}" if prefix else str(key))
        else:
            yield prefix, value
    return dict(walk(json.loads(scenario.canonical_json()), ""))


def _changed(a, b) -> dict[str, tuple]:
    before, after = _flat(a), _flat(b)
    return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@pytest.mark.parametrize("policy, field, expected", [
    ("rooms+10%", "estate.room_sessions_per_week", lambda s: s.estate.room_sessions_per_week * 1.1),
    ("rooms-25%", "estate.room_sessions_per_week", lambda s: s.estate.room_sessions_per_week * 0.75),
    ("top-up+50%", "money.top_up_budget_gbp", lambda s: 120_000.0),
    ("top-up-100%", "money.top_up_budget_gbp", lambda s: 0.0),
    ("no-caps", "policy.remove_all_caps", lambda s: True),
    ("whole-posts", "policy.whole_posts", lambda s: True),
    ("reduce-in-post", "policy.allow_reducing_in_post", lambda s: True),
])
def test_each_named_policy_changes_exactly_its_field(urban, policy, field, expected):
    changed = _changed(urban, parse_policy(policy, urban.year).apply(urban))
    assert list(changed) == [field]
    assert changed[field][1] == pytest.approx(expected(urban))


def test_uncap_adds_one_role_and_nothing_else(urban):
    changed = _changed(urban, parse_policy("uncap:enhanced_practice_nurse", urban.year).apply(urban))
    assert changed == {"policy.remove_caps": ([], ["enhanced_practice_nurse"])}


def test_variants_leave_the_given_scenario_alone(urban):
    before = urban.canonical_json()
    parse_policy("no-caps,rooms+10%,top-up+10%,whole-posts,reduce-in-post,year:2024/25", urban.year).apply(urban)
    assert urban.canonical_json() == before


def test_another_year_changes_the_year_and_drops_only_roles_it_lacks(urban):
    moved = variants.another_year(urban, "2024/25")
    known = set(load_catalogue("2024/25").roles.index)
    assert moved.year == "2024/25"
    assert set(moved.roles) == set(urban.roles) & known
    changed = _changed(urban, moved)
    assert {k.split(".")[0] for k in changed} <= {"year", "roles"}
    assert all(k == "year" or k.split(".")[1] not in known for k in changed)


def test_another_year_refuses_staff_in_post_in_a_role_the_year_lacks(urban):
    data = urban.model_dump()
    data["roles"]["consultant_nurse"] = {"in_post_wte": 0.5}
    with pytest.raises(ScenarioError, match=r"consultant_nurse \(0.5 WTE in post\) is not an ARRS role in 2024/25"):
        variants.another_year(parse_scenario(data), "2024/25")


def test_rooms_scale_the_free_sessions_not_the_rentable_or_desks(urban):
    scaled = variants.scale_rooms(urban, 2.0)
    assert scaled.estate.room_sessions_per_week == 2 * urban.estate.room_sessions_per_week
    assert (scaled.estate.rentable_sessions_per_week, scaled.estate.desk_sessions_per_week, scaled.estate.rent_gbp_per_session) == (12.0, 30.0, 40.0)


def test_carry_forward_makes_this_years_mix_next_years_staff_in_post(urban):
    following = variants.carry_forward(urban, "2025/26", {"clinical_pharmacist": 4.25, "paramedic": 0.0})
    assert following.roles["clinical_pharmacist"].in_post_wte == 4.25
    assert all(s.in_post_wte == 0 for r, s in following.roles.items() if r != "clinical_pharmacist")


def test_what_if_and_batch_no_caps_are_the_same_variant(urban):
    from optimiser.pipeline import with_caps_lifted

    assert with_caps_lifted(urban) == parse_policy("no-caps", urban.year).apply(urban)
