"""`catalogue`: the year's roles and rules with sources, and the working for one amount."""

from typer.testing import CliRunner

from optimiser.catalogue_rules import current_year
from optimiser.cli import app


def invoke(*args: str):
    return CliRunner().invoke(app, ["catalogue", *args])


def test_sources_show_the_rules_statuses_and_provisional_figures():
    done = invoke("--year", "2026/27", "--sources")
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert "2026/27 (provisional)" in text and "pension 14.38%, NI 15.0% above £5,000" in text
    assert "Pay award afc 2026/27: 3.3% (provisional)" in text
    assert "Co-funding mental_health_practitioner, subsequent_with_agreement: 100% ARRS" in text
    assert "27.297" in text and "provisional = " in text


def test_default_year_is_the_current_financial_year():
    assert current_year() in invoke().output


def test_derive_shows_the_working_for_a_band_a_role_and_a_salary():
    """Band 7-8a, 2025/26: £52,343.42 (2024/25) × 1.036 = £54,227.78 → + 14.38% pension + 15% NI above £5,000 = £69,409.91;
    published for nobody in 2025/26, but 2025/26-april shows the published £66,972 beside the working."""
    band = " ".join(invoke("--year", "2025/26", "--derive", "7-8a").output.split())
    assert "× 1.036 (2025/26) = £54,227.78" in band and "= employer cost a year £ 69,409.91" in band
    april = " ".join(invoke("--year", "2025/26-april", "--derive", "clinical_pharmacist", "--london", "outer").output.split())
    assert "= outer London maximum £74,391." in april and "published for clinical_pharmacist: £74,392" in april
    salary = " ".join(invoke("--year", "2026/27", "--salary", "40000").output.split())
    assert "+ employer NI 15.0% × (salary − £5,000) £ 5,250.00" in salary and "= employer cost a year £ 51,002.00" in salary


def test_bad_year_or_band_is_a_sentence_and_exit_2():
    for args, words in [(("--year", "2031/32"), "no ARRS rules for '2031/32'"),
                        (("--derive", "11"), "--derive: '11' is not a role or Agenda for Change band of"),
                        (("--year", "2026/27", "--derive", "clinical_pharmacst"),
                         "--derive: 'clinical_pharmacst' is not a role or Agenda for Change band of 2026/27; did you mean 'clinical_pharmacist'?")]:
        done = invoke(*args)
        assert done.exit_code == 2 and words in done.output and "Traceback" not in done.output


def test_london_is_checked_and_never_ignored():
    """`--london` was taken as any text, and without --derive was ignored: `catalogue --london inner` showed the table
    as if nothing had been asked."""
    done = invoke("--london", "inner")
    assert done.exit_code == 2 and "--london inner applies with --derive" in " ".join(done.output.split())
    done = invoke("--derive", "6", "--london", "innner")
    assert done.exit_code == 2
    assert "--london 'innner' is not one of its values: give national, outer or inner" in " ".join(done.output.split())
    assert invoke("--derive", "6", "--london", "inner").exit_code == 0
