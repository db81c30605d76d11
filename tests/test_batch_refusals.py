"""A batch refused on bad input: one clear error about what is wrong, and nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimiser.batch import TableError, load_base, run_batch

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "national" / "base-2026-27.yaml"
TABLE = pd.DataFrame({
    "ods_code": ["A1", "A2", "A3"], "name": ["Alpha PCN", "Beta PCN", "Gamma PCN"], "icb": ["ICB X", "ICB Y", "ICB Z"],
    "list_size": [-5, 30000, 30000], "weighted_population": [30000, "abc", 30000], "room_sessions_per_week": [50, 50, 50],
})


def test_a_misspelt_policy_names_the_policy_not_the_table_suggests_a_written_form_and_leaves_no_folder(tmp_path):
    table = tmp_path / "pcns.csv"
    TABLE.to_csv(table, index=False)
    with pytest.raises(TableError) as refused:
        run_batch(table, load_base(BASE), ["rooms+ten"], tmp_path / "out")
    text = str(refused.value)
    assert text.startswith("policy 'rooms+ten': 'rooms+ten' is not a policy. Did you mean rooms+N% (e.g. 'rooms+10%')?")
    assert str(table) not in text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("policy, changed", [
    ("rooms+10%,rooms+20%", "the clinical room sessions twice (rooms+10%, then rooms+20%)"),
    ("top-up+5%,no-caps,top-up-5%", "the top-up budget twice (top-up+5%, then top-up-5%)"),
    ("year:2024/25,year:2025/26", "the year twice (year:2024/25, then year:2025/26)"),
])
def test_a_policy_that_changes_one_thing_twice_is_refused(tmp_path, policy, changed):
    """Two scalings of the rooms compounded (rooms+10% then +20% was +32%) and a second year overrode the first,
    silently; each is now refused before anything runs, and a policy changing different things still runs."""
    table = tmp_path / "pcns.csv"
    TABLE.to_csv(table, index=False)
    with pytest.raises(TableError) as refused:
        run_batch(table, load_base(BASE), ["as-published", policy], tmp_path / "out")
    assert str(refused.value) == f"policy {policy!r} changes {changed}; a policy may change each thing once"
    assert not (tmp_path / "out").exists()
    outcome = run_batch(TABLE.iloc[1:].assign(weighted_population=30000), load_base(BASE), ["rooms+10%,top-up+10%,no-caps"],
                        tmp_path / "fine", workers=1, formats=("csv",))
    assert outcome.ran == 2


def test_a_missing_table_leaves_no_folder_and_a_folder_given_stays(tmp_path):
    with pytest.raises(TableError, match="no such file"):
        run_batch(tmp_path / "nope.csv", load_base(BASE), ["as-published"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    (tmp_path / "mine").mkdir()
    with pytest.raises(TableError):
        run_batch(tmp_path / "nope.csv", load_base(BASE), ["as-published"], tmp_path / "mine")
    assert (tmp_path / "mine").is_dir()


def test_strict_counts_the_bad_rows_only(tmp_path):
    with pytest.raises(TableError) as refused:
        run_batch(TABLE, load_base(BASE), ["as-published"], tmp_path / "out", strict=True, workers=1)
    lines = str(refused.value).splitlines()
    assert lines[0] == "2 problems:" and len(lines) == 4 and lines[-1] == "--strict: nothing was run"
    assert not (tmp_path / "out").exists()


def test_an_invalid_rows_failure_keeps_its_pcn_name_and_icb(tmp_path):
    outcome = run_batch(TABLE, load_base(BASE), ["as-published"], tmp_path / "out", workers=1, formats=("csv",))
    failed = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert failed[["ods_code", "pcn_name", "icb", "status"]].values.tolist() == [
        ["A1", "Alpha PCN", "ICB X", "invalid"], ["A2", "Beta PCN", "ICB Y", "invalid"]]
    assert outcome.counts == {"optimal": 1, "invalid": 2}
