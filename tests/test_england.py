"""The bundled table of real PCNs against its sources, and the role mapping's checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimiser import england
from optimiser.catalogue import load_catalogue

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pcn"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/pcn is not here (a fresh clone uses the bundled table)")

# Published totals (../shared/data/pcn/README.md): December 2025 lists, November 2025 census
PCNS = 1_297
PATIENTS_IN_PCNS = 63_936_682 - 244_011  # every registered patient less those in practices in no PCN
CENSUS_FTE = 30_576


def test_bundled_table_matches_the_published_totals():
    table = england.load_pcns()
    assert len(table) == PCNS and table.index.is_unique
    assert table["list_size"].sum() == PATIENTS_IN_PCNS
    assert (table["list_size"] > 0).all()
    assert table["icb"].nunique() == 42 and table["region"].nunique() == 7
    fte = table[england.in_post_columns(table)].to_numpy().sum() + table["not_arrs_fte"].sum()
    assert fte == pytest.approx(CENSUS_FTE, abs=1.0)  # every census FTE is either mapped to a role or counted as not ARRS


def test_weighted_population_estimate_is_the_ratio_times_the_list_size():
    """£1,696m at £26.631 (2025/26) against the published £1,711m: the estimate is within 1% nationally."""
    table = england.load_pcns()
    rounding = 0.05 + 5e-7 * table["list_size"]  # the estimate is rounded to 0.1 patient, the ratio to 6 decimals
    assert ((table["weighted_population_estimate"] - table["weighted_ratio"] * table["list_size"]).abs() <= rounding).all()
    national = table["weighted_ratio_basis"] == "national 2022-23"
    assert national.sum() == 51 and table.loc[national, "registered_2022_23"].isna().all()
    assert table["weighted_population_estimate"].sum() * 26.631 == pytest.approx(1_696e6, rel=0.001)


def test_every_role_column_is_a_catalogue_role():
    roles = set(load_catalogue("2025/26").roles.index)
    columns = england.in_post_columns(england.load_pcns())
    assert columns and {c.removeprefix(england.IN_POST) for c in columns} <= roles


@needs_shared
def test_bundled_table_is_the_derivation_of_the_shared_files():
    derived = england.derive(SHARED)
    bundled = pd.read_csv(Path(england.__file__).parent / "data" / "england" / "pcns.csv", dtype={"ods_code": str})
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), bundled, check_dtype=False, atol=1e-6)


@needs_shared
def test_in_post_fte_by_role_equals_the_census_through_the_mapping():
    census = pd.read_csv(SHARED / england.WORKFORCE)
    mapping = england.read_mapping()
    merged = census.merge(mapping, left_on=["STAFF_GROUP", "STAFF_ROLE"], right_on=["staff_group", "staff_role"])
    assert len(merged) == len(census)  # every census row is mapped
    expected = merged[merged["role_id"] != england.NOT_ARRS].groupby("role_id")["FTE"].sum()
    table = england.load_pcns()
    for role, fte in expected.items():
        assert table[england.IN_POST + role].sum() == pytest.approx(fte, abs=0.001 * PCNS)  # rounding to 0.001 per PCN


def test_a_mapping_naming_an_unknown_role_is_a_clear_error(tmp_path):
    path = tmp_path / "mapping.csv"
    path.write_text("staff_group,staff_role,role_id,basis\nOther GPs,Salaried GPs,general_practioner,typo\n", encoding="utf-8")
    with pytest.raises(england.EnglandDataError) as error:
        england.read_mapping(path)
    message = str(error.value)
    assert "mapping.csv" in message and "Salaried GPs" in message and "'general_practioner'" in message
    assert "did you mean 'general_practitioner'?" in message


@needs_shared
def test_a_census_role_missing_from_the_mapping_is_named():
    mapping = england.read_mapping()
    with pytest.raises(england.EnglandDataError, match="Other GPs / GP Locums"):
        england.derive(SHARED, mapping[mapping["staff_role"] != "GP Locums"])
