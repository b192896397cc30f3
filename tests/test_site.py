"""The built website is safe to publish: nothing loads from another origin, no
inline event handlers, new windows cannot reach back to the page, a
Content-Security-Policy on every page (that the pages satisfy in Chromium: test_browser's
tours, test_no_console_error_on_any_page), and a 404 page."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import parsed

# Attributes through which an element loads something.
LOADING = {
    "script": ["src"],
    "img": ["src", "srcset"],
    "iframe": ["src"],
    "frame": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "source": ["src", "srcset"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "track": ["src"],
    "input": ["src"],
}
LOADING_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest", "apple-touch-icon"}


def _remote(url: str) -> bool:
    return bool(re.match(r"\s*(?:[a-z][a-z0-9+.-]*:)?//", url, flags=re.I)) and not url.strip().startswith("data:")


def loads_from_elsewhere(html: str | BeautifulSoup) -> list[str]:
    """What an HTML document loads from another origin, plus inline handlers and unsafe links."""
    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(True):
        for attr in LOADING.get(tag.name, []):
            for url in re.split(r",\s*", tag.get(attr, "")):
                if url and _remote(url.split()[0]):
                    found.append(f"<{tag.name} {attr}={url}>")
        if tag.name == "link" and LOADING_LINKS & set(tag.get("rel", [])) and _remote(tag.get("href", "")):
            found.append(f"<link href={tag['href']}>")
        found += [f"<{tag.name} {a}=...> inline event handler" for a in tag.attrs if a.lower().startswith("on")]
        href = tag.get("href", "") if tag.name in {"a", "area"} else ""
        if re.match(r"\s*(javascript|data|vbscript):", href, flags=re.I):
            found.append(f"<{tag.name} href={href[:30]}>")
        if tag.get("target") == "_blank" and "noopener" not in tag.get("rel", []):
            found.append(f"<{tag.name} target=_blank> without rel=noopener")
    for style in soup.find_all("style"):
        found += [f"<style> url({u})" for u in css_urls(style.get_text()) if _remote(u)]
    return found


def css_urls(css: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"""(?:url\(|@import\s+)\s*(['"]?)([^'")\s]+)\1""", css)]


def html_files(site) -> list[Path]:
    return sorted(site.outdir.rglob("*.html"))


@pytest.fixture(scope="module")
def soups(site) -> dict[Path, BeautifulSoup]:
    """Every page of the site, parsed, for the tests below."""
    return {page: parsed(page) for page in html_files(site)}


def test_the_site_has_a_search_page_and_a_404_page(site):
    names = {p.relative_to(site.outdir).as_posix() for p in html_files(site)}
    assert {"index.html", "search.html", "404.html", "genindex.html"} <= names
    assert "Page not found" in (site.outdir / "404.html").read_text(encoding="utf-8")


def test_nothing_loads_from_another_origin(site, soups):
    found = {p.name: loads_from_elsewhere(soup) for p, soup in soups.items()}
    assert not {page: f for page, f in found.items() if f}
    for css in site.outdir.rglob("*.css"):  # stylesheets: fonts and images
        assert not [u for u in css_urls(css.read_text(encoding="utf-8")) if _remote(u)], css


@pytest.mark.parametrize(
    "bad",
    [
        '<script src="https://tracker.example/t.js"></script>',
        '<img src="//cdn.example/pixel.gif" alt="">',
        '<link rel="stylesheet" href="https://fonts.example/css">',
        '<iframe src="https://video.example/embed"></iframe>',
        '<p onclick="steal()">text</p>',
        '<a href="javascript:alert(1)">link</a>',
        '<a href="https://example.org" target="_blank">new window</a>',
        "<style>@font-face { src: url(https://fonts.example/f.woff2) }</style>",
    ],
)
def test_the_check_finds_each_kind_of_outside_load(bad):
    assert loads_from_elsewhere(f"<html><head></head><body>{bad}</body></html>")


def test_the_check_passes_local_and_data_resources():
    assert not loads_from_elsewhere(
        '<img src="_static/x.png" alt="x"><img src="data:image/png;base64,AA" alt="y">'
        '<a href="https://doi.org/10.1/x" target="_blank" rel="noopener">x</a>'
    )


def test_every_page_declares_its_content_security_policy_first(soups):
    assert len(soups) > 40
    for page, soup in soups.items():
        head = soup.head
        first_loading = head.find(["script", "link", "style"])
        meta = head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert meta, page
        assert (
            "default-src 'self'" in meta["content"] and "'unsafe-inline'" not in meta["content"].split("style-src")[0]
        )
        assert first_loading is None or meta.sourceline < first_loading.sourceline, page


def csp_violations(page, url: str) -> list[str]:
    """What Chromium reports as violations of the page's Content-Security-Policy while it loads and runs
    (test_versions; the site's own pages: test_browser's tours)."""
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(url, wait_until="networkidle" if "search.html?" in url else "load")  # the search fetches pages
    return found


# -- Each page loads only the assets it uses (tpi_sphinx/pageassets.py) ------------------------------


def loaded_assets(page: Path | BeautifulSoup) -> set[str]:
    soup = page if isinstance(page, BeautifulSoup) else parsed(page)
    links = [tag["href"] for tag in soup.find_all("link", href=True)] + [
        tag["src"] for tag in soup.find_all("script", src=True)
    ]
    return {link.split("?")[0].rsplit("/", 1)[-1] for link in links}


def test_syntax_colours_load_only_on_pages_with_highlighted_code(soups):
    with_code, without = [], []
    for page, soup in soups.items():
        has_code = 'class="highlight' in page.read_text(encoding="utf-8")
        (with_code if has_code else without).append(page)
        assets = loaded_assets(soup)
        assert ("pygments.css" in assets) == has_code, page
        assert "design-tabs.js" not in assets, page  # no page has tabs
    assert with_code and len(without) > 40  # the contributing guide has code; clinical pages have none
    assert {"furo.css", "tpi.css"} <= loaded_assets(soups[without[0]])


def test_sphinx_designs_style_sheet_loads_only_on_pages_with_its_components(soups):
    """The landing page's cards and the cases' answers are sphinx-design components; a page without one
    does not load its 55 KB style sheet (the page-weight budget)."""
    with_design = set()
    for page, soup in soups.items():
        uses = bool(soup.select_one("article [class*='sd-']"))
        assert ("sphinx-design.min.css" in loaded_assets(soup)) == uses, page
        if uses:
            with_design.add(page.name)
    assert "index.html" in with_design and 40 < len(soups) - len(with_design)


def test_an_asset_is_left_out_only_when_its_page_does_not_use_it():
    from tpi_sphinx.pageassets import unused

    assert unused("pygments.css", "<p>text</p>")
    assert not unused("pygments.css", '<div class="highlight-python notranslate">')
    assert unused("_static/design-tabs.js?v=1", "<p>text</p>")
    assert not unused("design-tabs.js", '<div class="sd-tab-set docutils">')
    assert unused("_static/sphinx-design.min.css?v=95c83b7e", "<p>text</p>")
    assert not unused("sphinx-design.min.css", '<div class="sd-card sd-sphinx-override">')
    assert not unused("styles/furo.css", "<p>text</p>")


def test_the_search_page_still_loads_the_assets_added_while_it_is_written(site):
    """accessibility.py adds its search-summary fix while the search page is written; leaving out unused
    assets must not drop it (it did, when pageassets ran first)."""
    assert "search-summary.js" in loaded_assets(site.outdir / "search.html")
