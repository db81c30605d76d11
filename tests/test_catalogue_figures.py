"""Check the ARRS catalogue CSVs against the published figures their sources quote.

Reads the files with the standard ``csv`` module only, so it does not depend on the package loader.
"""

import csv
import math
from decimal import Decimal
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parents[1] / "optimiser" / "data" / "catalogue"
YEAR_FILES = {"2023/24": "2023-24.csv", "2024/25": "2024-25.csv", "2025/26": "2025-26.csv"}

COLUMNS = [
    "role_id", "role_name", "afc_band",
    "max_reimbursable_gbp", "max_reimbursable_status", "max_reimbursable_basis",
    "max_reimbursable_source", "max_reimbursable_source_date",
    "outer_london_max_gbp", "inner_london_max_gbp", "london_source",
    "arrs_share", "co_funder", "co_funder_share", "co_funding_basis", "co_funding_source",
    "funding_pot",
    "cap_wte_below_100k", "cap_wte_from_100k", "cap_status", "cap_basis", "cap_source",
    "notes",
]
FUNDING_COLUMNS = ["year", "funding_pot", "gbp_per_weighted_patient", "status", "basis", "source", "source_date"]

STATUSES = {"published", "derived", "estimate"}
CAP_STATUSES = {"none", "published", "unconfirmed"}
POTS = {"arrs", "arrs_gp"}

ROLES_2023 = {
    "clinical_pharmacist", "pharmacy_technician", "first_contact_physiotherapist",
    "social_prescribing_link_worker", "health_and_wellbeing_coach", "care_coordinator",
    "physician_associate", "apprentice_physician_associate", "dietitian", "podiatrist",
    "occupational_therapist", "paramedic", "nursing_associate", "trainee_nursing_associate",
    "general_practice_assistant", "digital_transformation_lead", "advanced_practitioner",
    "mental_health_practitioner",
}
ROLES_2024 = ROLES_2023 | {"enhanced_practice_nurse", "general_practitioner"}
ROLES_2025 = ROLES_2024 | {
    "new_to_general_practice_nurse", "experienced_general_practice_nurse",
    "consultant_nurse", "healthcare_support_worker",
}
EXPECTED_ROLES = {"2023/24": ROLES_2023, "2024/25": ROLES_2024, "2025/26": ROLES_2025}


def _read(name):
    with open(CATALOGUE / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def _rows(year):
    return _read(YEAR_FILES[year])[1]


def _role(year, role_id):
    matches = [r for r in _rows(year) if r["role_id"] == role_id]
    assert len(matches) == 1, f"{year}: expected one row for {role_id}, found {len(matches)}"
    return matches[0]


def _funding(year, pot):
    matches = [r for r in _read("funding.csv")[1] if r["year"] == year and r["funding_pot"] == pot]
    assert len(matches) == 1, f"funding.csv: expected one row for {year} {pot}"
    return matches[0]


def _num(text):
    value = float(text)
    assert math.isfinite(value), f"not finite: {text!r}"
    return value


ALL_ROWS = [(year, row) for year in YEAR_FILES for row in _rows(year)]
ROW_IDS = [f"{year}:{row['role_id']}" for year, row in ALL_ROWS]


# ---------------------------------------------------------------- published figures


@pytest.mark.parametrize(
    ("year", "role_id", "amount", "status"),
    [
        ("2025/26", "clinical_pharmacist", 66972, "published"),
        ("2025/26", "pharmacy_technician", 43352, "published"),
        ("2025/26", "advanced_practitioner", 73334, "published"),
        ("2025/26", "general_practitioner", 105882, "published"),
        ("2025/26", "consultant_nurse", 102683, "published"),
        ("2025/26", "healthcare_support_worker", 32159, "published"),
        ("2025/26", "new_to_general_practice_nurse", 43352, "published"),
        ("2025/26", "experienced_general_practice_nurse", 53319, "published"),
        ("2024/25", "clinical_pharmacist", 65838, "published"),
        ("2024/25", "pharmacy_technician", 42437, "published"),
        ("2024/25", "advanced_practitioner", 72141, "published"),
        ("2024/25", "enhanced_practice_nurse", 60401, "published"),
        ("2024/25", "general_practitioner", 92462, "published"),
        ("2023/24", "clinical_pharmacist", 62340, "published"),
        ("2023/24", "pharmacy_technician", 40159, "published"),
        ("2023/24", "first_contact_physiotherapist", 62340, "published"),
        ("2023/24", "social_prescribing_link_worker", 40159, "published"),
        ("2023/24", "care_coordinator", 33396, "published"),
    ],
)
def test_published_amount(year, role_id, amount, status):
    row = _role(year, role_id)
    assert _num(row["max_reimbursable_gbp"]) == amount
    assert row["max_reimbursable_status"] == status


@pytest.mark.parametrize(
    ("year", "role_id", "outer", "inner"),
    [
        ("2025/26", "clinical_pharmacist", 74392, 77545),
        ("2025/26", "pharmacy_technician", 49967, 52172),
        ("2025/26", "advanced_practitioner", 80754, 83907),
        ("2024/25", "clinical_pharmacist", 73189, 76313),
        ("2024/25", "pharmacy_technician", 48991, 51176),
        ("2024/25", "advanced_practitioner", 79492, 82616),
        ("2024/25", "enhanced_practice_nurse", 67369, 70330),
        ("2024/25", "general_practitioner", 95233, 95233),
    ],
)
def test_published_london_amounts(year, role_id, outer, inner):
    row = _role(year, role_id)
    assert _num(row["outer_london_max_gbp"]) == outer
    assert _num(row["inner_london_max_gbp"]) == inner
    assert row["london_source"].strip()


def test_low_confidence_london_figures_are_not_used():
    # 2025/26 GP London £108,680 and all other outer-London values exist only in the low-confidence list.
    assert _role("2025/26", "general_practitioner")["outer_london_max_gbp"] == ""
    assert _role("2025/26", "care_coordinator")["outer_london_max_gbp"] == ""
    for row in _rows("2023/24"):
        assert row["outer_london_max_gbp"] == "" and row["inner_london_max_gbp"] == ""


def test_derived_2024_25_april_figures():
    for role_id, amount in [
        ("first_contact_physiotherapist", 62340),
        ("social_prescribing_link_worker", 40159),
        ("care_coordinator", 33396),
    ]:
        row = _role("2024/25", role_id)
        assert row["max_reimbursable_status"] == "derived"
        assert _num(row["max_reimbursable_gbp"]) == amount


# ---------------------------------------------------------------- caps


def test_enhanced_practice_nurse_cap_2024_25():
    row = _role("2024/25", "enhanced_practice_nurse")
    assert (_num(row["cap_wte_below_100k"]), _num(row["cap_wte_from_100k"])) == (1, 2)
    assert row["cap_status"] == "published"


def test_advanced_practitioner_cap_2023_24_then_removed():
    row = _role("2023/24", "advanced_practitioner")
    assert (_num(row["cap_wte_below_100k"]), _num(row["cap_wte_from_100k"])) == (3, 6)
    assert row["cap_status"] == "published"
    for year in ("2024/25", "2025/26"):
        row = _role(year, "advanced_practitioner")
        assert row["cap_wte_below_100k"] == "" and row["cap_wte_from_100k"] == ""
        assert row["cap_status"] == "none"


def test_digital_transformation_lead_cap():
    row = _role("2023/24", "digital_transformation_lead")
    assert (_num(row["cap_wte_below_100k"]), _num(row["cap_wte_from_100k"])) == (1, 1)
    assert row["cap_status"] == "published"
    assert _role("2024/25", "digital_transformation_lead")["cap_status"] == "unconfirmed"
    assert _role("2025/26", "digital_transformation_lead")["cap_status"] == "unconfirmed"


def test_no_caps_in_2025_26_except_unconfirmed():
    for row in _rows("2025/26"):
        assert row["cap_wte_below_100k"] == "" and row["cap_wte_from_100k"] == "", row["role_id"]


# ---------------------------------------------------------------- co-funding and pots


def test_mental_health_practitioner_co_funding():
    row = _role("2023/24", "mental_health_practitioner")
    assert _num(row["arrs_share"]) == 0.5
    assert _num(row["co_funder_share"]) == 0.5
    assert row["co_funder"].strip()
    for year in ("2024/25", "2025/26"):
        row = _role(year, "mental_health_practitioner")
        assert _num(row["arrs_share"]) == 1.0
        assert _num(row["co_funder_share"]) == 0.0
        assert "fully funded" in row["co_funding_basis"]


def test_funding_pots():
    for year, row in ALL_ROWS:
        expected = "arrs_gp" if (year, row["role_id"]) == ("2024/25", "general_practitioner") else "arrs"
        assert row["funding_pot"] == expected, f"{year} {row['role_id']}"


# ---------------------------------------------------------------- funding.csv


def test_funding_rates():
    assert _read("funding.csv")[0] == FUNDING_COLUMNS
    assert _funding("2025/26", "arrs")["gbp_per_weighted_patient"] == "26.631"
    assert _funding("2025/26", "arrs")["status"] == "published"
    assert _funding("2024/25", "arrs")["gbp_per_weighted_patient"] == "22.894"
    assert _funding("2024/25", "arrs")["status"] == "published"
    gp = _funding("2024/25", "arrs_gp")
    assert Decimal(gp["gbp_per_weighted_patient"]) == 2 * Decimal("1.303")
    assert gp["status"] == "derived"
    old = _funding("2023/24", "arrs")
    assert Decimal(old["gbp_per_weighted_patient"]) == Decimal("22.894") - Decimal("0.22")
    assert old["status"] == "derived"


def test_funding_rows_complete():
    _, rows = _read("funding.csv")
    for row in rows:
        assert row["status"] in STATUSES
        assert row["funding_pot"] in POTS
        assert row["basis"].strip() and row["source"].strip() and row["source_date"].strip()
        value = _num(row["gbp_per_weighted_patient"])
        assert value > 0


def test_arrs_sum_for_30000_weighted_patients_2025_26():
    rate = Decimal(_funding("2025/26", "arrs")["gbp_per_weighted_patient"])
    assert (rate * 30000).quantize(Decimal("0.01")) == Decimal("798930.00")
    assert round(float(rate) * 30000, 2) == 798930.00


# ---------------------------------------------------------------- structure of every row


@pytest.mark.parametrize("year", list(YEAR_FILES))
def test_header_and_role_set(year):
    fieldnames, rows = _read(YEAR_FILES[year])
    assert fieldnames == COLUMNS
    ids = [r["role_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate role_id"
    assert set(ids) == EXPECTED_ROLES[year]


@pytest.mark.parametrize(("year", "row"), ALL_ROWS, ids=ROW_IDS)
def test_row_is_complete(year, row):
    assert row["max_reimbursable_status"] in STATUSES
    assert row["max_reimbursable_basis"].strip()
    assert row["max_reimbursable_source"].strip()
    assert row["max_reimbursable_source_date"].strip()
    assert row["role_name"].strip() and row["afc_band"].strip()
    assert row["cap_status"] in CAP_STATUSES
    assert row["funding_pot"] in POTS
    if row["max_reimbursable_status"] == "estimate":
        assert row["max_reimbursable_basis"].strip()

    amount = _num(row["max_reimbursable_gbp"])
    assert amount > 0
    for column in ("outer_london_max_gbp", "inner_london_max_gbp", "cap_wte_below_100k", "cap_wte_from_100k"):
        if row[column] != "":
            assert _num(row[column]) > 0, column
    if row["outer_london_max_gbp"]:
        assert _num(row["outer_london_max_gbp"]) >= amount
        assert row["london_source"].strip()

    share = _num(row["arrs_share"])
    assert 0 < share <= 1
    co_share = _num(row["co_funder_share"])
    assert 0 <= co_share < 1
    if co_share > 0:
        assert row["co_funder"].strip() and row["co_funding_source"].strip()

    if row["cap_status"] == "published":
        assert row["cap_wte_below_100k"] and row["cap_wte_from_100k"]
    if row["cap_status"] == "none":
        assert row["cap_wte_below_100k"] == "" and row["cap_wte_from_100k"] == ""
    if row["cap_status"] in {"published", "unconfirmed"}:
        assert row["cap_basis"].strip()
