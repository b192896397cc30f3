"""Point-of-care tools: the emergency link in the header of every page, glossary entries that link to
the page treating their subject, the quick reference page, and glossary definitions on hover, focus
or tap, checked on the built site and in Chromium (the quick reference's one printed sheet is checked
with the checklists in test_print.py)."""

import pickle
import re
from pathlib import Path
from posixpath import normpath

import pytest
from bs4 import BeautifulSoup
from docutils import nodes

from conftest import parsed
from tpi_sphinx import doses, sources

EMERGENCY_TARGET = "safety/last.html#last-checklist"
QUICK_REFERENCE = sources.DOCS / "resources" / "quick-reference.md"
PHONE = {"width": 375, "height": 740}


def html_pages(site) -> list[Path]:
    return sorted(p for p in site.outdir.rglob("*.html") if ".print-" not in p.name and ".phone." not in p.name)


# -- The emergency link ----------------------------------------------------------------------------


def resolve(page: str, href: str) -> str:
    """The site path an href on ``page`` (a path relative to the site root) leads to."""
    if href.startswith("/"):
        return href.lstrip("/")
    if href.startswith("#"):
        return page + href
    return normpath(str(Path(page).parent / href)).lstrip("./") if "/" in page else normpath(href)


def emergency_link_problems(html: str | BeautifulSoup, page: str) -> list[str]:
    """What is wrong with the emergency link on one built page: it must be in the phone header and above
    the content, and lead to the LAST action card."""
    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, "html.parser")
    found = []
    for where in ("header.mobile-header .header-right", ".content-icon-container"):
        links = soup.select(f"{where} a.emergency-link")
        if len(links) != 1:
            found.append(f"{page}: {len(links)} emergency links in {where}")
            continue
        if links[0].get_text(strip=True) != "Emergency: LAST":
            found.append(f"{page}: the link in {where} reads {links[0].get_text(strip=True)!r}")
        if resolve(page, links[0]["href"]) != EMERGENCY_TARGET:
            found.append(f"{page}: the link in {where} leads to {links[0]['href']}")
    return found


def test_every_page_has_the_emergency_link_to_the_last_card(site):
    card = parsed(site.outdir / "safety" / "last.html")
    assert card.select_one("article #last-checklist .admonition.action-card"), "the target is the action card"
    pages = html_pages(site)
    assert len(pages) > 40
    problems = [
        p for page in pages for p in emergency_link_problems(parsed(page), page.relative_to(site.outdir).as_posix())
    ]
    assert problems == []


def test_the_emergency_link_check_fails_without_the_link_or_with_a_wrong_target(site):
    html = (site.outdir / "procedure" / "maximum-doses.html").read_text(encoding="utf-8")
    assert emergency_link_problems(html, "procedure/maximum-doses.html") == []
    assert emergency_link_problems(html.replace("emergency-link", "x-link"), "procedure/maximum-doses.html")
    assert emergency_link_problems(html.replace("#last-checklist", "#recognition"), "procedure/maximum-doses.html")
    assert resolve("404.html", "/safety/last.html#last-checklist") == EMERGENCY_TARGET


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed CSS colors (rgb() or rgba() without transparency)."""

    def luminance(color: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", color)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_measures_what_it_should():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(255, 145, 0)", "rgb(255, 255, 255)") < 4.5  # the orange that failed before


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_emergency_link_is_one_tap_from_anywhere_on_a_phone(browser, served, scheme):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{served}/procedure/maximum-doses.html")
        page.evaluate("window.scrollTo(0, 3000)")  # well down the page: the header stays
        link = page.locator("header.mobile-header a.emergency-link")
        assert link.is_visible()
        assert page.locator(".content-icon-container a.emergency-link").is_hidden()
        box = link.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
        assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.5.8 target size
        colors = link.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert contrast(*colors) >= 4.5, colors
        link.tap()
        page.wait_for_url(f"**/{EMERGENCY_TARGET}")
        card = page.locator(".admonition.action-card").bounding_box()
        assert 0 <= card["y"] < PHONE["height"] / 2, "the card is on the screen the link opens"
    finally:
        context.close()


def test_search_is_one_tap_from_anywhere_on_a_phone(browser, served):
    """The header's search icon opens the search page on a box ready to type in (furo keeps the
    sidebar's box inside the menu on a phone)."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{served}/rehabilitation/aftercare.html")
        page.evaluate("window.scrollTo(0, 3000)")
        icon = page.locator("header.mobile-header a.header-search-link")
        assert icon.is_visible() and icon.get_attribute("aria-label") == "Search"
        box = icon.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24
        icon.tap()
        page.wait_for_url("**/search.html")
        field = page.locator("article form.page-search input[name=q]")
        assert field.is_visible() and field.evaluate("e => e === document.activeElement")
        page.keyboard.type("apixaban")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q=apixaban"))
        first = page.locator("#search-results li a").first
        first.wait_for()
        assert "safety/special-populations.html" in first.get_attribute("href")
        assert page.locator("article form.page-search input[name=q]").input_value() == "apixaban"
    finally:
        context.close()


def test_the_emergency_link_sits_above_the_content_on_a_wide_screen_and_is_not_printed(page, served):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{served}/background/diagnosis.html")
    link = page.locator(".content-icon-container a.emergency-link")
    assert link.is_visible() and link.bounding_box()["y"] < 100
    assert page.locator("header.mobile-header").is_hidden()
    page.emulate_media(media="print")
    assert link.is_hidden()


# -- Glossary entries link to the page that treats their subject ------------------------------------


def entries_without_page_link(glossary_html: str) -> list[str]:
    """The glossary terms whose definition links to no page other than the glossary itself."""
    soup = BeautifulSoup(glossary_html, "html.parser")
    missing = []
    for dd in soup.select("dl.glossary > dd"):
        targets = [a["href"] for a in dd.select("a.reference.internal") if not a["href"].startswith("#")]
        if not [t for t in targets if not t.split("#")[0].endswith("glossary.html")]:
            missing.append(dd.find_previous_sibling("dt").get_text(" ", strip=True))
    return missing


def test_every_glossary_entry_links_to_the_page_that_treats_it(site):
    html = (site.outdir / "glossary.html").read_text(encoding="utf-8")
    assert len(BeautifulSoup(html, "html.parser").select("dl.glossary > dd")) == len(sources.glossary())
    assert entries_without_page_link(html) == []


def test_the_glossary_link_check_fails_on_an_entry_without_one():
    html = (
        '<dl class="glossary"><dt id="term-A">A</dt><dd><p>Like <a class="reference internal" href="#term-B">B</a>.'
        '</p></dd><dt id="term-B">B</dt><dd><p>See <a class="reference internal" href="safety/last.html#x">x</a>.'
        "</p></dd></dl>"
    )
    assert entries_without_page_link(html) == ["A"]


# -- The quick reference --------------------------------------------------------------------------


def test_the_quick_reference_is_one_click_from_the_landing_page_and_in_the_resources_toctree(site):
    landing = parsed(site.outdir / "index.html")
    assert landing.select_one("article a[href='resources/quick-reference.html']")
    resources = (sources.DOCS / "resources" / "index.md").read_text(encoding="utf-8")
    book_toctree = resources.split("{only} html")[0]  # the part of the section the PDF prints too
    assert re.search(r"```\{toctree\}[^`]*\nquick-reference\n", book_toctree)
    assert sources.front_matter(QUICK_REFERENCE)["kind"] == "reference"


def test_the_quick_reference_is_in_the_pdf(plain_book):
    text = " ".join(" ".join(page.split()) for page in plain_book.pages)
    assert "Quick reference" in text and "Key numbers of the emergency card" in text


def quick_reference_doctree(site) -> nodes.document:
    return pickle.loads((site.doctreedir / "resources" / "quick-reference.doctree").read_bytes())


def test_no_number_on_the_quick_reference_is_typed_by_hand(site):
    doctree = quick_reference_doctree(site)
    assert len(list(doctree.findall(lambda n: isinstance(n, nodes.inline) and "dose" in n["classes"]))) >= 20
    assert doses.hand_typed(doctree, "resources/quick-reference", "reference") == []
    paragraph = next(doctree.findall(nodes.paragraph))
    paragraph += nodes.Text(" Never more than 300 mg.")
    assert [typed for _, typed in doses.hand_typed(doctree, "resources/quick-reference", "reference")] == ["300"]


def uncited_doses(text: str, data: dict) -> list[str]:
    """{dose} quantities on the page whose sources are not all cited in the same bullet or table row
    (a citation in a table's header row covers the whole table, as the linter's TPI202 has it)."""
    missing = []
    tables = re.findall(r"```\{list-table\}.*?\n```", text, flags=re.S)
    rest = re.sub(r"```\{list-table\}.*?\n```", "", text, flags=re.S)
    blocks = [(re.split(r"\n(?=\* - )", table), True) for table in tables]
    blocks += [(re.split(r"\n(?=- )|\n\n", rest), False)]
    for units, is_table in blocks:
        header = set(sources.cited_keys(units[1])) if is_table else set()
        for unit in units:
            cited = set(sources.cited_keys(unit)) | header
            for path in re.findall(r"\{dose\}`([^`]+)`", unit):
                lacking = set(doses.lookup(data, path)["source"]) - cited
                if lacking:
                    missing.append(f"{path}: {sorted(lacking)}")
    return missing


def test_each_number_on_the_quick_reference_cites_the_sources_of_the_data():
    data = doses.load(sources.ROOT / doses.DATA_FILE)
    text = sources.body(QUICK_REFERENCE)
    assert uncited_doses(text, data) == []
    assert uncited_doses(text.replace("{cite:p}`baxter2024bupivacaine`", ""), data)


def test_the_quick_reference_gives_the_numbers_of_the_last_card(site):
    """The quick reference's lipid bolus and infusion, read back from the page as rendered, give the
    LAST card's table row by row; and the page links to the card and to each page it summarizes."""
    quick = parsed(site.outdir / "resources" / "quick-reference.html")
    rows = {
        tr.find("td").get_text(strip=True): [
            float(re.match(r"[\d.]+", s.get_text()).group()) for s in tr.select("span.dose")
        ]
        for tr in quick.select("table#table-quick-last tbody tr")
    }
    per_kg, threshold, cap, fixed, _ = rows["Bolus"]
    assert cap == fixed  # the per-kilogram bolus never above the fixed bolus, as on the card
    card = parsed(site.outdir / "safety" / "last.html")
    checked = 0
    for tr in card.select("table#table-last-by-weight tbody tr"):
        weight, bolus = (float(td.get_text(strip=True)) for td in tr.find_all("td")[:2])
        assert bolus == pytest.approx(min(per_kg * weight, fixed) if weight <= threshold else fixed), weight
        checked += 1
    assert checked >= 5
    links = {a["href"].split("#")[0] for a in quick.select("article a.reference.internal")}
    assert {
        "../safety/last.html",
        "../indications/contraindications.html",
        "../indications/referral.html",
        "../procedure/maximum-doses.html",
    } <= links
    assert quick.select_one("article a[href='../safety/last.html#last-checklist']")


# -- Glossary definitions on hover, focus or tap --------------------------------------------------


def glossary_text(site, term_id: str) -> str:
    soup = parsed(site.outdir / "glossary.html")
    return " ".join(soup.find(id=term_id).find_next_sibling("dd").get_text(" ", strip=True).split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@pytest.fixture
def watched(browser, served):
    """A fresh tab that records every request and every console error."""
    context = browser.new_context()
    tab = context.new_page()
    tab.requests, tab.errors = [], []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()


def test_hovering_a_glossary_term_shows_its_definition_from_the_glossary(watched, served, site):
    page = watched
    page.goto(f"{served}/background/diagnosis.html")
    link = page.locator("article a[href*='glossary.html#term-']").first
    term_id = link.get_attribute("href").split("#")[1]
    tip = page.locator("#glossary-tip")
    assert tip.count() == 0 or tip.is_hidden()
    link.hover()
    tip.wait_for(state="visible")
    assert tip.get_attribute("role") == "tooltip"
    assert link.get_attribute("aria-describedby") == "glossary-tip"
    assert words(glossary_text(site, term_id))[:12] == words(tip.inner_text().split(":", 1)[1])[:12]
    tip_box, link_box = tip.bounding_box(), link.bounding_box()
    assert tip_box["y"] >= link_box["y"] + link_box["height"] - 1 or tip_box["y"] + tip_box["height"] <= link_box["y"]
    page.mouse.move(tip_box["x"] + 5, tip_box["y"] + 5)  # the pointer can move onto the definition
    page.wait_for_timeout(400)
    assert tip.is_visible()
    page.mouse.move(0, 0)
    tip.wait_for(state="hidden")
    assert [url for url in page.requests if not url.startswith(served)] == []
    assert page.errors == []


def test_hovering_an_ordinary_link_shows_no_definition(page, served):
    page.goto(f"{served}/background/diagnosis.html")
    page.locator("article a.reference.internal:not([href*='#term-'])").first.hover()
    page.wait_for_timeout(300)
    assert page.locator("#glossary-tip:visible").count() == 0


def test_a_glossary_term_shows_its_definition_on_keyboard_focus_and_escape_closes_it(page, served, site):
    page.goto(f"{served}/safety/last.html")
    page.locator("article").click(position={"x": 5, "y": 5})
    for _ in range(200):  # Tab through the page as a keyboard user does, to the first glossary term
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.closest('article') && document.activeElement.matches(\"a[href*='#term-']\")"
        ):
            break
    else:
        pytest.fail("no glossary term reached with the keyboard")
    term_id = page.evaluate("document.activeElement.getAttribute('href').split('#')[1]")
    tip = page.locator("#glossary-tip")
    tip.wait_for(state="visible")
    assert words(glossary_text(site, term_id))[:8] == words(tip.inner_text().split(":", 1)[1])[:8]
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")


def test_a_glossary_term_shows_its_definition_on_tap_and_a_second_tap_follows_it(browser, served):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{served}/procedure/landmark-technique.html")
        link = page.locator("article a[href*='glossary.html#term-']").first
        link.scroll_into_view_if_needed()
        link.tap()
        tip = page.locator("#glossary-tip")
        tip.wait_for(state="visible")
        assert page.url.endswith("landmark-technique.html"), "the first tap shows the definition"
        box = tip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the definition fits the screen"
        link.tap()
        page.wait_for_url("**/glossary.html#term-*")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_definition_is_readable_in_both_color_schemes(browser, served, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{served}/background/diagnosis.html")
        page.locator("article a[href*='glossary.html#term-']").first.hover()
        tip = page.locator("#glossary-tip")
        tip.wait_for(state="visible")
        colors = tip.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert contrast(*colors) >= 4.5, colors
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (contrast("rgb(0, 0, 0)", body) > 10) == (scheme == "light")  # the scheme really changed
    finally:
        context.close()
