"""The ARRS rules reproduce every published figure, and every figure in the rules data says what it rests on.

Published amounts come from optimiser/data/catalogue/published.csv (each with its quote and source); the rules
(reference salaries, pay awards, on-costs, London supplements) must give each within £2, because published
amounts are rounded to the pound and each reference salary is read back from one of them. The derived values
are those of the November 2026 audit (../shared/reference/arrs-audit-2026.md, §0 and appendix), worked out
there by hand with the same formula.
"""

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from optimiser import paycost
from optimiser.catalogue import load_catalogue, role_salary_gbp
from optimiser.catalogue_rules import (
    RULE_FILES,
    STATUSES,
    available_years,
    current_year,
    financial_year_of,
    on_cost_rules,
)
from optimiser.derived_amounts import derive_max, employer_cost_gbp

CATALOGUE = Path(__file__).resolve().parents[1] / "optimiser" / "data" / "catalogue"
ROLE_FILES = ["2023-24.csv", "2024-25.csv", "2025-26.csv", "2026-27.csv"]


def _rows(name):
    with open(CATALOGUE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


PUBLISHED = _rows("published.csv")


# ---------------------------------------------------------------- published figures reproduce


def test_at_least_twenty_published_amounts_national_and_london():
    zones = {row["zone"] for row in PUBLISHED}
    assert len(PUBLISHED) >= 20 and {"national", "outer", "inner"} <= zones


@pytest.mark.parametrize("row", PUBLISHED, ids=[f"{r['year']}:{r['role_id']}:{r['zone']}" for r in PUBLISHED])
def test_rules_reproduce_published_amount_within_two_pounds(row):
    pay_point = load_catalogue(row["year"]).roles.at[row["role_id"], "pay_point"]
    computed = derive_max(pay_point, row["year"], row["zone"]).amount_gbp
    assert abs(computed - float(row["amount_gbp"])) <= 2, f"rules give £{computed:,.2f}"


@pytest.mark.parametrize("row", PUBLISHED, ids=[f"{r['year']}:{r['role_id']}:{r['zone']}" for r in PUBLISHED])
def test_catalogue_shows_published_amount_as_published(row):
    roles = load_catalogue(row["year"]).roles
    column, status = {
        "national": ("max_reimbursable_gbp", "max_reimbursable_status"),
        "outer": ("outer_london_max_gbp", "outer_london_status"),
        "inner": ("inner_london_max_gbp", "inner_london_status"),
    }[row["zone"]]
    assert roles.at[row["role_id"], column] == float(row["amount_gbp"])
    assert roles.at[row["role_id"], status] == "published"


@pytest.mark.parametrize(
    ("year", "role", "amount"),
    [
        # audit §0.2: the 2025/26 pay award (3.6% AfC, 4% DDRB) applied to the April 2025 salaries
        ("2025/26", "clinical_pharmacist", 69_410), ("2025/26", "first_contact_physiotherapist", 69_410),
        ("2025/26", "advanced_practitioner", 76_001), ("2025/26", "digital_transformation_lead", 76_001),
        ("2025/26", "paramedic", 67_271), ("2025/26", "mental_health_practitioner", 55_265),
        ("2025/26", "social_prescribing_link_worker", 44_939), ("2025/26", "care_coordinator", 37_478),
        ("2025/26", "healthcare_support_worker", 33_344), ("2025/26", "consultant_nurse", 106_407),
        ("2025/26", "general_practitioner", 110_148),
        # audit §0.4: October 2024 annual equivalents for the roles the old catalogue held at April figures
        ("2024/25", "first_contact_physiotherapist", 65_838), ("2024/25", "social_prescribing_link_worker", 42_437),
        ("2024/25", "care_coordinator", 35_302), ("2024/25", "enhanced_practice_nurse", 63_792),
        ("2024/25", "trainee_nursing_associate", 31_348), ("2024/25", "mental_health_practitioner", 52_312),
        # audit §1a/appendix: band 4 in April 2025 is £36,150 (derived two ways), band 7 £64,907
        ("2025/26-april", "care_coordinator", 36_150), ("2025/26-april", "physician_associate", 64_907),
        ("2023/24", "trainee_nursing_associate", 29_648), ("2023/24", "mental_health_practitioner", 49_519),
    ],
)
def test_derived_amounts_match_the_audit(year, role, amount):
    roles = load_catalogue(year).roles
    assert abs(roles.at[role, "max_reimbursable_gbp"] - amount) <= 1
    assert roles.at[role, "max_reimbursable_status"] == "derived"


@pytest.mark.parametrize(
    ("role", "amount"),
    [("healthcare_support_worker", 38_047), ("care_coordinator", 42_038), ("mental_health_practitioner", 60_739),
     ("physician_associate", 72_327), ("consultant_nurse", 110_103), ("general_practitioner", 108_680)],
)
def test_outer_london_april_2025_matches_the_unused_low_confidence_list(role, amount):
    """The audit found the rules give every value of the 2025/26 outer-London list the catalogue had refused to use."""
    roles = load_catalogue("2025/26-april").roles
    assert abs(roles.at[role, "outer_london_max_gbp"] - amount) <= 2
    assert roles.at[role, "outer_london_status"] == "derived"


# ---------------------------------------------------------------- the formula and its rules


def test_on_cost_rules_by_date():
    before, after = on_cost_rules(date(2025, 4, 5)), on_cost_rules(date(2025, 4, 6))
    assert (before.pension_rate, before.ni_rate, before.ni_threshold_gbp) == (0.1438, 0.138, 9100)
    assert (after.pension_rate, after.ni_rate, after.ni_threshold_gbp) == (0.1438, 0.15, 5000)
    assert on_cost_rules("2031/32") == after  # later years use the latest rules


def test_employer_cost_by_hand():
    """£40,000 in 2026/27: 40,000 × 1.1438 + 0.15 × 35,000 = 45,752 + 5,250 = £51,002."""
    assert employer_cost_gbp(40_000, "2026/27") == pytest.approx(51_002)
    assert employer_cost_gbp(4_000, "2026/27") == pytest.approx(4_575.2)  # below the NI threshold: pension only
    rules = on_cost_rules("2024/25")
    assert paycost.salary_for_employer_cost_gbp(paycost.employer_cost_gbp(52_343.42, rules), rules) == pytest.approx(52_343.42)


def test_2026_27_is_provisional_and_built_on_the_awards():
    """CP: £54,227.78 (2025/26) × 1.033 = £56,017.30 → × 1.1438 + 0.15 × 51,017.30 = £71,725.
    GP: top of the salaried range £104,086 (2023/24) × 1.06 × 1.04 × 1.035 = £118,760.46 → £152,902."""
    catalogue = load_catalogue("2026/27")
    cp, gp = catalogue.roles.loc["clinical_pharmacist"], catalogue.roles.loc["general_practitioner"]
    assert cp["max_reimbursable_gbp"] == 71_725 and cp["max_reimbursable_status"] == "provisional"
    assert role_salary_gbp("general_practitioner", "2026/27") == pytest.approx(118_760.46, abs=0.01)
    assert gp["max_reimbursable_gbp"] == 152_902 and gp["max_reimbursable_status"] == "provisional"
    assert catalogue.funding.at["arrs", "gbp_per_weighted_patient"] == 27.297
    assert catalogue.funding.at["arrs", "status"] == "provisional"
    assert math.isclose(26.631 * 1.025, 27.297, abs_tol=5e-4)


def test_default_year_is_the_financial_year_containing_today():
    assert financial_year_of(date(2026, 11, 25)) == "2026/27"
    assert financial_year_of(date(2027, 3, 31)) == "2026/27"
    assert financial_year_of(date(2027, 4, 1)) == "2027/28"
    assert current_year(date(2025, 6, 1)) == "2025/26"
    assert current_year(date(2030, 6, 1)) == available_years()[-1]  # no rules yet: the latest year with rules


def test_years_and_april_variants():
    assert available_years() == ("2023/24-april", "2023/24", "2024/25-april", "2024/25", "2025/26-april", "2025/26", "2026/27")
    assert load_catalogue("2023/24").funding.at["arrs", "gbp_per_weighted_patient"] == 22.671
    assert load_catalogue("2025/26-april").funding.equals(load_catalogue("2025/26").funding)


# ---------------------------------------------------------------- every figure says what it rests on


@pytest.mark.parametrize("name", [*RULE_FILES, *ROLE_FILES])
def test_every_row_has_status_basis_source_and_date(name):
    rows = _rows(name)
    assert rows
    for number, row in enumerate(rows, start=2):
        assert row.get("status", "published") in STATUSES, f"{name} row {number}"
        for column in ("basis", "source", "source_date"):
            assert row[column].strip(), f"{name} row {number}: {column} is empty"


@pytest.mark.parametrize("year", available_years())
def test_every_amount_shown_has_a_status(year):
    roles = load_catalogue(year).roles
    for column in ("max_reimbursable_status", "outer_london_status", "inner_london_status"):
        assert set(roles[column]) <= set(STATUSES), column
    assert roles["max_reimbursable_basis"].str.len().min() > 20
    assert (roles[["max_reimbursable_gbp", "outer_london_max_gbp", "inner_london_max_gbp"]] > 0).all().all()
    assert (roles["outer_london_max_gbp"] > roles["max_reimbursable_gbp"]).all()


def test_a_row_without_a_source_fails(tmp_path, monkeypatch):
    import optimiser.catalogue_rules as catalogue_rules
    from optimiser.errors import CatalogueError

    rows = _rows("pay-awards.csv")
    rows[0]["source"] = ""
    monkeypatch.setattr(catalogue_rules, "read_package_csv", lambda *parts: rows)
    catalogue_rules.rules_table.cache_clear()
    try:
        with pytest.raises(CatalogueError, match="pay-awards.csv row 2: .*source missing"):
            catalogue_rules.rules_table("pay-awards.csv")
    finally:
        catalogue_rules.rules_table.cache_clear()


# ---------------------------------------------------------------- caps, co-funding and pots


def test_caps():
    assert load_catalogue("2023/24").cap_wte("advanced_practitioner", 99_999) == 3
    assert load_catalogue("2023/24").cap_wte("advanced_practitioner", 100_000) == 6
    assert load_catalogue("2024/25").cap_wte("enhanced_practice_nurse", 50_000) == 1
    assert load_catalogue("2024/25-april").cap_wte("enhanced_practice_nurse", 100_000) == 2
    assert load_catalogue("2025/26").capped_roles() == load_catalogue("2026/27").capped_roles() == []


def test_mental_health_practitioner_co_funding():
    assert load_catalogue("2023/24").agreement_tier("mental_health_practitioner") is None
    for year in ("2024/25", "2025/26", "2026/27"):
        catalogue = load_catalogue(year)
        role = catalogue.roles.loc["mental_health_practitioner"]
        assert (role["arrs_share"], role["co_funder_share"]) == (0.5, 0.5)  # no written agreement: 50:50
        tier = catalogue.agreement_tier("mental_health_practitioner")
        assert (tier["arrs_share"], tier["co_funder_share"]) == (1.0, 0.0)


def test_funding_pots():
    assert load_catalogue("2024/25").roles.at["general_practitioner", "funding_pot"] == "arrs_gp"
    assert load_catalogue("2024/25").funding.at["arrs_gp", "gbp_per_weighted_patient"] == 2.606
    assert set(load_catalogue("2025/26").roles["funding_pot"]) == {"arrs"}
