"""The search pages in a real browser: Debian's Chromium driven by Playwright.

Locators use roles, labels and text, as a person (or a screen reader) finds things, so these
tests survive changes of markup and CSS classes.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright

from tests.fixtures_web import SEEDS, config
from web.app import create_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SEARCH_BOX = "Rechercher dans les communiqués"
# Fifteen releases beside the five seeds: 20 in all, two pages of 10, several agencies and years.
EXTRA_RELEASES = [
    ("2019-02-11", "NASA", "Un satellite météo pour la NASA"),
    ("2019-06-03", "ESA", "L'ESA qualifie un satellite radar"),
    ("2020-01-20", "JAXA", "La JAXA teste un satellite de communication"),
    ("2020-05-14", "NASA", "La NASA choisit un satellite d'observation"),
    ("2020-09-30", "ESA", "Un satellite de l'ESA pour le climat"),
    ("2021-03-08", "ESA", "L'ESA signe pour un satellite scientifique"),
    ("2021-07-19", "JAXA", "Un satellite lunaire pour la JAXA"),
    ("2021-11-02", "NASA", "La NASA et un satellite d'étude solaire"),
    ("2022-02-24", "ESA", "L'ESA prépare un satellite de navigation"),
    ("2022-06-15", "CNES", "Le CNES livre un satellite océanographique"),
    ("2022-10-05", "JAXA", "La JAXA lance un satellite astronomique"),
    ("2023-04-12", "ESA", "L'ESA finance un satellite d'essai"),
    ("2023-08-28", "NASA", "La NASA reçoit un satellite de relais"),
    ("2024-01-16", "CNES", "Le CNES étudie un satellite de secours"),
    ("2024-05-21", "ESA", "L'ESA dévoile un satellite de démonstration"),
]


def _release_text(date: str, agency: str, title: str) -> str:
    return (
        f"{date}\n\n{title}\n\n"
        f"Ce communiqué annonce que {agency} prépare un satellite. "
        f"Le satellite rejoindra l'orbite prévue après une campagne d'essais menée par {agency}.\n"
    )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, served by waitress from a thread, on its own corpus."""
    base = tmp_path_factory.mktemp("browser")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    for number, (date, agency, title) in enumerate(EXTRA_RELEASES):
        text = _release_text(date, agency, title)
        (corpus / f"extra-{number:02d}.txt").write_text(text, encoding="utf-8")
    app = create_app(config(corpus, base / "index"))  # indexes the corpus
    server = waitress.create_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, name="waitress-browser-tests")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; missing, it skips these tests locally and fails them on CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh page; the test fails if the page logged an error or threw one."""
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} at {message.location}")

    def on_page_error(error: Error) -> None:
        errors.append(f"page error: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    context.close()
    assert errors == []


def search_box(page: Page):
    return page.get_by_label(SEARCH_BOX)


def results(page: Page):
    """The results of the page: one article each."""
    return page.get_by_role("main").get_by_role("article")


def count(page: Page):
    """The live region announcing how many releases match."""
    return page.get_by_role("status")


def submit_query(page: Page, q: str) -> None:
    page.goto("/")
    search_box(page).fill(q)
    with page.expect_navigation():
        search_box(page).press("Enter")


def test_a_query_shows_highlighted_results(page: Page) -> None:
    submit_query(page, "lune")
    expect(page).to_have_url(re.compile(r"/\?q=lune(&|$)"))
    expect(count(page)).to_have_text("2 résultats")
    expect(results(page)).to_have_count(2)
    for article in results(page).all():
        expect(article.locator("mark").first).to_have_text(re.compile(r"^lune$", re.IGNORECASE))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "search.png", full_page=True)


def test_a_facet_value_filters_and_its_chip_removes_the_filter(page: Page) -> None:
    submit_query(page, "satellite")
    expect(count(page)).to_have_text("15 résultats")
    agencies = page.get_by_role("complementary").get_by_role("region", name="Agences")
    nasa = agencies.get_by_role("link", name=re.compile(r"^NASA \d+$"))
    expected = int(nasa.text_content().split()[-1])

    nasa.click()
    expect(page).to_have_url(re.compile(r"[?&]agency=NASA(&|$)"))
    expect(count(page)).to_have_text(f"{expected} résultats")
    expect(results(page)).to_have_count(expected)
    for article in results(page).all():
        expect(article.get_by_role("listitem").filter(has_text="NASA")).to_have_count(1)
    selected = agencies.get_by_role("link", name=re.compile(r"Filtre actif, retirer : NASA"))
    expect(selected).to_have_attribute("aria-current", "true")

    page.get_by_role("link", name="Retirer le filtre NASA").click()
    expect(page).not_to_have_url(re.compile("agency="))
    expect(count(page)).to_have_text("15 résultats")
    expect(page.get_by_role("link", name=re.compile("^Retirer le filtre"))).to_have_count(0)


def test_pages_go_forward_and_back(page: Page) -> None:
    page.goto("/")
    expect(count(page)).to_have_text("20 résultats")
    first_page = results(page).all_text_contents()
    pages = page.get_by_role("navigation", name="Pages de résultats")

    pages.get_by_role("link", name=re.compile("Suivant")).click()
    expect(page).to_have_url(re.compile(r"[?&]page=2$"))
    expect(results(page)).to_have_count(10)
    expect(pages.get_by_role("link", name="Page 2, page actuelle")).to_have_attribute(
        "aria-current", "page"
    )
    assert set(results(page).all_text_contents()).isdisjoint(first_page)

    pages.get_by_role("link", name=re.compile("Précédent")).click()
    expect(page).not_to_have_url(re.compile("page="))
    expect(results(page)).to_have_text(first_page)


def test_a_release_opens_with_the_query_words_marked(page: Page) -> None:
    submit_query(page, "lune")
    title = results(page).first.get_by_role("heading").get_by_role("link")
    name = title.text_content()
    title.click()
    expect(page).to_have_url(re.compile(r"/releases/[^?]+\?q=lune(&|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    marks = page.get_by_role("article").locator("mark")
    expect(marks.first).to_have_text(re.compile(r"^lune", re.IGNORECASE))
    page.get_by_role("link", name="← Retour aux résultats").click()
    expect(page).to_have_url(re.compile(r"/\?q=lune(&|$)"))


def test_keyboard_alone_searches_and_opens_a_result(page: Page) -> None:
    page.goto("/")
    expect(search_box(page)).to_be_focused()
    page.keyboard.type("lune")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(count(page)).to_have_text("2 résultats")
    first_title = results(page).first.get_by_role("heading").get_by_role("link")
    tab_until_focused(page, first_title)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/releases/"))

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def tab_until_focused(page: Page, target, limit: int = 20) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; fail after `limit`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} not reached with {limit} presses of Tab")


def test_results_follow_typing_without_reloading_the_page(page: Page) -> None:
    page.goto("/")
    expect(count(page)).to_have_text("20 résultats")
    page.evaluate("window.notReloaded = true")
    search_box(page).press_sequentially("satellite")
    expect(page).to_have_url(re.compile(r"/\?q=satellite$"))
    expect(count(page)).to_have_text("15 résultats")
    expect(results(page).first.locator("mark").first).to_have_text(
        re.compile("^satellite$", re.IGNORECASE)
    )
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_title(re.compile("^satellite"))


def test_a_new_query_keeps_the_active_filter(page: Page) -> None:
    page.goto("/?agency=ESA")
    chip = page.get_by_role("link", name="Retirer le filtre ESA")
    expect(chip).to_be_visible()
    search_box(page).fill("satellite")
    with page.expect_navigation():
        search_box(page).press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]agency=ESA(&|$)"))
    expect(chip).to_be_visible()
    expect(results(page)).not_to_have_count(0)
    for article in results(page).all():
        expect(article.get_by_role("listitem").filter(has_text="ESA")).to_have_count(1)


def suggestions(page: Page):
    return page.get_by_role("listbox", name="Suggestions")


def combobox(page: Page):
    return page.get_by_role("combobox", name=SEARCH_BOX)


def announcement(page: Page):
    """The polite live region that tells screen readers how many suggestions there are."""
    return page.locator("#q-suggestions-status")


def test_typing_offers_suggestions_in_an_accessible_combobox(page: Page) -> None:
    page.goto("/")
    box = combobox(page)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-autocomplete", "list")
    box.press_sequentially("Ros")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(suggestions(page)).to_be_visible()
    expect(box).to_have_attribute("aria-controls", suggestions(page).get_attribute("id"))
    options = suggestions(page).get_by_role("option")
    expect(options.first).to_have_text(re.compile(r"^Roscosmos\W+agence$"))
    count = options.count()
    expect(announcement(page)).to_have_text(re.compile(rf"^{count} suggestions?\b"))
    expect(announcement(page)).to_have_attribute("aria-live", "polite")


def test_arrows_move_through_the_suggestions_and_escape_closes_them(page: Page) -> None:
    page.goto("/")
    box = combobox(page)
    box.press_sequentially("sat")
    options = suggestions(page).get_by_role("option")
    expect(options.first).to_be_visible()
    count = options.count()
    assert count >= 2
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(0).get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # from the first, up wraps to the last
    expect(box).to_have_attribute(
        "aria-activedescendant", options.nth(count - 1).get_attribute("id")
    )
    page.keyboard.press("Escape")
    expect(suggestions(page)).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(box).to_have_value("sat")  # Escape closes the list, and keeps the text
    expect(box).to_be_focused()


def test_enter_on_a_word_searches_it(page: Page) -> None:
    page.goto("/")
    box = combobox(page)
    box.press_sequentially("satel")
    first = suggestions(page).get_by_role("option").first
    expect(first).to_have_text("satellite")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=satellite(&|$)"))
    expect(count(page)).to_have_text("15 résultats")
    expect(box).to_have_value("satellite")


def test_choosing_an_agency_opens_its_page(page: Page) -> None:
    page.goto("/")
    combobox(page).press_sequentially("Roscos")
    option = suggestions(page).get_by_role("option").filter(has_text="Roscosmos")
    expect(option).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/agences/Roscosmos$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Roscosmos")


def test_enter_without_a_chosen_suggestion_submits_what_is_typed(page: Page) -> None:
    page.goto("/")
    combobox(page).press_sequentially("satel")
    expect(suggestions(page).get_by_role("option").first).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=satel(&|$)"))
    total = page.request.get("/api/search?q=satel").json()["total"]
    assert total >= 15  # the last word is a prefix: "satellite" and its kin
    expect(count(page)).to_have_text(f"{total} résultats")


def test_a_click_on_a_suggestion_chooses_it(page: Page) -> None:
    page.goto("/")
    combobox(page).press_sequentially("satel")
    option = suggestions(page).get_by_role("option").first
    expect(option).to_have_text("satellite")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "suggestions.png")
    with page.expect_navigation():
        option.click()
    expect(page).to_have_url(re.compile(r"/\?q=satellite(&|$)"))


def test_a_badge_opens_the_mission_page_with_its_story(page: Page) -> None:
    submit_query(page, "lune")
    results(page).first.get_by_role("link", name="Mission : SVOM").click()
    expect(page).to_have_url(re.compile(r"/missions/SVOM$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("SVOM")
    expect(page.get_by_text("Aussi appelée : Space-based multi-band")).to_be_visible()
    timeline = page.get_by_role("region", name="Communiqués par année")
    expect(timeline.get_by_role("link", name="2020 : 1 communiqué")).to_have_count(1)
    releases = page.get_by_role("region", name=re.compile("^Ses communiqués"))
    expect(releases.get_by_role("article")).to_have_count(2)
    missions = page.get_by_role("region", name="Missions citées avec elle")
    expect(missions.get_by_role("link", name="Chang'e 6")).to_be_visible()
    expect(missions.get_by_role("link", name="SVOM", exact=True)).to_have_count(0)

    agencies = page.get_by_role("region", name="Agences citées avec elle")
    agencies.get_by_role("link", name="CNSA", exact=True).click()
    expect(page).to_have_url(re.compile(r"/agences/CNSA$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CNSA")
    expect(page.get_by_text(re.compile("^Aussi appelée : China National Space"))).to_be_visible()


def test_an_alias_leads_to_the_agency_and_its_timeline_to_the_search(page: Page) -> None:
    page.goto("/agences/agence spatiale européenne")
    expect(page).to_have_url(re.compile(r"/agences/ESA$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ESA")
    releases = page.get_by_role("region", name=re.compile("^Ses communiqués"))
    esa_extras = sum(agency == "ESA" for _, agency, _ in EXTRA_RELEASES)
    expect(releases.get_by_role("article")).to_have_count(esa_extras + 1)  # and one seed
    timeline = page.get_by_role("region", name="Communiqués par année")
    bar = timeline.get_by_role("link", name="2021 : 1 communiqué")
    bar.click()
    expect(page).to_have_url(re.compile(r"/\?agency=ESA&year=2021$"))
    expect(count(page)).to_have_text("1 résultat")
    expect(results(page).first.get_by_role("link", name="Agence : ESA")).to_be_visible()


def test_choosing_a_mission_opens_its_page(page: Page) -> None:
    page.goto("/")
    combobox(page).press_sequentially("Bion")
    option = suggestions(page).get_by_role("option").filter(has_text="mission")
    expect(option.first).to_have_text(re.compile(r"^Bion-M2\W+mission$"))
    with page.expect_navigation():
        option.first.click()
    expect(page).to_have_url(re.compile(r"/missions/Bion-M2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bion-M2")
