"""End to end in a real headless Chromium: the page renders its chart and tables, and lifting caps changes the mix."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimiser import edit_tables, plan_ui, result_display
from optimiser.app import edit_tab
from optimiser.pipeline import optimise, with_caps_lifted
from optimiser.plan_tables import YEAR_COLUMNS
from optimiser.scenario_io import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LARGE = ROOT / "scenarios" / "large-2024-25.yaml"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
START_SECONDS = 60
STEP_MS = 30_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="real-browser test needs Chromium at /usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path, request):
    """`streamlit run app.py` on a free localhost port, stopped (by its own pid) at the end. It opens on the large
    example, or on the file a test names through indirect parametrisation."""
    port = free_port()
    env = {**os.environ, "ARRS_SCENARIO_DIR": str(tmp_path), "ARRS_APP_SCENARIO": getattr(request, "param", LARGE.name)}
    log = open(tmp_path / "streamlit.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=STEP_MS,
    )


@contextlib.contextmanager
def app_page(app_url: str, width: int, height: int, ready: str) -> Iterator:
    """The app in headless Chromium in a window of this size, once `ready` (text on the page) shows and the page settles."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(STEP_MS)
            page.goto(app_url, wait_until="domcontentloaded")
            page.get_by_text(ready).first.wait_for()
            settle(page)
            yield page
        finally:
            browser.close()


def in_words(page) -> str:
    return page.locator("p", has_text="In words:").first.inner_text(timeout=STEP_MS)


def test_page_renders_and_remove_all_caps_changes_the_mix(app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    scenario = load_scenario(LARGE)
    capped, lifted = optimise(scenario), optimise(with_caps_lifted(scenario))
    with app_page(app_url, 1500, 1100, "Staffing mix") as page:
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(state="visible")
        assert chart.bounding_box()["height"] > 100
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for()
        page.locator('[data-testid="stDataFrame"]').nth(2).wait_for()  # tables render after the chart
        page.locator('[data-testid="stMetric"]').nth(4).wait_for()
        assert page.locator('[data-testid="stDataFrame"]').count() >= 3
        assert page.locator('[data-testid="stMetric"]').count() == 5
        before = in_words(page)
        assert before.removeprefix("In words:").strip() == result_display.mix_in_words(capped)
        page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=False)

        page.get_by_text("Remove all caps", exact=True).click()
        expected = result_display.mix_in_words(lifted)
        page.wait_for_function(
            "(text) => [...document.querySelectorAll('p')].some(p => p.innerText.includes(text))", arg=expected, timeout=STEP_MS)
        settle(page)
        after = in_words(page)
        assert after != before
        assert after.removeprefix("In words:").strip() == expected
        assert page.get_by_text(re.compile("Unsaved changes")).count() >= 1
        page.screenshot(path=str(ARTIFACTS / "app-caps-lifted.png"), full_page=False)


TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(d => d.getBoundingClientRect().width > 0).map(d => {
    const scroller = d.querySelector('.dvn-scroller');
    const box = d.getBoundingClientRect();
    return {right: box.right, scrollWidth: scroller ? scroller.scrollWidth : 0, clientWidth: scroller ? scroller.clientWidth : 0,
            headers: [...d.querySelectorAll('th, [role=columnheader]')].map(h => h.textContent.trim())};
})"""
CHARTS_JS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(c => c.getBoundingClientRect().width > 0)
    .map(c => { const drawn = c.querySelector('canvas, svg'); return {box: c.getBoundingClientRect().right,
                drawn: drawn ? drawn.getBoundingClientRect().right : 0}; })"""


def test_result_tables_fit_a_1366_pixel_laptop_without_sideways_scrolling(app_url):
    """At 1366×900 the care table's Unmet column and the mix table's last column are in view, and no table or chart
    needs scrolling sideways (each grid's scroll width equals its visible width), on the Result tab and on Compare."""
    with app_page(app_url, 1366, 900, "Care served and unmet") as page:
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
                               ".filter(d => d.querySelector('th, [role=columnheader]')).length >= 3", timeout=STEP_MS)
        tables = page.evaluate(TABLES_JS)
        [mix] = [t for t in tables if t["headers"][:1] == ["Role"] and "Total" in t["headers"]]
        [care] = [t for t in tables if t["headers"][:1] == ["Demand category"] and "Unmet /yr" in t["headers"]]
        assert care["headers"].index("Unmet /yr") <= 2  # served and unmet come first
        assert mix["headers"][-1] == "Max £/WTE"
        for table in tables:
            assert table["scrollWidth"] <= table["clientWidth"] + 1, table
            assert table["right"] <= 1366, table
        for chart in page.evaluate(CHARTS_JS):
            assert chart["drawn"] <= chart["box"] + 1, chart  # legends and labels inside the chart's box
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-1366.png"), full_page=False)

        page.get_by_role("tab", name="Compare").click()  # its contacts table hid Change and Direction off the right
        page.get_by_role("heading", name="Contacts served", exact=True).wait_for()
        settle(page)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')].filter(d => "
                               "d.getBoundingClientRect().width > 0 && d.querySelector('th, [role=columnheader]')).length >= 3",
                               timeout=STEP_MS)
        compared = page.evaluate(TABLES_JS)
        assert any(t["headers"][:1] == ["Demand category"] and t["headers"][-1] == "Direction" for t in compared)
        for table in compared:
            assert table["scrollWidth"] <= table["clientWidth"] + 1, table
            assert table["right"] <= 1366, table


CUT_OFF_JS = """(text) => {
    const holders = [...document.querySelectorAll('section.main *, [data-testid="stMain"] *')]
        .filter(e => e.children.length === 0 && e.textContent.includes(text));
    return holders.map(e => { const cut = []; for (let a = e; a && a !== document.body; a = a.parentElement) {
        const box = a.getBoundingClientRect();
        if (a.scrollWidth > a.clientWidth + 1 && getComputedStyle(a).overflowX !== 'visible' || box.right > innerWidth)
            cut.push(a.tagName + ' ' + (a.getAttribute('data-testid') || '') + ' ' + a.scrollWidth + '>' + a.clientWidth);
    } return {text: e.textContent, cut: cut}; });
}"""


@pytest.mark.parametrize("app_url", ["urban-deprived-2026-27.yaml"], indirect=True)
def test_why_arrs_is_unspent_is_read_whole_on_a_1366_pixel_laptop(app_url):
    """The urban example leaves ARRS unspent: at 1366×768 the sentence beside the figure (UNSPENT_WHY) is shown whole,
    not cut off with an ellipsis ("lost to the PCN; why: What limits…")."""
    with app_page(app_url, 1366, 768, "ARRS unspent (£ a year)") as page:
        page.get_by_text(result_display.UNSPENT_WHY).first.wait_for()
        holders = page.evaluate(CUT_OFF_JS, result_display.UNSPENT_WHY)
        assert holders and all(h["text"].strip() == result_display.UNSPENT_WHY for h in holders), holders
        assert all(not h["cut"] for h in holders), holders
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-1366-unspent.png"), full_page=False)


METRICS_JS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => ({
    label: m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
    value: m.querySelector('[data-testid="stMetricValue"]').innerText.trim()}))"""


@pytest.mark.parametrize("app_url", ["urban-deprived-2026-27.yaml"], indirect=True)
def test_headline_figures_with_the_care_score_are_read_whole_on_a_1366_by_768_laptop(app_url):
    """Five headline figures, the care score last: at 1366×768 (sidebar open) no label or figure is cut off with an
    ellipsis (Streamlit truncates a metric that does not fit its column), and the care score's help says what it means."""
    with app_page(app_url, 1366, 768, "Care score (of 100)") as page:
        metrics = page.evaluate(METRICS_JS)
        assert [m["label"] for m in metrics] == ["Staff (WTE)", "ARRS claimed (£ a year)", "ARRS unspent (£ a year)",
                                                 "Contacts served (a year)", "Care score (of 100)"]
        assert metrics[-1]["value"] == "91.9"
        for metric in metrics:
            for text in (metric["label"], metric["value"]):
                holders = page.evaluate(CUT_OFF_JS, text)
                assert holders and all(not h["cut"] for h in holders), (text, holders)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-1366-headline.png"), full_page=False)
        score = page.locator('[data-testid="stMetric"]', has_text="Care score (of 100)")
        score.locator('[data-testid="stTooltipHoverTarget"], [data-testid="stTooltipIcon"]').first.hover()
        page.get_by_text(result_display.care_score_help("share")).first.wait_for()


def fitting_tables(page, width: int) -> list[dict]:
    """The tables in view (TABLES_JS), each checked to need no sideways scrolling and to end inside the window."""
    tables = page.evaluate(TABLES_JS)
    for table in tables:
        assert table["scrollWidth"] <= table["clientWidth"] + 1, table
        assert table["right"] <= width, table
    return tables


def open_roles_editor(page) -> None:
    """The Roles and demand tab, once its two editors (Roles, Demand) have drawn their headers."""
    page.get_by_role("tab", name="Roles and demand").click()
    page.get_by_role("heading", name="Roles", exact=True).wait_for()
    settle(page)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')].filter(d => "
                           "d.getBoundingClientRect().width > 0 && d.querySelector('th, [role=columnheader]')).length >= 2",
                           timeout=STEP_MS)


@pytest.mark.parametrize("app_url", ["urban-deprived-2026-27.yaml"], indirect=True)
def test_roles_editor_fits_a_1366_by_768_laptop_without_sideways_scrolling(app_url):
    """At 1366×768 (sidebar open) the Roles editor of the current year's 24 roles shows every column at once: all its
    short headers are drawn (the grid draws only the columns in view) and its scroll width is its visible width; the
    Demand editor below it fits too. The editor was 359 pixels wider than the page, its last two columns off the right."""
    with app_page(app_url, 1366, 768, "Staffing mix") as page:
        open_roles_editor(page)
        tables = fitting_tables(page, 1366)
        [roles] = [t for t in tables if t["headers"][:1] == [edit_tables.ROLE_HEADERS["role_name"]]]
        assert roles["headers"] == [edit_tables.ROLE_HEADERS[c] for c in edit_tables.ROLE_COLUMNS]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-1366-roles.png"), full_page=False)


ROWS_JS = """() => { const grid = [...document.querySelectorAll('[data-testid="stDataFrame"]')].find(d => d.getBoundingClientRect().width > 0);
    return [...grid.querySelectorAll('tr')].map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent.trim())); }"""
"""The visible grid's rows as its accessible table holds them (the grid itself is drawn on a canvas)."""


@pytest.mark.parametrize("app_url", ["urban-deprived-2026-27.yaml"], indirect=True)
def test_a_manager_types_their_icbs_amount_into_the_roles_editor(app_url):
    """At 1366×768 the maximum reimbursable amount is an editable column (its header carries the edit mark and still fits):
    typed over the pharmacist's provisional £71,725, £75,000 is the manager's own ("yours") and the scenario has unsaved
    changes; the pharmacist's cost, given in the file as a salary, stays £74,290."""
    with app_page(app_url, 1366, 768, "Staffing mix") as page:
        open_roles_editor(page)
        header, first = page.evaluate(ROWS_JS)[:2]
        column = list(edit_tables.ROLE_COLUMNS).index("max_reimbursable_gbp")
        assert header[column] == edit_tables.ROLE_HEADERS["max_reimbursable_gbp"]
        assert (first[0], first[column], first[column + 1]) == ("Clinical pharmacist", "71725", "provisional")
        grid = page.locator('[data-testid="stDataFrame"]:visible').first.bounding_box()
        left = sum(edit_tab.ROLE_WIDTHS[c] for c in list(edit_tables.ROLE_COLUMNS)[:column])
        page.mouse.dblclick(grid["x"] + left + edit_tab.ROLE_WIDTHS["max_reimbursable_gbp"] / 2, grid["y"] + 35 + 17)  # row 1
        cell = page.locator("input.gdg-input")  # the grid's editor over the cell
        cell.wait_for()
        cell.fill("75000")
        cell.press("Enter")
        page.get_by_text("Unsaved changes").first.wait_for(timeout=2 * STEP_MS)
        settle(page)
        page.wait_for_function(f"() => ({ROWS_JS})()[1][{column + 1}] === 'yours'", timeout=STEP_MS)
        first = page.evaluate(ROWS_JS)[1]
        assert (first[column], first[column + 1], first[list(edit_tables.ROLE_COLUMNS).index("cost_per_wte_gbp")]) == ("75000", "yours", "74290")
        fitting_tables(page, 1366)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "app-1366-roles-max-edited.png"), full_page=False)


@pytest.mark.parametrize("app_url", ["plan-rural-2025-26.yaml"], indirect=True)
def test_plan_ahead_tables_fit_a_1366_by_768_laptop_without_sideways_scrolling(app_url):
    """At 1366×768 the futures editor shows its eight columns at once (it was 363 pixels too wide) and the years table,
    split into Staff, Money and Need met, fits in each part (as one table it was 2,679 pixels wide in 904)."""
    with app_page(app_url, 1366, 768, "Staffing mix") as page:
        page.get_by_role("tab", name="Plan ahead").click()
        page.get_by_text("Make the plan").click()
        page.get_by_role("tab", name="Money (£ a year)").wait_for(timeout=120_000)
        settle(page)
        for group, columns in plan_ui.YEAR_GROUPS.items():
            page.get_by_role("tab", name=group).click()
            expected = [plan_ui.YEAR_HEADERS.get(c, YEAR_COLUMNS[c][0]) for c in columns]
            page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')].filter(d => "
                                   "d.getBoundingClientRect().width > 0 && d.querySelector('[role=columnheader]')).length >= 2",
                                   timeout=STEP_MS)
            futures, years = fitting_tables(page, 1366)
            assert futures["headers"] == list(plan_ui.FUTURE_HEADERS.values())
            assert [h.split(" (")[0] for h in years["headers"]] == [h.split(" (")[0] for h in expected], years  # Care's unit varies
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"app-1366-plan-{columns[-1]}.png"), full_page=False)


TEXT_WIDTH_JS = """async (texts) => { await document.fonts.ready; const context = document.createElement('canvas').getContext('2d');
    context.font = '14px "Source Sans", sans-serif'; return texts.map(t => context.measureText(t).width); }"""
CELL_PADDING = 16
"""The grid's cell padding, 8 pixels a side: a cell shows its text whole when the text and this fit its column."""


def longest_labels() -> dict[str, tuple[list[str], int]]:
    """Every label a first column shows (all years' role names and the examples' own roles, every need, every headline
    measure, every money row of the examples), with the width in pixels the app gives that column (stretching only
    widens it)."""
    from optimiser.app import compare_tab, edit_tab, result_tab
    from optimiser.assumptions import load_assumptions
    from optimiser.catalogue import load_catalogue
    from optimiser.catalogue_rules import available_years
    from optimiser.comparison import comparison_tables
    from optimiser.result_display import money_display

    examples = [load_scenario(path) for path in sorted((ROOT / "scenarios").glob("*.yaml"))]
    roles = sorted({name for year in available_years() for name in load_catalogue(year).roles["role_name"]}
                   | {name for s in examples for name in edit_tables.roles_table(s)["role_name"]})  # custom roles too
    needs = list(load_assumptions().categories["category_name"])
    results = [(optimise(s), optimise(with_caps_lifted(s))) for s in examples]
    measures = {m for a, b in results for m in comparison_tables(a, b)["headline"]["Measure"]}
    money = [money_display(a) for a, _ in results]
    return {
        "roles editor": (roles, edit_tab.ROLE_WIDTHS["role_name"]),
        "mix (estimates marked *)": ([f"{name} *" for name in roles], result_tab.MIX_CONFIG["Role"]["width"]),
        "care": (needs, result_tab.CATEGORY_WIDTH),
        "compared headline": (sorted(measures), compare_tab.FIRST_COLUMN_WIDTH["headline"]),
        "compared mix": (roles, compare_tab.FIRST_COLUMN_WIDTH["mix"]),
        "money item": ([i for m in money for i in m["Item"]], result_tab.MONEY_WIDTHS["Item"]),
        "money how": ([h for m in money for h in m["How"]], result_tab.MONEY_WIDTHS["How"]),
    }


def test_every_label_is_read_whole_in_its_column(app_url):
    """Long labels are cut with an ellipsis in a grid: each first column's configured width holds its longest label as
    Chromium draws it in the grid's font ("Mental health practitioner (adult, b…", "Medication reviews and medicines o…" and
    "Top-up used: staff costs above reimbursement" were cut at 1366 pixels)."""
    labels = longest_labels()
    with app_page(app_url, 1366, 768, "Staffing mix") as page:
        for column, (texts, width) in labels.items():
            widths = page.evaluate(TEXT_WIDTH_JS, texts)
            widest, text = max(zip(widths, texts))
            assert widest + CELL_PADDING <= width, f"{column}: {text!r} needs {widest + CELL_PADDING:.0f} pixels, the column has {width}"
