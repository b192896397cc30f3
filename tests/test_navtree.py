"""The navigation built once per folder (tpi_sphinx/navtree.py) is Furo's navigation, page for page."""

import json
from dataclasses import dataclass
from pathlib import Path

import furo
import pytest
from bs4 import BeautifulSoup

from tpi_sphinx.navtree import build_folder


@dataclass
class Built:
    outdir: Path


@pytest.fixture(scope="module")
def builds(edited):
    """The reference with 12 synthetic pages (three navigation levels), built with the cache (the first, clean
    build of test_reproducible's shared copy) and without (its clean build of the edited copy; both strict,
    so a warning fails them)."""
    return Built(edited.rebuilt / "html"), Built(edited.clean / "html")


def test_the_cache_serves_every_page_of_the_sources_and_is_off_when_turned_off(builds, edited):
    on, off = builds
    report = json.loads((edited.rebuilt.parent / "on-navtree.json").read_text())
    docs = edited.project / "docs"
    pages = [p for p in docs.rglob("*.md") if "_templates" not in p.parts]
    sources = len(pages)
    assert report["cached"] == sources  # every page of the sources; the 404, index and search pages by Furo
    assert report["furo"] >= 3
    assert report["folders"] == len({p.parent for p in pages})
    assert (edited.clean / "html").is_dir() and not (edited.clean.parent / "off-navtree.json").exists()


def test_the_synthetic_pages_build_strictly(builds):
    for build in builds:
        assert (build.outdir / "synthetic" / "group-2" / "topic-12.html").exists()


def test_every_page_is_the_same_with_the_cache_as_without(builds):
    on, off = builds
    pages = sorted(p.relative_to(off.outdir) for p in off.outdir.rglob("*.html"))
    assert len(pages) > 60
    assert pages == sorted(p.relative_to(on.outdir) for p in on.outdir.rglob("*.html"))
    different = [str(p) for p in pages if (on.outdir / p).read_bytes() != (off.outdir / p).read_bytes()]
    assert not different


def current_marks(html: str) -> list[str]:
    tree = BeautifulSoup(html, "html.parser").select_one(".sidebar-tree")
    marked = tree.select(".current, input[checked]")
    return [
        f"{tag.name}.{'.'.join(tag.get('class', []))}{'[checked]' if tag.has_attr('checked') else ''}" for tag in marked
    ]


def test_a_deep_page_marks_itself_and_its_ancestors_as_furo_does(builds):
    for build in builds:
        html = (build.outdir / "synthetic" / "group-1" / "topic-3.html").read_text(encoding="utf-8")
        assert current_marks(html) == [
            "ul.current",
            "li.toctree-l1.current.has-children",
            "input.toctree-checkbox[checked]",
            "ul.current",
            "li.toctree-l2.current.has-children",
            "input.toctree-checkbox[checked]",
            "ul.current",
            "li.toctree-l3.current.current-page",
            "a.current.reference.internal",
        ]
        assert 'class="current reference internal" href="#"' in html


# Sphinx's toctree HTML for a page no entry points to, and for the page b/two (marked as Sphinx marks it).
PLAIN = """<p class="caption" role="heading"><span class="caption-text">Contents</span></p>
<ul>
<li class="toctree-l1"><a class="reference internal" href="one.html">One</a></li>
<li class="toctree-l1"><a class="reference internal" href="b/index.html">B</a><ul>
<li class="toctree-l2"><a class="reference internal" href="b/two.html">Two &amp; more</a></li>
<li class="toctree-l2"><a class="reference internal" href="b/three.html">Three</a><ul>
<li class="toctree-l3"><a class="reference internal" href="b/two.html#x">Two, x</a></li>
</ul>
</li>
</ul>
</li>
</ul>
"""
TWO = (
    PLAIN.replace('<ul>\n<li class="toctree-l1"><a', '<ul class="current">\n<li class="toctree-l1"><a', 1)
    .replace(
        '<li class="toctree-l1"><a class="reference internal" href="b/index.html">B</a><ul>',
        '<li class="toctree-l1 current"><a class="reference internal" href="b/index.html">B</a><ul class="current">',
    )
    .replace(
        '<li class="toctree-l2"><a class="reference internal" href="b/two.html">',
        '<li class="toctree-l2 current"><a class="current reference internal" href="#">',
    )
    .replace('href="b/two.html#x"', 'href="#x"')
)


def test_the_folder_template_marks_a_page_as_furo_marks_sphinx_output():
    folder = build_folder(furo.get_navigation_tree(PLAIN))
    assert folder.render("b/two.html") == furo.get_navigation_tree(TWO)
    assert folder.render("b/two.html") != folder.render("one.html")


def test_a_page_no_entry_points_to_is_rendered_unmarked():
    plain = furo.get_navigation_tree(PLAIN)
    folder = build_folder(plain)
    assert folder.render("elsewhere.html") == plain
    assert folder.render("b/two.html#x") == plain  # an entry with an anchor never makes its page current


def test_a_link_to_a_place_in_the_page_itself_becomes_a_bare_anchor():
    rendered = build_folder(furo.get_navigation_tree(PLAIN)).render("b/two.html")
    assert 'href="#x"' in rendered and "two.html#x" not in rendered
