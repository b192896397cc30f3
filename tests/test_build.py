"""The site builds cleanly, and every page is reachable and well-formed."""

import json
import pickle
import re

import pytest

from conftest import parsed
from tpi_sphinx import frontmatter, sources

SECTIONS = ["background", "indications", "procedure", "safety", "rehabilitation", "evidence", "resources", "about"]


def test_build_emits_no_warnings(site):
    assert site.warnings == []


def test_every_page_is_reachable_from_the_root_toctree(site):
    env = pickle.loads((site.doctreedir / "environment.pickle").read_bytes())
    reachable, todo = set(), ["index"]
    while todo:
        doc = todo.pop()
        if doc not in reachable:
            reachable.add(doc)
            todo.extend(env.toctree_includes.get(doc, []))
    all_pages = {sources.docname(p) for p in sources.pages()}
    assert all_pages - reachable == set()


def test_every_page_has_valid_front_matter():
    bad = {}
    for page in sources.pages():
        meta = sources.front_matter(page)
        found = ["no front matter"] if meta is None else frontmatter.problems(meta)
        if found:
            bad[str(page.relative_to(sources.ROOT))] = found
    assert bad == {}


def _review_line(site, page: str) -> str:
    soup = parsed(site.outdir / f"{page}.html")
    return " ".join(soup.select_one(".page-review").get_text().split())


def test_each_page_shows_version_sources_checked_and_sign_off(site):
    """What has been done (sources checked on a date) is shown apart from the clinical sign-off."""
    text = _review_line(site, "background/what-is-a-trigger-point-injection")
    version = r"Version \S+(?:, \d{4}-\d\d-\d\d| \(unreleased\))"  # the release date, or a development version
    assert re.fullmatch(version + r" · Sources checked \d{4}-\d\d-\d\d · Clinical sign-off: pending", text), text
    soup = parsed(site.outdir / "background" / "what-is-a-trigger-point-injection.html")
    footer = soup.select_one(".tpi-footer").get_text()
    assert "not medical advice" in footer and "CC BY-SA 4.0" in footer
    about = _review_line(site, "about/license")
    assert re.fullmatch(version + r" · Updated \d{4}-\d\d-\d\d", about), about


@pytest.mark.parametrize(
    "meta, expected",
    [
        ({"status": "signed-off"}, "names who signed it off"),
        ({"status": "draft", "signed-off-by": "A. Editor, MD", "signed-off-on": "2026-11-01"}, "not 'signed-off'"),
        ({"status": "signed-off", "signed-off-by": "A. Editor, MD", "signed-off-on": "2999-01-01"}, "in the future"),
        ({"status": "reviewed"}, "must be one of outline, draft, signed-off"),
    ],
)
def test_sign_off_needs_a_name_and_a_date(meta, expected):
    found = frontmatter.problems({"reviewed": "2026-11-26", "kind": "clinical", **meta})
    assert len(found) == 1 and expected in found[0], found


def test_an_outline_says_it_is_not_for_clinical_use():
    line = frontmatter.review_line({"reviewed": "2026-11-26", "kind": "clinical", "status": "outline"})
    assert line["sign_off"] == "Outline: being written, not for clinical use"


def test_a_signed_off_page_says_by_whom():
    line = frontmatter.review_line(
        {
            "reviewed": "2026-11-26",
            "kind": "clinical",
            "status": "signed-off",
            "signed-off-by": "A. Editor, MD",
            "signed-off-on": "2026-11-20",
        }
    )
    assert line["sign_off"] == "Clinical sign-off: A. Editor, MD, 2026-11-20"


def test_landing_page_links_to_every_section(site):
    soup = parsed(site.outdir / "index.html")
    article_links = {a["href"] for a in soup.select("article a[href]")}
    missing = [s for s in SECTIONS if f"{s}/index.html" not in article_links]
    assert missing == []


def test_every_section_index_states_its_scope():
    for section in SECTIONS:
        text = sources.body(sources.DOCS / section / "index.md")
        prose = [p for p in text.split("\n\n") if p and not p.lstrip().startswith(("#", "`", ":", "(", "-"))]
        assert prose, f"{section}/index.md has no scope paragraph"
        assert len(" ".join(prose).split()) >= 40, f"{section}/index.md: scope paragraph too short"
        assert not re.search(r"\b(TBD|TODO|lorem ipsum)\b", text, re.I), f"{section}/index.md has a placeholder"


def test_search_index_contains_every_glossary_term(site):
    raw = (site.outdir / "searchindex.js").read_text()
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    indexed = set(index["indexentries"])
    missing = [name for entry in sources.glossary() for name in entry.names if name.lower() not in indexed]
    assert missing == []


def test_sort_grades_are_badges_linked_to_the_scale(site):
    """Every "SORT A/B/C" on a page is a styled badge linking to the grading page."""
    soup = parsed(site.outdir / "safety" / "last.html")
    article = soup.select_one("article")
    badges = article.select("span.sort-grade")
    assert badges
    assert all(b.find_parent("a")["href"] == "../evidence/grading.html#sort-grades" for b in badges)
    in_text = len(re.findall(r"\bSORT [ABC]\b", article.get_text(" ")))
    assert len(badges) == in_text
