"""The command line end to end, in a real subprocess, on every bundled scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from optimiser.scenario_io import load_scenario, scenario_to_text
from tests.helpers import small_scenario

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_solves_to_a_proven_optimum_with_a_readable_report(path):
    done = run("solve", str(path))
    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert "Best mix found and proven: no mix within your limits gives more care" in " ".join(report.split())
    assert "Technical details: Optimal (proven by HiGHS" in " ".join(report.split())
    for heading in ("Staffing mix", "Money", "Care", "What limits you"):
        assert heading in report
    assert "Traceback" not in report + done.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_json_output_adds_up(path):
    """The JSON's headline numbers are the sums of its own tables (an auditor's check, not the library's output)."""
    done = run("solve", str(path), "--format", "json", "--no-what-if")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    summary = data["summary"]
    assert summary["proven_optimal"] is True
    assert summary["total_wte"] == pytest.approx(sum(r["total_wte"] for r in data["mix"]), abs=1e-3)
    assert summary["arrs_claimed_gbp_per_year"] == pytest.approx(sum(r["arrs_claimed_gbp_per_year"] for r in data["mix"]), abs=0.1)
    assert summary["served_contacts_per_year"] == pytest.approx(sum(r["served_contacts_per_year"] for r in data["care"]), abs=0.01)
    assert summary["arrs_unspent_gbp_per_year"] == pytest.approx(summary["arrs_sum_gbp_per_year"] - summary["arrs_claimed_gbp_per_year"], abs=0.02)


def budget_bound_file(tmp_path: Path) -> Path:
    """Only clinical pharmacists (1,000 medication reviews a WTE-year, nothing else), 5,000 reviews needed, and an
    ARRS sum of 3 × £66,972 = £200,916 (the 2025/26 maximum reimbursable amount), no top-up, rooms to spare."""
    path = tmp_path / "budget-bound.yaml"
    path.write_text(scenario_to_text(small_scenario({"clinical_pharmacist": {"medication_review": 1000}},
                                                    arrs_sum=3 * 66_972, demand={"medication_review": 5000})))
    return path


def test_json_output_gives_the_hand_derived_answer(tmp_path):
    """The money buys £200,916 ÷ £66,972 = 3.0 WTE, all new; claimed £200,916, unspent £0; 3 × 1,000 = 3,000
    reviews served, 2,000 unmet; the ARRS sum binds at 1,000 × 1,000 ÷ 66,972 = 14.93 contacts per extra £1,000."""
    done = run("solve", str(budget_bound_file(tmp_path)), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    summary = data["summary"]
    assert summary["total_wte"] == pytest.approx(3.0) and summary["new_wte"] == pytest.approx(3.0)
    assert summary["arrs_sum_gbp_per_year"] == 200_916
    assert summary["arrs_claimed_gbp_per_year"] == pytest.approx(200_916, abs=1.0)
    [care] = [row for row in data["care"] if row["category"] == "medication_review"]
    assert care["served_contacts_per_year"] == pytest.approx(3000) and care["unmet_contacts_per_year"] == pytest.approx(2000)
    [limit] = [row for row in data["binding_constraints"] if row["family"] == "arrs_budget"]
    assert limit["marginal_value"] == pytest.approx(1000 * 1000 / 66_972, abs=1e-3)


def test_text_output_gives_the_hand_derived_answer(tmp_path):
    """As above, in the words a manager reads: 3.00 WTE, 3.00 new, £200,916 claimed of £200,916, £0 unspent."""
    done = run("solve", str(budget_bound_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Staff: 3.00 WTE (3.00 new)" in text
    assert "ARRS claimed £200,916 of £200,916 a year; unspent £0." in text
    assert "3,000 of" in text


def test_caps_what_if_is_reported_where_caps_apply():
    done = run("solve", str(ROOT / "scenarios" / "large-2024-25.yaml"))
    assert "What if every cap were lifted" in done.stdout
    data = json.loads(run("solve", str(ROOT / "scenarios" / "large-2024-25.yaml"), "--format", "json").stdout)
    assert data["caps_lifted_summary"]["priority_weighted_contacts_per_year"] >= data["summary"]["priority_weighted_contacts_per_year"] - 1e-6


def test_csv_output_folder_is_written_and_never_overwritten(tmp_path):
    out = tmp_path / "result"
    done = run("solve", str(EXAMPLES[0]), "--format", "csv", "--output", str(out))
    assert done.returncode == 0, done.stderr
    mix = pd.read_csv(out / "mix.csv")
    assert {"role", "in_post_wte", "new_wte", "total_wte", "arrs_claimed_gbp_per_year"} <= set(mix.columns)
    again = run("solve", str(EXAMPLES[0]), "--format", "csv", "--output", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run("solve", str(EXAMPLES[0]), "--format", "csv", "--output", str(out), "--overwrite").returncode == 0


def test_bad_file_exits_2_with_a_sentence(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pcn: {name: x, list_size: -3, weighted_population: 10}\nyear: '2025/26'\nestate: {room_sessions_per_week: 5}\n")
    done = run("solve", str(bad))
    assert done.returncode == 2
    assert "pcn.list_size is -3 patients; give more than 0, up to 1,000,000" in done.stderr
    assert "Traceback" not in done.stderr
    missing = run("solve", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def _solve_short_pcn(tmp_path, money: str) -> subprocess.CompletedProcess:
    """3 WTE of clinical pharmacists in post (3 × £66,972 = £200,916 a year to claim) against a £100,000 ARRS sum."""
    path = tmp_path / "infeasible.yaml"
    path.write_text(
        "pcn: {name: Short PCN, list_size: 30000, weighted_population: 30000}\nyear: '2025/26-april'\n"
        f"money: {{{money}}}\nestate: {{room_sessions_per_week: 500}}\n"
        "roles: {clinical_pharmacist: {in_post_wte: 3}}\npolicy: {in_post_beyond_arrs_sum: infeasible}\n"
    )
    return run("solve", str(path))


def test_infeasible_exits_1_and_explains(tmp_path):
    done = _solve_short_pcn(tmp_path, "arrs_sum_gbp: 100000")
    assert done.returncode == 1
    assert "staff already in post claim £200,916 a year of ARRS but the ARRS sum is £100,000: £100,916 short" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_infeasible_claim_says_the_top_up_budget_has_paid_its_part(tmp_path):
    """The case above with a £10,000 top-up budget: the top-up pays £10,000 of the pharmacists' £200,916 (as
    own-funded WTE), so £190,916 is claimed against the £100,000 sum, £90,916 short. The claim quoted must say the
    top-up has paid its part, or a manager would quote £190,916 as what the staff claim."""
    done = _solve_short_pcn(tmp_path, "arrs_sum_gbp: 100000, top_up_budget_gbp: 10000")
    assert done.returncode == 1
    assert ("staff already in post claim £190,916 a year of ARRS beyond what the top-up budget pays, but the ARRS sum is "
            "£100,000: £90,916 short") in " ".join(done.stderr.split())


def test_validate_compare_catalogue_and_version():
    assert run("validate", *map(str, EXAMPLES)).returncode == 0
    compared = run("compare", str(EXAMPLES[0]), str(EXAMPLES[1]))
    assert compared.returncode == 0 and "Staffing mix" in compared.stdout
    catalogue = run("catalogue", "--year", "2025/26-april")
    assert catalogue.returncode == 0 and "66,972" in catalogue.stdout and "derived" in catalogue.stdout
    assert run("catalogue", "--year", "1999/00").returncode == 2
    assert run("--version").stdout.startswith("arrs-optimiser ")


def test_json_output_of_an_infeasible_scenario_is_data_too(tmp_path):
    path = tmp_path / "infeasible.yaml"
    path.write_text(
        "pcn: {name: Short PCN, list_size: 30000, weighted_population: 30000}\nyear: '2025/26-april'\n"
        "money: {arrs_sum_gbp: 100000}\nestate: {room_sessions_per_week: 500}\n"
        "roles: {clinical_pharmacist: {in_post_wte: 3}}\npolicy: {in_post_beyond_arrs_sum: infeasible}\n"
    )
    done = run("solve", str(path), "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["status"] == "infeasible"
    assert data["conflicts"][0]["shortfall"] == pytest.approx(3 * 66_972 - 100_000)


def test_report_writes_a_one_page_board_report_and_never_replaces_it(tmp_path):
    from pypdf import PdfReader

    path = tmp_path / "board.pdf"
    done = run("solve", str(ROOT / "scenarios" / "rural-2026-27.yaml"), "--report", str(path), "--no-what-if")
    assert done.returncode == 0, done.stderr
    assert f"wrote {path}" in " ".join(done.stderr.split())
    reader = PdfReader(path)
    assert len(reader.pages) == 1 and "Hillside Rural PCN" in reader.pages[0].extract_text()
    again = run("solve", str(ROOT / "scenarios" / "rural-2026-27.yaml"), "--report", str(path), "--no-what-if")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_unspent_arrs_in_the_headline_points_to_its_reason():
    """The urban example leaves £89,650 of its ARRS sum unclaimed (rooms full, the top-up used on rent, the roles that
    need no room at their recruitment limits): the headline says it is lost and where the reason is, and the panel
    gives that reason."""
    done = run("solve", str(ROOT / "scenarios" / "urban-deprived-2026-27.yaml"), "--no-what-if")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.replace("│", " ").split())
    assert "unspent £89,650 (lost to the PCN; why: What limits you, below)." in text
    assert "£89,650 of the ARRS sum is unspent (lost to the PCN) because clinical rooms are full" in text


def test_a_scenario_for_a_past_year_says_so_in_one_line_and_still_solves():
    """The large example is for 2024/25: its report says that year is over and names the current one (as `plan`
    does); the rural example, for 2026/27, says nothing while 2026/27 is not over."""
    from datetime import date

    from optimiser.catalogue_rules import financial_year_of, later_financial_year

    past = run("solve", "scenarios/large-2024-25.yaml")
    now = financial_year_of(date.today())
    assert past.returncode == 0
    assert f"Note: this scenario is for 2024/25, a past financial year; the current one is {now}." in " ".join(past.stdout.split())
    current = run("solve", "scenarios/rural-2026-27.yaml")
    assert ("past financial year" in current.stdout) == (later_financial_year("2026/27") is not None)


def test_compare_tells_two_scenarios_of_the_same_pcn_apart_and_says_which_is_infeasible(tmp_path):
    """Both files are of “Short PCN”: the columns are headed by their file names, not twice by the PCN's. B's staff in
    post claim £200,916 of a £100,000 ARRS sum, infeasible by its policy: the error says it is B, and which file."""
    text = ("pcn: {name: Short PCN, list_size: 30000, weighted_population: 30000}\nyear: '2025/26-april'\n"
            "money: {arrs_sum_gbp: 100000}\nestate: {room_sessions_per_week: 500}\nroles: {clinical_pharmacist: {in_post_wte: 3}}\n")
    (tmp_path / "as-is.yaml").write_text(text)
    (tmp_path / "more-rooms.yaml").write_text(text.replace("500", "600"))
    (tmp_path / "strict.yaml").write_text(text + "policy: {in_post_beyond_arrs_sum: infeasible}\n")
    done = run("compare", str(tmp_path / "as-is.yaml"), str(tmp_path / "more-rooms.yaml"))
    assert done.returncode == 0, done.stderr
    assert "as-is.yaml" in done.stdout and "more-rooms.yaml" in done.stdout
    assert "Short PCN" not in done.stdout
    failed = run("compare", str(tmp_path / "as-is.yaml"), str(tmp_path / "strict.yaml"))
    assert failed.returncode == 1 and failed.stdout == ""
    assert " ".join(failed.stderr.split()).startswith("Error: B (strict.yaml): No staffing mix for Short PCN meets every rule")
    different = run("compare", str(EXAMPLES[0]), str(EXAMPLES[1]))
    names = [load_scenario(path).pcn.name for path in EXAMPLES[:2]]
    assert names[0] != names[1] and all(name.split()[0] in different.stdout for name in names)


def test_validate_checks_a_batch_base_as_batch_does(tmp_path):
    """A file without a pcn section is a batch's base: `validate` checks it with batch's own check (check_base) and
    says so, instead of "invalid … pcn is required". A bad base gets the sentence `batch --base` gives."""
    bases = sorted((ROOT / "scenarios").glob("*/*.yaml"))
    assert len(bases) >= 5
    done = run("validate", *map(str, EXAMPLES), *map(str, bases))
    assert done.returncode == 0, done.stderr
    assert "invalid" not in done.stdout + done.stderr and "pcn is required" not in done.stderr
    lines = " ".join(done.stdout.split())
    for base in bases:
        assert f"ok {base}: batch base, " in lines
    bad = tmp_path / "base.yaml"
    bad.write_text('year: "2026/27"\nmoney: {top_up_budget_gbp: -5}\n')
    refused = run("validate", str(bad))
    assert refused.returncode == 2
    sentence = f"{bad}: money.top_up_budget_gbp is -£5 a year; give 0 or more"
    assert " ".join(refused.stderr.split()) == f"invalid batch base {sentence}"
    batch = run("batch", str(ROOT / "scenarios" / "national" / "sample-50.csv"), "--base", str(bad), "--output", str(tmp_path / "out"))
    assert batch.returncode == 2 and " ".join(batch.stderr.split()) == f"Error: {sentence}"


def test_solve_refuses_a_report_name_that_is_not_a_pdf_before_solving(tmp_path):
    """It used to write a PDF named x.txt."""
    report = tmp_path / "x.txt"
    done = run("solve", str(EXAMPLES[0]), "--report", str(report))
    assert done.returncode == 2
    assert " ".join(done.stderr.split()) == (f"Error: --report '{report}' does not end in .pdf: the board report is a PDF; "
                                             "give a file name ending .pdf, e.g. board-report.pdf")
    assert not report.exists() and done.stdout == ""


def test_derive_takes_a_band_as_band_7_and_lists_bands_beside_roles():
    """`--derive band_7` was refused as 'not a role or band' with only the roles listed; `7` worked."""
    as_number, as_word = run("catalogue", "--derive", "7"), run("catalogue", "--derive", "band_7")
    assert as_word.returncode == 0, as_word.stderr
    assert as_word.stdout == as_number.stdout and "Band 7 salary" in as_word.stdout
    assert run("catalogue", "--derive", "Band 7-8a").stdout == run("catalogue", "--derive", "7-8a").stdout
    refused = run("catalogue", "--derive", "band_x")
    message = " ".join(refused.stderr.split())
    assert refused.returncode == 2
    assert "choose from a band (2, 3, 4, 5, 6, 7, 8a, 8b, 8c, 8d, 9, or a range such as 7-8a) or a role (advanced_practitioner," in message


@pytest.mark.parametrize("command", ["", "solve", "check", "plan", "validate", "compare", "catalogue", "batch", "new", "national"])
def test_help_shows_no_placeholders(command):
    """typer wrote "<bool>" beside flags, "<list[str]>" for a repeatable option and "{scenario}" in the usage line."""
    done = subprocess.run([sys.executable, "-m", "optimiser", *([command] if command else []), "--help"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    for placeholder in ("<bool>", "<list[", "{", "}"):
        assert placeholder not in done.stdout, placeholder
    usage = next(line for line in done.stdout.splitlines() if "Usage:" in line)
    assert usage.split("optimiser", 1)[1].split() == {
        "": ["[OPTIONS]", "COMMAND", "[ARGS]..."], "validate": ["validate", "[OPTIONS]", "SCENARIO..."],
        "compare": ["compare", "[OPTIONS]", "A", "B"], "catalogue": ["catalogue", "[OPTIONS]"], "batch": ["batch", "[OPTIONS]", "TABLE"],
        "new": ["new", "[OPTIONS]", "FILE"], "national": ["national", "[OPTIONS]", "OUTPUT"],
    }.get(command, [command, "[OPTIONS]", "SCENARIO"])


def test_the_readme_says_how_long_the_tests_take_beside_the_test_command():
    readme = (ROOT / "README.md").read_text()
    before_command = readme[:readme.index('python -m pytest\n')]
    assert "they take about 4–5 minutes on 2 cores" in before_command[-400:]
