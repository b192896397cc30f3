"""The built site in a real browser (Debian's Chromium driven by Playwright, served on 127.0.0.1):
accessible in light and dark mode (axe-core finds no serious or critical violation on any page),
no console errors, nothing fetched from another host, a dark mode that toggles and persists, a
phone layout that never scrolls sideways, shows the key points on the first screen and whose
navigation opens, and landing cards that lead
to their sections. Each check has a negative case that shows it can fail.

One tour per color scheme visits every page once and records what the other tests assert, so the
slow part (axe) runs once a page and scheme.
"""

import functools
import importlib.metadata
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from verdicts import PageVerdicts

from conftest import ROOT
from tpi_sphinx.versions.cache import digest

AXE = Axe()
BLOCKING = {"serious", "critical"}  # axe's two highest impacts: the site has none
SCHEMES = ["light", "dark"]
SEARCH = "search.html?q=lidocaine"  # the search runs, fetches result pages and writes summaries
PHONE = {"width": 375, "height": 812}
TABS = min(4, os.cpu_count() or 1)  # axe runs in this many tabs at once


def site_pages(site) -> list[str]:
    """Every HTML page of the built site (search and 404 included), as paths relative to its root."""
    return sorted(p.relative_to(site.outdir).as_posix() for p in site.outdir.rglob("*.html"))


def start_axe(page, rules: list[str] | None = None) -> None:
    """Start axe-core on the page as it is now, without waiting: tabs in parallel share the work.
    ``rules``: only these axe rules (without: every rule that axe runs by default)."""
    if not page.evaluate("typeof axe !== 'undefined'"):  # once a page load
        page.evaluate(AXE.axe_script)
    options = {"resultTypes": ["violations"]} | ({"runOnly": {"type": "rule", "values": rules}} if rules else {})
    page.evaluate("options => { window.__axe = axe.run(options); }", options)


def finish_axe(page, impacts: set[str] | None = BLOCKING) -> list[str]:
    """The violations that axe found on the page, one line each: the serious and critical ones (``impacts``;
    None: every violation)."""
    found = page.evaluate("() => window.__axe.then(results => results.violations)")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in found
        if impacts is None or v["impact"] in impacts
    ]


def serious_violations(page) -> list[str]:
    start_axe(page)
    return finish_axe(page)


@dataclass
class Watch:
    """What the tabs of a browser context reported: console errors, uncaught exceptions, requests to other hosts."""

    origin: str
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        """Listens only: a request to another host fails in the browser itself (conftest.py's ``browser``), and
        listening costs nothing where routing every request through Playwright doubled the time a page took."""

        def leaving(url: str) -> bool:
            return not url.startswith(self.origin + "/") and not url.startswith(("data:", "blob:", "about:"))

        def watch(page) -> None:
            page.on("console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))

        context.on("request", lambda request: self.outside.append(request.url) if leaving(request.url) else None)
        context.on("page", watch)


def open_tab(browser, served: str, scheme: str = "light", **options):
    """A fresh context in the given color scheme (the system setting and Furo's stored choice), watched."""
    context = browser.new_context(color_scheme=scheme, **options)
    context.add_init_script(f"try {{ localStorage.setItem('theme', '{scheme}') }} catch (e) {{}}")  # not on about:blank
    watch = Watch(served)
    watch.attach(context)
    return context, context.new_page(), watch


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    if "search.html?" in url:  # wait for the results and their summaries (fetched from the result pages)
        page.locator("#search-results .search-summary", has_text=re.compile("Search finished|did not match")).wait_for()
        page.wait_for_load_state("networkidle")


# The colour scheme changes colours only (Furo's dark mode is a set of CSS colour variables; the markup is
# the same), so the light tour runs every rule and the dark tour the rules that look at colour: those of axe's
# cat.color category that it runs by default (color-contrast-enhanced, the AAA level, is off in both tours).
SCHEME_RULES = {"light": None, "dark": ["color-contrast", "link-in-text-block"]}

# A page loaded in light mode and switched to dark as a reader's toggle does (Furo's stored choice and the
# body's data-theme) and as the system setting does (prefers-color-scheme): painted as one loaded in dark mode
# (test_a_page_switched_to_dark_is_painted_as_one_loaded_dark), once the transitions have run.
TO_DARK = """async () => {
    try { localStorage.setItem('theme', 'dark') } catch (e) {}
    document.body.dataset.theme = 'dark';
    await Promise.all(document.getAnimations().map(a => a.finished));
}"""


def switch_to_dark(page) -> None:
    page.emulate_media(color_scheme="dark")
    page.evaluate(TO_DARK)


@dataclass
class Tour:
    scheme: str
    violations: dict[str, list[str]]  # page: serious or critical axe violations
    background: dict[str, str]  # page: the body's computed background colour
    watch: Watch


@functools.cache
def fonts() -> bytes:
    """The fonts installed (fontconfig's list): they set every width a page is laid out in."""
    return subprocess.run(["fc-list"], capture_output=True).stdout


def browser_tools(browser) -> bytes:
    """What a tour's verdicts depend on besides the site: this module (the checks), conftest.py (how Chromium is
    launched and the site served), axe, Playwright, Chromium and the fonts."""
    return digest(
        Path(__file__).read_bytes(),
        (ROOT / "tests" / "conftest.py").read_bytes(),
        AXE.axe_script.encode(),
        importlib.metadata.version("playwright").encode(),
        browser.version.encode(),
        fonts(),
    ).encode()


def record_requests(tabs) -> dict:
    """The URLs each tab requests, from now on (tab: list, emptied by the caller for each page): every file a
    page uses, those the browser had in its caches too (test_a_tour_records_every_file_a_page_loads_...)."""
    requested = {tab: [] for tab in tabs}
    for tab in tabs:
        tab.on("request", lambda request, tab=tab: requested[tab].append(request.url))
    return requested


class TabbedTour:
    """Pages visited a few tabs at a time in one watched context (open_tab's), with the files each page loads
    recorded, so that the verdicts of those that pass are kept (tests/verdicts.py) when the watch saw nothing."""

    def __init__(self, browser, served: str, kept: PageVerdicts, scheme: str = "light", **options):
        self.context, first, self.watch = open_tab(browser, served, scheme, **options)
        self.tabs = [first] + [self.context.new_page() for _ in range(TABS - 1)]
        self.requested = record_requests(self.tabs)
        self.kept, self.passed = kept, {}

    def batches(self, paths: list[str]):
        """(tab, path) pairs, a tab each, with each tab's record of requests emptied for its new page."""
        for start in range(0, len(paths), len(self.tabs)):
            batch = list(zip(self.tabs, paths[start : start + len(self.tabs)], strict=False))
            for tab, _ in batch:
                self.requested[tab].clear()
            yield batch

    def passes(self, tab, path: str, verdict) -> None:
        self.passed[path] = (list(self.requested[tab]), verdict)

    def close(self) -> Watch:
        self.context.close()
        if not self.watch.errors and not self.watch.outside:
            self.kept.keep(self.passed)
        return self.watch


@pytest.fixture(scope="session")
def tours(site, served, browser) -> dict[str, Tour]:
    """Every page of the site visited once, a few tabs at a time, with axe run on each in both color schemes:
    every rule in light mode, then, the page switched to dark mode, the colour rules (contrast). What the
    pages reported while they loaded and ran (console errors, requests) is the same watch in both. A page
    whose files are all as they were when it last passed, but for the release they name, is not visited again
    (tests/verdicts.py): its verdict is its background colour in each scheme."""
    kept = PageVerdicts("tours", browser_tools(browser), site.outdir, served, release=os.environ["TPI_RELEASE"])
    paths = [*site_pages(site), SEARCH]
    backgrounds = {path: verdict for path in paths if (verdict := kept.kept(path)) is not None}
    visits = TabbedTour(browser, served, kept)
    tours = {scheme: Tour(scheme, {}, {}, visits.watch) for scheme in SCHEMES}
    for batch in visits.batches([path for path in paths if path not in backgrounds]):
        for tab, path in batch:
            tab.emulate_media(color_scheme="light")
            visit(tab, f"{served}/{path}")
        for scheme in SCHEMES:
            for tab, path in batch:
                if scheme == "dark":
                    switch_to_dark(tab)
                tours[scheme].background[path] = tab.evaluate("getComputedStyle(document.body).backgroundColor")
                start_axe(tab, SCHEME_RULES[scheme])
            for tab, path in batch:
                if found := finish_axe(tab):
                    tours[scheme].violations[path] = found
        for tab, path in batch:
            if not any(path in tours[scheme].violations for scheme in SCHEMES):
                visits.passes(tab, path, {scheme: tours[scheme].background[path] for scheme in SCHEMES})
    visits.close()
    for path, verdict in backgrounds.items():
        for scheme in SCHEMES:
            tours[scheme].background[path] = verdict[scheme]
    return tours


@pytest.fixture(scope="session", params=SCHEMES)
def tour(request, tours) -> Tour:
    return tours[request.param]


def is_dark(rgb: str) -> bool:
    red, green, blue = (int(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) < 128


def test_axe_finds_no_serious_or_critical_violation_on_any_page(tour):
    assert {"index.html", "404.html", "search.html", "genindex.html", SEARCH} <= set(tour.background)
    assert {is_dark(colour) for colour in tour.background.values()} == {tour.scheme == "dark"}  # the scheme applied
    assert not tour.violations, f"{tour.scheme} mode: {tour.violations}"


def test_no_console_error_on_any_page(tour):
    """Also catches what the Content-Security-Policy blocked: Chromium reports each block as an error
    (test_the_watch_reports_what_the_content_security_policy_blocks)."""
    assert not tour.watch.errors, f"{tour.scheme} mode: {tour.watch.errors}"


def test_no_page_asks_another_host_for_anything(tour):
    """Every request for another host is reported, whether the page's policy stops it or the browser's proxy to
    nowhere (conftest.py): none leaves the machine."""
    assert not tour.watch.outside, tour.watch.outside


def test_a_tour_records_every_file_a_page_loads_even_one_the_browser_has_had(browser, served, site):
    """A page's kept verdict depends on the files recorded as it loaded (tests/verdicts.py): each of the style
    sheets, scripts and images its HTML names is recorded on every visit, in the tab that first had it and in
    another tab of the same browser, and from nowhere else."""
    context, first, watch = open_tab(browser, served)
    tabs = [first, context.new_page()]
    requested = record_requests(tabs)
    kept = PageVerdicts("probe", b"", site.outdir, served, None)
    for tab, path in [
        (tabs[0], "safety/last.html"),
        (tabs[0], "procedure/maximum-doses.html"),
        (tabs[1], "index.html"),
    ]:
        requested[tab].clear()
        visit(tab, f"{served}/{path}")
        tab.wait_for_load_state("networkidle")
        named = tab.evaluate(
            "() => [...document.querySelectorAll('link[rel=stylesheet], script[src], img[src]')]"
            ".map(el => el.href || el.src)"
        )
        files = {kept.file(url) for url in requested[tab]}
        assert {kept.file(url) for url in named} <= files, path
        assert path in files and "_static/styles/furo.css" in files
        if path == "procedure/maximum-doses.html":  # what a script fetched (the calculator's data)
            assert "data/doses.json" in files
    context.close()


# What a reader sees of each element: its colours, and whether it shows.
PAINT = """() => [...document.querySelectorAll('body *')].map(el => {
    const s = getComputedStyle(el);
    return [el.tagName, s.display, s.visibility, s.color, s.backgroundColor, s.borderTopColor, s.borderBottomColor,
            s.outlineColor, s.textDecorationColor, s.fill, s.stroke, s.boxShadow, s.backgroundImage].join(' | ');
})"""


@pytest.mark.parametrize("path", ["safety/last.html", "procedure/maximum-doses.html", "index.html", SEARCH])
def test_a_page_switched_to_dark_is_painted_as_one_loaded_dark(browser, served, path):
    """The tours load each page once, in light mode, and switch it to dark mode for the dark tour's rules."""
    painted = {}
    for scheme in SCHEMES:
        context, page, watch = open_tab(browser, served, scheme)
        visit(page, f"{served}/{path}")
        page.wait_for_load_state("networkidle")  # the page's scripts done (the calculator fills in its form)
        painted[scheme] = page.evaluate(PAINT)
        if scheme == "light":
            switch_to_dark(page)
            painted["switched"] = page.evaluate(PAINT)
        context.close()
        assert not watch.errors
    assert len(painted["dark"]) > 100
    assert painted["switched"] == painted["dark"]
    assert painted["light"] != painted["dark"]  # the comparison sees a page in the other scheme


def test_axe_reports_a_low_contrast_element_and_an_unlevelled_heading(browser, served):
    context, page, watch = open_tab(browser, served)
    visit(page, f"{served}/safety/last.html")
    page.evaluate(
        """() => {
        const article = document.querySelector('article');
        article.insertAdjacentHTML('afterbegin',
          '<p style="color:#999;background:#fff">Grey on white: 2.8 to 1</p><p role="heading">Caption</p>');
    }"""
    )
    found = " ".join(serious_violations(page))
    context.close()
    assert "color-contrast (serious)" in found and "aria-required-attr (critical)" in found


def test_the_dark_tours_rules_report_low_contrast_in_dark_mode(browser, served):
    """The rules the dark tour runs (SCHEME_RULES) see dark text on Furo's dark background."""
    context, page, watch = open_tab(browser, served, "dark")
    visit(page, f"{served}/safety/last.html")
    page.evaluate(
        """() => document.querySelector('article').insertAdjacentHTML('afterbegin',
          '<p style="color:#555">Dark grey on the dark background</p><p role="heading">Caption</p>')"""
    )
    start_axe(page, SCHEME_RULES["dark"])
    found = " ".join(finish_axe(page))
    colour_rules = "() => axe._audit.rules.filter(r => r.tags.includes('cat.color') && r.enabled).map(r => r.id)"
    assert sorted(page.evaluate(colour_rules)) == sorted(SCHEME_RULES["dark"])  # every colour rule axe runs
    context.close()
    assert "color-contrast (serious)" in found
    assert "aria-required-attr" not in found  # the markup rules ran in the light tour


def test_the_watch_catches_console_errors_exceptions_and_outside_requests(browser, served):
    context, page, watch = open_tab(browser, served, bypass_csp=True)  # so the request reaches the network layer
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    visit(page, f"{served}/index.html")
    page.evaluate(
        """() => {
        console.error('probe: console');
        setTimeout(() => { throw new Error('probe: exception'); });
        const img = document.createElement('img');
        img.src = 'https://example.org/probe.png';
        document.body.append(img);
    }"""
    )
    page.wait_for_timeout(300)
    context.close()
    assert any("probe: console" in e for e in watch.errors)
    assert any("probe: exception" in e for e in watch.errors)
    assert any("https://example.org/probe.png" in r for r in watch.outside)
    assert ("https://example.org/probe.png", "net::ERR_PROXY_CONNECTION_FAILED") in failed  # it never left


def test_the_watch_reports_what_the_content_security_policy_blocks(browser, served, site):
    """Chromium reports each load that the page's Content-Security-Policy blocks as a console error, so the
    tours' watch (test_no_console_error_on_any_page) finds a page that breaks its policy: here an inline
    script and an image from another host, on the start page as built."""
    page_html = (site.outdir / "index.html").read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page_html
    probe = page_html.replace(
        "</body>", '<script>document.title = "x"</script><img src="https://example.org/x.png" alt=""></body>'
    )
    context, page, watch = open_tab(browser, served)
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    page.route(f"{served}/csp-probe.html", lambda route: route.fulfill(body=probe, content_type="text/html"))
    visit(page, f"{served}/csp-probe.html")
    context.close()
    blocked = [e for e in watch.errors if "Content Security Policy" in e]
    assert len(blocked) == 2, watch.errors
    assert watch.outside == ["https://example.org/x.png"]  # asked for, so reported too
    assert failed == [("https://example.org/x.png", "csp")]  # and stopped by the policy


def search_results(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#search-results ul.search li')].map(li => ({
            href: li.querySelector('a').getAttribute('href'),
            summary: li.querySelector('p.context')?.textContent.trim() || '',
        }))"""
    )


def test_search_results_all_get_a_summary_without_errors(browser, served):
    """Sphinx's makeSearchSummary returns nothing for a result anchored on an empty element (an index
    entry's target) and appendChild then throws; docs/_static/search-summary.js falls back to the page."""
    context, page, watch = open_tab(browser, served)
    visit(page, f"{served}/{SEARCH}")
    results = search_results(page)
    context.close()
    assert any("#index-" in r["href"] for r in results)  # the case that used to fail is among them
    assert results and all(r["summary"] for r in results), [r["href"] for r in results if not r["summary"]]
    assert not watch.errors


def test_without_the_guard_sphinx_search_throws(browser, served):
    """The negative case: the same search with docs/_static/search-summary.js blocked. If this fails, Sphinx
    has fixed makeSearchSummary upstream and the guard (tpi_sphinx/accessibility.py) can go."""
    context, page, watch = open_tab(browser, served)
    page.route("**/search-summary.js*", lambda route: route.abort())
    visit(page, f"{served}/{SEARCH}")
    context.close()
    assert any("appendChild" in e for e in watch.errors)


def theme(page) -> tuple[str, str | None, bool]:
    """Furo's theme on the body, the stored choice, and whether the page is painted dark."""
    body_theme, stored, background = page.evaluate(
        "[document.body.dataset.theme, localStorage.getItem('theme'), getComputedStyle(document.body).backgroundColor]"
    )
    return body_theme, stored, is_dark(background)


def test_dark_mode_toggles_and_persists(browser, served):
    context = browser.new_context(color_scheme="light")  # no stored choice: Furo follows the system
    page = context.new_page()
    page.goto(f"{served}/safety/last.html")
    assert theme(page) == ("auto", None, False)
    toggle = page.locator(".content-icon-container .theme-toggle")
    toggle.click()
    assert theme(page) == ("dark", "dark", True)
    page.reload()
    assert theme(page) == ("dark", "dark", True)
    page.goto(f"{served}/index.html")  # another page keeps the choice
    assert theme(page) == ("dark", "dark", True)
    page.locator(".content-icon-container .theme-toggle").click()
    assert theme(page) == ("light", "light", False)
    page.reload()
    assert theme(page) == ("light", "light", False)
    context.close()


def test_dark_mode_follows_the_system_setting(browser, served):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(f"{served}/safety/last.html")
    assert theme(page) == ("auto", None, True)
    context.close()


# A page "scrolls sideways" when the document or the column that holds the article (Furo's .content scrolls
# on its own) is wider than the screen. Inside the article a box may scroll sideways (a wide table in its
# wrapper, a long line of code), if the box itself fits the screen; anything else that pokes out past the
# right edge is clipped or scrolls the page.
SIDEWAYS = """() => {
    const width = window.innerWidth;
    const article = document.querySelector('article');
    const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const name = el => `${el.tagName.toLowerCase()}${el.className ? '.' + [...el.classList].join('.') : ''}`;
    const scroller = el => {
        for (let p = el.parentElement; p && p !== article; p = p.parentElement) if (scrolls(p)) return p;
        return null;
    };
    const out = [];
    for (let p = article; p; p = p.parentElement)
        if (p.scrollWidth > p.clientWidth + 1 && (p === document.documentElement || scrolls(p)))
            out.push(`${name(p)} scrolls sideways (${p.scrollWidth} px wide)`);
    for (const el of article.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
        const right = (scroller(el) || el).getBoundingClientRect().right;
        if (right > width + 1) out.push(`${name(scroller(el) || el)} ends at ${Math.round(right)} px`);
    }
    for (const wrapper of article.querySelectorAll('.table-wrapper'))
        if (wrapper.scrollWidth > wrapper.clientWidth && !scrolls(wrapper)) out.push('a wide table is clipped');
    return [...new Set(out)];
}"""


FIRST_LINES = """() => {
    const first = document.querySelector('article .action-card li, article .key-points li');
    return first && first.getBoundingClientRect().bottom;
}"""
SMALL_PHONE = {"width": 375, "height": 667}  # the smallest screen in common use


@dataclass
class PhoneTour:
    sideways: dict[str, list[str]]  # page: what scrolls sideways or is clipped
    first_point: dict[str, float | None]  # page: where its first key point (or action step) ends, in px
    watch: Watch


@pytest.fixture(scope="session")
def phone_tour(browser, served, site) -> PhoneTour:
    """Every page visited once on a small phone, a few tabs at a time; a page whose files are all as they were
    when it last passed is not visited again (tests/verdicts.py): its verdict is where its first point ends.
    (The release they name counts: a longer one may widen a line.)"""
    kept = PageVerdicts("phone", browser_tools(browser), site.outdir, served)
    paths = site_pages(site)
    first_point = {path: verdict["first_point"] for path in paths if (verdict := kept.kept(path)) is not None}
    visits = TabbedTour(browser, served, kept, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    sideways = {}
    for batch in visits.batches([path for path in paths if path not in first_point]):
        for tab, path in batch:
            visit(tab, f"{served}/{path}")
            start_axe(tab, ["scrollable-region-focusable"])
        for tab, path in batch:
            problems = tab.evaluate(SIDEWAYS) + finish_axe(tab, impacts=None)
            first_point[path] = tab.evaluate(FIRST_LINES)
            if problems:
                sideways[path] = problems
            else:
                visits.passes(tab, path, {"first_point": first_point[path]})
    return PhoneTour(sideways, first_point, visits.close())


def test_no_page_scrolls_sideways_on_a_phone(phone_tour):
    """And every box that scrolls sideways at this width (most tables) can be reached with the keyboard."""
    assert not phone_tour.sideways
    assert not phone_tour.watch.errors


def test_key_points_are_on_the_first_screen_of_a_phone(phone_tour, site):
    """The first key point (on the LAST page, the first step of the action card) ends above the fold."""
    clinical = [p for p, bottom in phone_tour.first_point.items() if bottom is not None]
    assert "safety/last.html" in clinical and "procedure/maximum-doses.html" in clinical
    assert len(clinical) >= 25, clinical
    below = {p: b for p, b in phone_tour.first_point.items() if b is not None and b > SMALL_PHONE["height"]}
    assert not below, f"first key point below the first screen: {below}"


def test_the_fold_check_sees_key_points_pushed_down(browser, served):
    context, page, watch = open_tab(browser, served, viewport=SMALL_PHONE, is_mobile=True)
    visit(page, f"{served}/procedure/maximum-doses.html")
    assert page.evaluate(FIRST_LINES) <= SMALL_PHONE["height"]
    page.evaluate("document.querySelector('article h1').style.fontSize = '6em'")  # the 0.1.0 title, and more
    assert page.evaluate(FIRST_LINES) > SMALL_PHONE["height"]
    context.close()


def test_wide_tables_scroll_inside_their_box_on_a_phone(browser, served):
    context, page, watch = open_tab(browser, served, viewport=PHONE, is_mobile=True, has_touch=True)
    visit(page, f"{served}/procedure/maximum-doses.html")
    wrappers = page.evaluate(
        """() => [...document.querySelectorAll('article .table-wrapper')].map(w => ({
            scrolls: w.scrollWidth > w.clientWidth, right: w.getBoundingClientRect().right,
            focusable: w.tabIndex === 0, label: w.getAttribute('aria-label')}))"""
    )
    wide = [i for i, w in enumerate(wrappers) if w["scrolls"]]
    assert wide, "no table is wider than a phone: the check proves nothing"
    assert all(w["right"] <= PHONE["width"] + 1 and w["focusable"] and w["label"] for w in wrappers), wrappers
    table = page.locator("article .table-wrapper").nth(wide[0])
    table.focus()  # a keyboard reaches it, and the arrow keys scroll it
    page.keyboard.press("ArrowRight")
    expect(table).not_to_have_js_property("scrollLeft", 0)
    context.close()


def test_the_sideways_check_finds_a_page_that_scrolls_and_a_clipped_element(browser, served):
    context, page, watch = open_tab(browser, served, viewport=PHONE, is_mobile=True)
    visit(page, f"{served}/safety/last.html")
    page.evaluate("document.querySelector('article').insertAdjacentHTML('beforeend', '<p style=\"width:600px\">x</p>')")
    wide = page.evaluate(SIDEWAYS)
    page.evaluate(
        """() => { const table = document.querySelector('article .table-wrapper');
                   table.style.overflowX = 'hidden'; table.querySelector('table').style.minWidth = '900px'; }"""
    )
    clipped = page.evaluate(SIDEWAYS)
    context.close()
    assert any("scrolls sideways" in p for p in wide) and any("ends at" in p for p in wide)
    assert "a wide table is clipped" in clipped


def test_navigation_opens_on_a_phone(browser, served):
    context, page, watch = open_tab(browser, served, viewport=PHONE, is_mobile=True, has_touch=True)
    visit(page, f"{served}/procedure/maximum-doses.html")
    sidebar = page.locator(".sidebar-drawer")
    expect(sidebar).not_to_be_in_viewport()  # off screen at first
    page.locator(".mobile-header label[for='__navigation']").tap()
    expect(sidebar).to_be_in_viewport(ratio=0.5)
    page.locator(".sidebar-drawer .sidebar-tree a.reference[href$='safety/index.html']").first.tap()
    page.wait_for_url("**/safety/index.html")
    assert page.locator("h1").first.inner_text().strip()
    context.close()
    assert not watch.errors


def sections() -> set[str]:
    """The site's sections: the folders of docs/ with an index page."""
    return {p.parent.name for p in (ROOT / "docs").glob("*/index.md")}


def test_landing_cards_lead_to_each_section(browser, served):
    context, page, watch = open_tab(browser, served)
    visit(page, f"{served}/index.html")
    cards = page.locator(".sd-card:has(a.sd-stretched-link)")
    reached = {}
    for i in range(cards.count()):
        title = cards.nth(i).locator(".sd-card-title").inner_text().strip()
        cards.nth(i).click()  # anywhere on the card, as a reader taps it
        page.wait_for_load_state()
        reached[title] = page.url.removeprefix(served + "/")
        assert page.locator("h1").count() == 1, page.url
        page.go_back()
    context.close()
    assert {f"{s}/index.html" for s in sections()} <= set(reached.values()), reached
    assert not watch.errors and sections() - {"about"}  # the landing page has cards for more than one section


def test_the_section_check_sees_a_missing_card(browser, served, site):
    """The negative case: a landing page without its Evidence card fails the comparison above."""
    context, page, watch = open_tab(browser, served)
    visit(page, f"{served}/index.html")
    hrefs = page.evaluate(
        """() => {
        document.querySelector('.sd-card a.sd-stretched-link[href^="evidence/"]').closest('.sd-col').remove();
        return [...document.querySelectorAll('.sd-card a.sd-stretched-link')].map(a => a.href);
    }"""
    )
    context.close()
    reached = {h.removeprefix(served + "/") for h in hrefs}
    assert not {f"{s}/index.html" for s in sections()} <= reached


def test_the_markup_fixes_apply_once_and_label_tables_by_caption():
    """tpi_sphinx.accessibility on the markup that Sphinx, docutils and Furo write (the axe tour above
    fails if that markup changes so that the fixes no longer apply)."""
    from tpi_sphinx.accessibility import focusable_code, focusable_tables, label_captions, list_citations

    caption = '<p class="caption" role="heading"><span class="caption-text">Contents</span></p>'
    assert label_captions(caption) == label_captions(label_captions(caption))
    assert 'role="heading" aria-level="2"' in label_captions(caption)
    entry = '<div role="list" class="citation-list">\n<div class="citation" id="id3" role="doc-biblioentry">'
    assert list_citations(entry).endswith('<div class="citation" id="id3" role="listitem">')
    table = (
        '<div class="table-wrapper colwidths-given docutils container" id="t">\n<table class="docutils align-default">'
        '<caption><span class="caption-number">Table 3 </span><span class="caption-text">Doses &amp; "caps"</span>'
        '<a class="headerlink" href="#t">¶</a></caption><tbody></tbody></table></div>'
        '<div class="table-wrapper docutils container"><table><tbody></tbody></table></div>'
    )
    fixed = focusable_tables(table)
    assert 'id="t" tabindex="0" role="region" aria-label="Table 3 Doses &amp; &quot;caps&quot;">' in fixed
    assert '<div class="table-wrapper docutils container" tabindex="0" role="region" aria-label="Table">' in fixed
    assert focusable_tables(fixed) == fixed
    assert focusable_code('<div class="highlight"><pre><span></span>x</pre>') == (
        '<div class="highlight"><pre tabindex="0"><span></span>x</pre>'
    )
    assert focusable_code('<pre tabindex="0">') == '<pre tabindex="0">'
