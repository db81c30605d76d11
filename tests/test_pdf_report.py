"""The one-page board report: one A4 page, the PCN, the whole mix and the hand-derived figures in its text."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from pypdf import PdfReader

from optimiser.catalogue import load_catalogue
from optimiser.pdf_report import board_report, write_board_report
from optimiser.pipeline import optimise
from optimiser.scenario_io import load_scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.words import in_sentence
from tests.helpers import small_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
A4_POINTS = (595.28, 841.89)


def read(pdf: bytes) -> tuple[int, str, tuple[float, float]]:
    """Page count, the text with whitespace collapsed (lines wrap anywhere), and the first page's size in points."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    box = reader.pages[0].mediabox
    return len(reader.pages), text, (float(box.width), float(box.height))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_fits_one_a4_page_naming_the_pcn_and_every_role_of_the_mix(path):
    result = optimise(load_scenario(path))
    pages, text, size = read(board_report(result, generated=date(2026, 11, 25)))
    assert pages == 1
    assert size == pytest.approx(A4_POINTS, abs=0.1)
    assert result.scenario.pcn.name in text and result.scenario.year in text
    for name in result.mix()["role_name"]:
        assert in_sentence(name) in text  # as the recommendation's sentence writes it
    assert "25 November 2026" in text and "arrs-optimiser" in text
    assert "What limits you most" in text


def test_budget_bound_report_shows_the_hand_derived_mix_money_and_marginal_value():
    """ARRS sum = 3 × the pharmacist's maximum reimbursable amount (£66,972 in the April 2025 DES, year 2025/26-april) = £200,916 and nothing
    else limits: the mix is 3.0 WTE of clinical pharmacist, all new; claimed £200,916, unspent £0; the ARRS sum
    is the one limit, worth 1,000 contacts ÷ 66.972 (£1,000s per WTE) = 14.93 → "+15" per extra £1,000 a year;
    medication reviews: 3 × 1,000 = 3,000 contacts served."""
    amount = float(load_catalogue("2025/26-april").roles.at["clinical_pharmacist", "max_reimbursable_gbp"])
    assert amount == 66_972
    scenario = small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=3 * amount,
                              demand={"medication_review": 5000})
    pages, text, _ = read(board_report(optimise(scenario)))
    assert pages == 1
    assert "Recruit 3.0 WTE: 3.0 WTE clinical pharmacist. Keep 0.0 WTE in post." in text
    assert "ARRS sum 200,916" in text and "claimed 200,916" in text and "unspent 0" in text
    assert "1. ARRS sum: +15 weighted contacts a year per extra £1,000 a year" in text
    assert "5,000 3,000 60%" in text  # medication reviews: needed, served, met


def test_in_post_staff_and_non_published_amounts_are_marked():
    """2 WTE of first contact physiotherapist in post, no money for more: the page keeps them by name and says
    their amount is derived, not a published figure (catalogue status column)."""
    amount = float(load_catalogue("2025/26-april").roles.at["first_contact_physiotherapist", "max_reimbursable_gbp"])
    scenario = small_scenario({"first_contact_physiotherapist": {"msk": 2000}}, arrs_sum=2 * amount,
                              first_contact_physiotherapist={"in_post_wte": 2})
    _, text, _ = read(board_report(optimise(scenario)))
    assert "Recruit no new staff. Keep 2.0 WTE in post: 2.0 WTE first contact physiotherapist." in text
    assert "derived (arithmetic on published figures)" in text and "First contact physiotherapist." in text


def test_every_role_of_a_year_still_fits_one_page():
    """The longest mix there can be (every 2025/26 role staffed) and a long PCN name outside Latin-1."""
    roles = load_catalogue("2025/26").roles.index
    contacts = {role: {"digital_admin": 1000} for role in roles}
    scenario = small_scenario(contacts, arrs_sum=2_000_000, demand={"digital_admin": 10_000_000},
                              **{role: {"max_new_wte": 1} for role in roles})
    data = scenario.model_dump()
    data["pcn"]["name"] = "Ünïcödé Ωmega and the Very Long Name of a Primary Care Network — North East and Yorkshire"
    result = optimise(parse_scenario(data))
    assert len(result.mix()) == len(roles)
    pages, text, _ = read(board_report(result))
    assert pages == 1
    assert "Ünïcödé ?mega" in text  # Latin-1 letters kept; others shown as '?'


def test_a_plan_can_pass_its_own_year_by_year_chart():
    result = optimise(load_scenario(EXAMPLES[0]))
    years = pd.DataFrame({"year": ["2025/26", "2026/27", "2027/28"], "wte": [20.0, 24.0, 27.5]})
    chart = alt.Chart(years).mark_bar().encode(x="year:N", y=alt.Y("wte:Q", title="WTE"))
    pages, text, _ = read(board_report(result, chart=chart))
    assert pages == 1 and result.scenario.pcn.name in text


def test_the_file_is_written_once_and_replaced_only_when_asked(tmp_path):
    result = optimise(load_scenario(EXAMPLES[0]))
    path = write_board_report(result, tmp_path / "board.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    with pytest.raises(FileExistsError):
        write_board_report(result, path)
    write_board_report(result, path, overwrite=True)


def test_the_recommendation_reads_as_the_app_and_names_everyone_kept_in_post():
    """The urban example recruits and keeps staff: the page's recommendation is the app's "In words" sentence (WTE
    before each role, names as in a sentence) with every role kept in post named too, WTE first."""
    from optimiser.result_display import mix_in_words

    result = optimise(load_scenario(ROOT / "scenarios" / "urban-deprived-2026-27.yaml"))
    _, text, _ = read(board_report(result))
    sentence = mix_in_words(result, name_kept=True)
    assert sentence in text
    assert sentence.startswith(mix_in_words(result).removesuffix(".") + ": ")
    kept = result.mix()[lambda mix: mix["in_post_wte"] > 0.005]
    for _, row in kept.iterrows():
        assert f"{row['total_wte'] - row['new_wte']:.1f} WTE {in_sentence(row['role_name'])}" in sentence


def test_further_binding_limits_give_their_unit_and_read_as_a_sentence():
    """The large example's further limits are the ARRS sum (per £10,000 a year) and two roles' staff in post: a board
    reads each value with its unit and the role in lower case, as the lead limits and the app word them, not
    'Keeping Health and wellbeing coach in post (-0.1)'. Staff in post are named as kept, with no value: a negative
    value per WTE kept reads as advice to cut them (the CLI and the app say what their money would buy instead)."""
    result = optimise(load_scenario(ROOT / "scenarios" / "large-2024-25.yaml"))
    _, text, _ = read(board_report(result, generated=date(2026, 11, 26)))
    rest = result.binding_constraints()
    kept = rest[(rest["family"] == "in_post_floor") & (rest["marginal_value"].abs() >= 0.05)]  # shown to one decimal
    assert len(kept) >= 2
    for _, row in kept.iterrows():
        name = in_sentence(result.inputs.roles.at[row["label"], "role_name"])
        assert f"Staff in post kept: {name};" in text or f"Staff in post kept: {name}." in text
    arrs = rest[rest["family"] == "arrs_budget"].iloc[0]
    assert f"ARRS sum ({arrs['marginal_value']:+.1f} points of care score per extra £10,000 a year)" in text
    assert "(marginal value per unit)" not in text and "Keeping" not in text and "per extra WTE)" not in " ".join(
        part for part in text.split(";") if "Staff in post kept" in part)


def test_the_board_reads_the_care_score_and_why_money_is_unspent_as_the_cli_says_it(tmp_path):
    """The urban example with a £160,000 top-up budget leaves ARRS and own money unspent. The board report gives the care
    score out of 100 with what 100 means, and the very sentences the CLI gives for each unspent sum (made in one place,
    Result.unspent_money), beside the money table; and staff in post kept carry no negative value per WTE."""
    text_in = (ROOT / "scenarios" / "urban-deprived-2026-27.yaml").read_text()
    assert "top_up_budget_gbp: 60000" in text_in
    path = tmp_path / "urban.yaml"
    path.write_text(text_in.replace("top_up_budget_gbp: 60000", "top_up_budget_gbp: 160000"))
    result = optimise(load_scenario(path))
    summary = result.summary()
    _, text, _ = read(board_report(result, generated=date(2026, 11, 26)))
    assert f"Care score {summary['care_score']:.1f} (out of 100: every need fully met)." in text
    sentences = result.unspent_money()
    assert len(sentences) == 2
    assert sentences[0].startswith(f"£{summary['arrs_unspent_gbp_per_year']:,.0f} of the ARRS sum is unspent (lost to the PCN) because ")
    assert sentences[1].startswith("£") and "of the top-up budget is unspent" in sentences[1]
    for sentence in sentences:
        assert " ".join(sentence.split()) in text
    from tests.test_cli import run

    cli = run("solve", str(path), "--no-what-if")
    assert cli.returncode == 0, cli.stderr
    words = " ".join(cli.stdout.replace("│", " ").split())
    for sentence in sentences:
        assert sentence in words
    kept = result.binding_constraints().query("family == 'in_post_floor'")
    assert len(kept)
    assert "in post: -" not in text and "Keeping" not in text


def test_a_pcn_whose_staff_in_post_cost_more_than_its_sum_reads_it_in_the_money_table_and_the_headline():
    """2 pharmacists in post claim 2p (p = £66,972) against a £100,000 sum and no top-up: the page gives the £33,944
    beyond the sum as a money row, paid outside ARRS, and the answer's sentence about it."""
    from optimiser.result_display import answer_in_words

    p = load_catalogue("2025/26-april").roles.at["clinical_pharmacist", "max_reimbursable_gbp"]
    result = optimise(small_scenario({"clinical_pharmacist": {"medication_review": 1000}}, arrs_sum=100_000,
                                     clinical_pharmacist={"in_post_wte": 2}))
    _, text, _ = read(board_report(result, generated=date(2026, 11, 26)))
    assert f"staff in post beyond it {2 * p - 100_000:,.0f} paid outside ARRS" in text
    assert " ".join(answer_in_words(result).split()) in text
