"""How a result speaks of staff in post: the money they take beyond the ARRS sum comes with the answer, and keeping them
reads as a fact with a cost in hiring, never as advice to cut them or as more care than is left to gain."""

from __future__ import annotations

import re

import pytest

from optimiser.assumptions import load_assumptions
from optimiser.pipeline import optimise
from optimiser.result_display import answer_in_words
from tests.helpers import small_scenario
from tests.test_model import PHARMACIST, TECHNICIAN, max_amount
from tests.test_cli import run

POINTS = re.compile(r"([\d,]+\.\d) points of care score")


def test_a_real_pcn_over_its_arrs_sum_hears_it_with_the_answer_and_no_claim_beyond_the_care_left(tmp_path):
    """West Norwich PCN (U00000 in the bundled PCN table) has staff in post who claim more than its ARRS sum and no
    top-up budget. The answer says so before the staffing figures: how much, that they are kept, that it is paid outside
    ARRS on top of the £0 top-up budget. No sentence about staff in post says what keeping them 'costs', and no figure
    in points of care score exceeds the care left to gain (100 − the score shown), which a 0–100 score cannot give."""
    path = tmp_path / "norwich.yaml"
    made = run("new", "--pcn", "U00000", str(path))
    assert made.returncode == 0, made.stderr
    done = run("solve", str(path), "--no-what-if")
    assert done.returncode == 0, done.stderr
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", done.stdout).split())  # the panel's border is not words
    fact = re.search(r"Staff already in post would claim £([\d,]+) a year more than the ARRS sum of £[\d,]+: they are all kept, "
                     r"and that £\1 a year is taken as paid outside ARRS, on top of the £0 top-up budget", text)
    assert fact, text[:600]
    assert fact.start() < text.index("Staff: ") < text.index("What limits you")
    assert text.index("Best mix found and proven") < fact.start()
    score = float(re.search(r"Care score ([\d.]+) of 100", text).group(1))
    limits = text[text.index("What limits you"):text.index("Technical details")]
    kept = re.findall(r"[A-Z][^.•–]*?: the staff in post \([\d.]+ WTE\) are kept[^•–]*", limits)
    assert len(kept) >= 10
    assert "keeping the" not in limits and "costs about" not in limits
    for sentence in kept:
        assert "why less can be hired" in sentence
        for figure in POINTS.findall(sentence):
            assert float(figure.replace(",", "")) <= round(100 - score, 1) + 0.05, sentence
    assert text.count("would claim") == 1  # said once, with the answer


def test_keeping_staff_in_post_gives_what_their_money_would_buy_at_most_within_the_care_left():
    """Hand-derived (valuation: contacts). 2 pharmacists in post (500 medication reviews a WTE-year each) and ARRS for
    3 pharmacists (3p, p = £66,972); technicians do 2,000 a WTE-year at t a WTE. The money left (p) buys p/t technicians.
    Keeping one more pharmacist costs 2000·p/t − 500 reviews (the floor's marginal value, per WTE), so the money the
    two kept take would add at most 2 × (2000·p/t − 500) reviews in other roles. With demand D large that is below the
    care left (D − served), and the sentence gives it; with D just above what is served, it exceeds the care left, and
    the sentence gives no figure (it would claim more than is left to gain)."""
    p, t = max_amount(PHARMACIST), max_amount(TECHNICIAN)
    contacts = {PHARMACIST: {"medication_review": 500}, TECHNICIAN: {"medication_review": 2000}}
    most = 2 * (2000 * p / t - 500)
    served = 2 * 500 + 2000 * p / t
    only = dict.fromkeys(load_assumptions().categories.index, 0.0)  # no other need: all the care left is reviews
    large = optimise(small_scenario(contacts, arrs_sum=3 * p, clinical_pharmacist={"in_post_wte": 2},
                                    demand={**only, "medication_review": served + most + 10_000}))
    sentence = large.binding_constraints().at[f"in_post_floor[{PHARMACIST}]", "explanation"]
    assert sentence == (f"Clinical pharmacist: the staff in post (2 WTE) are kept, and the money they take is part of why less can be "
                        f"hired (in other roles it would add at most {most:,.0f} weighted contacts a year).")
    tight = optimise(small_scenario(contacts, arrs_sum=3 * p, clinical_pharmacist={"in_post_wte": 2},
                                    demand={**only, "medication_review": served + 100}))
    assert tight.care_left_to_gain == pytest.approx(100)
    sentence = tight.binding_constraints().at[f"in_post_floor[{PHARMACIST}]", "explanation"]
    assert sentence == ("Clinical pharmacist: the staff in post (2 WTE) are kept, and the money they take is part of why less can be "
                        "hired.")


def test_the_answer_says_who_pays_staff_in_post_beyond_the_sum_and_the_notes_do_not_repeat_it():
    """2 pharmacists in post claim 2p = £133,944 against a £100,000 sum: £33,944 beyond it, with a £5,000 top-up."""
    p = max_amount(PHARMACIST)
    result = optimise(small_scenario({PHARMACIST: {"medication_review": 1000}}, arrs_sum=100_000, top_up=5_000,
                                     clinical_pharmacist={"in_post_wte": 2}))
    beyond = 2 * p - 100_000
    words = answer_in_words(result)
    assert words.startswith("Best mix found and proven")
    assert (f"Staff already in post would claim £{beyond:,.0f} a year more than the ARRS sum of £100,000: they are all kept, "
            f"and that £{beyond:,.0f} a year is taken as paid outside ARRS, on top of the £5,000 top-up budget") in words
    assert not any("would claim" in note for note in result.notes())
    assert any("policy.in_post_beyond_arrs_sum: infeasible" in note for note in result.notes())


def test_a_what_if_as_good_as_the_base_says_its_moves_between_roles_are_a_choice():
    """The large 2024/25 example: with every cap lifted the care score is 97.0 and the cost £3,213,936 a year, as with
    the caps (to the precision shown), yet pharmacists fall by over 4 WTE while care co-ordinators and nurses rise. The
    CLI's what-if says both mixes are equally good and the moves are a choice, not what lifting the caps requires; a
    comparison whose care differs says nothing of the kind."""
    from optimiser.comparison import equally_good
    from optimiser.pipeline import with_caps_lifted
    from optimiser.scenario_io import load_scenario
    from tests.test_cli import ROOT

    path = ROOT / "scenarios" / "large-2024-25.yaml"
    done = run("solve", str(path))
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    what_if = text[text.index("What if every cap were lifted"):]
    assert re.search(r"Care score \(of 100\) ([\d.]+) \1 0\.0", what_if)
    assert re.search(r"WTE: Clinical pharmacist [\d.]+ [\d.]+ -\d", what_if)
    assert ("the two mixes are equally good to the precision shown, and the moves between roles are a choice between "
            "equally good mixes, not something lifting the caps requires.") in what_if
    scenario = load_scenario(path)
    base = optimise(scenario)
    richer = optimise(scenario.model_copy(update={"money": scenario.money.model_copy(update={"top_up_budget_gbp": 400_000})}))
    assert round(richer.summary()["care_score"], 1) != round(base.summary()["care_score"], 1)
    assert equally_good(base, richer) is None
    assert equally_good(base, optimise(with_caps_lifted(scenario)), "lifting the caps").startswith(
        "Both give a care score of 97.0 of 100 for £")


def test_tables_of_limits_give_no_value_per_wte_for_staff_in_post_kept():
    """The app's and the workbook's table of limits (limits_display) give every limit's marginal value with its unit,
    except staff in post kept: their value per WTE is negative (-0.2 points a WTE reads as 'cut a physio'), and their
    sentence says what their money would buy instead."""
    from optimiser import result_display
    from optimiser.scenario_io import load_scenario
    from tests.test_cli import ROOT

    result = optimise(load_scenario(ROOT / "scenarios" / "large-2024-25.yaml"))
    binding = result.binding_constraints()
    table = result_display.limits_display(result)
    kept = binding["family"] == "in_post_floor"
    assert kept.sum() >= 2 and (binding.loc[kept, "marginal_value"] < 0).any()
    assert table.loc[kept, "Marginal value"].isna().all() and (table.loc[kept, "Unit of the marginal value"] == "").all()
    others = binding.index[~kept]
    assert len(others) and table.loc[others, "Marginal value"].tolist() == binding.loc[others, "marginal_value"].tolist()
    assert table.loc[others, "Unit of the marginal value"].tolist() == binding.loc[others, "marginal_value_unit"].tolist()
