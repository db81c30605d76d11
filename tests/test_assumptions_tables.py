"""The default assumption tables are well formed: known ids, sane numbers, a stated basis on every row.

Reads the CSVs with the standard csv module only (no project imports), so a broken table is reported
here in plain words even when the package cannot load it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

TABLES = Path(__file__).resolve().parents[1] / "optimiser" / "data" / "assumptions"

ROLE_IDS = {
    "clinical_pharmacist", "pharmacy_technician", "first_contact_physiotherapist",
    "social_prescribing_link_worker", "health_and_wellbeing_coach", "care_coordinator",
    "physician_associate", "apprentice_physician_associate", "dietitian", "podiatrist",
    "occupational_therapist", "paramedic", "nursing_associate", "trainee_nursing_associate",
    "general_practice_assistant", "digital_transformation_lead", "advanced_practitioner",
    "enhanced_practice_nurse", "mental_health_practitioner", "general_practitioner",
    "new_to_general_practice_nurse", "experienced_general_practice_nurse", "consultant_nurse",
    "healthcare_support_worker",
}  # fmt: skip

CATEGORY_IDS = {
    "medication_review", "minor_illness", "long_term_conditions", "msk", "mental_health",
    "social_needs", "care_coordination", "urgent_same_day", "digital_admin",
}  # fmt: skip

ROLES_WITHOUT_CATEGORIES = {"digital_transformation_lead"}
"""Deliberately serves no category: it delivers no patient contacts (see the assumptions README)."""

BASIS_LABELS = ("published:", "derived:", "assumption:")
ROOM_NEEDS = {"clinical_room", "desk", "none"}
ROOM_SESSIONS_PER_ROOM_PER_WEEK = 10  # 5 days × morning and afternoon (a convention, not sourced)

COLUMNS = {
    "categories.csv": [
        "category_id", "category_name", "contacts_per_1000_patients_per_year", "priority_weight", "basis", "source",
    ],
    "productivity.csv": ["role_id", "category_id", "contacts_per_wte_year", "from_year", "until_year", "basis", "source"],
    "roles.csv": ["role_id", "room_need", "room_sessions_per_wte_per_week", "remote_share", "basis", "source"],
}  # fmt: skip


def _read(name: str) -> list[dict[str, str]]:
    with open(TABLES / name, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS[name], f"{name}: columns are {reader.fieldnames}, expected {COLUMNS[name]}"
        return list(reader)


def _number(row: dict[str, str], column: str, where: str) -> float:
    text = row[column].strip()
    try:
        value = float(text)
    except ValueError:
        pytest.fail(f"{where}: {column} = {text!r} is not a number")
    assert math.isfinite(value), f"{where}: {column} = {text!r} is not finite"
    return value


@pytest.fixture(scope="module")
def categories() -> list[dict[str, str]]:
    return _read("categories.csv")


@pytest.fixture(scope="module")
def productivity() -> list[dict[str, str]]:
    return _read("productivity.csv")


@pytest.fixture(scope="module")
def roles() -> list[dict[str, str]]:
    return _read("roles.csv")


def test_categories_are_exactly_the_nine(categories):
    ids = [row["category_id"] for row in categories]
    assert len(ids) == len(set(ids)), f"duplicate category ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert set(ids) == CATEGORY_IDS, f"missing {sorted(CATEGORY_IDS - set(ids))}, unknown {sorted(set(ids) - CATEGORY_IDS)}"


def test_roles_table_lists_every_role_once(roles):
    ids = [row["role_id"] for row in roles]
    assert len(ids) == len(set(ids)), f"duplicate role ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert set(ids) == ROLE_IDS, f"missing {sorted(ROLE_IDS - set(ids))}, unknown {sorted(set(ids) - ROLE_IDS)}"


def test_productivity_ids_are_known_and_pairs_unique(productivity):
    pairs = [(row["role_id"], row["category_id"]) for row in productivity]
    assert len(pairs) == len(set(pairs)), "a (role, category) pair is listed twice"
    assert not {r for r, _ in pairs} - ROLE_IDS, f"unknown role ids: {sorted({r for r, _ in pairs} - ROLE_IDS)}"
    assert not {c for _, c in pairs} - CATEGORY_IDS, f"unknown category ids: {sorted({c for _, c in pairs} - CATEGORY_IDS)}"


def test_every_role_serves_a_category_except_the_named_ones(productivity):
    serving = {row["role_id"] for row in productivity}
    idle = ROLE_IDS - serving
    assert idle == ROLES_WITHOUT_CATEGORIES, (
        f"roles serving no category: {sorted(idle)}; only {sorted(ROLES_WITHOUT_CATEGORIES)} are meant to"
    )


def test_every_category_is_served_by_at_least_two_roles(productivity):
    for category in sorted(CATEGORY_IDS):
        servers = {row["role_id"] for row in productivity if row["category_id"] == category}
        assert len(servers) >= 2, f"{category} is served only by {sorted(servers)}"


def test_numbers_are_finite_and_positive(categories, productivity, roles):
    for row in categories:
        where = f"categories.csv {row['category_id']}"
        assert _number(row, "contacts_per_1000_patients_per_year", where) > 0, where
        assert _number(row, "priority_weight", where) > 0, where
    for row in productivity:
        where = f"productivity.csv {row['role_id']} × {row['category_id']}"
        assert _number(row, "contacts_per_wte_year", where) > 0, where
    for row in roles:
        where = f"roles.csv {row['role_id']}"
        assert _number(row, "room_sessions_per_wte_per_week", where) > 0, where


def test_remote_share_is_a_share(roles):
    for row in roles:
        share = _number(row, "remote_share", f"roles.csv {row['role_id']}")
        assert 0 <= share <= 1, f"{row['role_id']}: remote_share {share} is outside [0, 1]"


def test_room_need_and_sessions(roles):
    for row in roles:
        assert row["room_need"] in ROOM_NEEDS, f"{row['role_id']}: room_need {row['room_need']!r}"
        sessions = _number(row, "room_sessions_per_wte_per_week", row["role_id"])
        assert sessions <= ROOM_SESSIONS_PER_ROOM_PER_WEEK, f"{row['role_id']}: {sessions} sessions a week"


def test_every_row_states_its_basis_and_source(categories, productivity, roles):
    for name, rows in [("categories.csv", categories), ("productivity.csv", productivity), ("roles.csv", roles)]:
        for row in rows:
            key = row.get("role_id") or row["category_id"]
            if name == "productivity.csv":
                key = f"{row['role_id']} × {row['category_id']}"
            basis = row["basis"].strip()
            assert basis, f"{name} {key}: empty basis"
            assert basis.startswith(BASIS_LABELS), f"{name} {key}: basis must start with one of {BASIS_LABELS}"
            assert basis.split(":", 1)[1].strip(), f"{name} {key}: basis has a label but no derivation"
            assert row["source"].strip(), f"{name} {key}: empty source"


def test_numbers_are_round(categories, productivity):
    """Defaults are assumptions; false precision would mislead."""
    for row in productivity:
        value = _number(row, "contacts_per_wte_year", row["role_id"])
        assert value % 100 == 0, f"{row['role_id']} × {row['category_id']}: {value:g} is not a round hundred"
    for row in categories:
        value = _number(row, "contacts_per_1000_patients_per_year", row["category_id"])
        assert value % 10 == 0, f"{row['category_id']}: {value:g} is not a round ten"


def test_default_demand_is_of_the_order_of_an_arrs_workforce(categories, productivity):
    """For 50,000 patients, demand should need more than ~20 WTE (the intended PCN scale) but not wildly more.

    Each category is costed in WTE of its most productive role; at least 20 and at most 40 WTE.
    """
    best = {}
    for row in productivity:
        value = float(row["contacts_per_wte_year"])
        best[row["category_id"]] = max(best.get(row["category_id"], 0.0), value)
    wte = sum(float(row["contacts_per_1000_patients_per_year"]) * 50 / best[row["category_id"]] for row in categories)
    assert 20 <= wte <= 40, f"default demand for 50,000 patients needs {wte:.1f} WTE"


def test_year_limits_are_financial_years_and_say_why(productivity):
    """A row that stops or starts in a year says so in its basis (the one year-aware rule: from_year/until_year)."""
    limited = [row for row in productivity if row["from_year"] or row["until_year"]]
    assert {(row["role_id"], row["category_id"], row["until_year"]) for row in limited} == {
        ("physician_associate", "minor_illness", "2024/25"), ("physician_associate", "urgent_same_day", "2024/25"),
    }
    for row in limited:
        assert "Leng review" in row["basis"] and "2025/26" in row["basis"]
