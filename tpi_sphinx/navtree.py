"""Furo's navigation tree built once per folder per build, not once per page.

Furo puts the whole navigation into every page: for each page it asks Sphinx for the global
table of contents (a walk of every page's headings), renders it to HTML and parses that HTML
again with BeautifulSoup to add its toggles (``furo._compute_navigation_tree``). Each step costs
time in proportion to the number of pages, so a clean build grows with the square of the page
count (docs/about/performance.md has the curve).

What differs between two pages in the same folder is only which entries are marked: Sphinx gives
the entries for the current page, and every ``<li>``, ``<ul>`` and ``<a>`` above them, the class
``current`` and the current page's link ``href="#"``; Furo then checks the toggles of the current
``<li>``s and adds ``current-page`` to the last one. (The links are relative, so they are the same
for every page of a folder.) So the tree is built once per folder, exactly as Furo builds it, for a
page name that matches no entry, and split into a template at every tag that a page may mark;
each page then marks its own entries, the same way, in time proportional to the depth of the tree.
tests/test_navtree.py builds a site with and without this and requires every page to be the same.

``tpi_navigation_cache = False`` (``-D tpi_navigation_cache=0``) turns it off, for that test and
for the "before" figures of ``scripts/bench.py --scale``.
"""

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.errors import ExtensionError

from .lazyfuro import furo

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# Furo's own arguments to the toctree function (furo._compute_navigation_tree).
FURO_TOCTREE = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}
MARKER = "data-tpi-nav"
_MARKED = re.compile(rf'<(?:li|ul|a|input) {MARKER}="(\d+)"/?>')
_UNLISTED = "\x00navigation"  # a page name in the folder that no table of contents lists


def _opening(soup: "BeautifulSoup", name: str, attrs: dict) -> str:
    """The opening tag as BeautifulSoup writes it (so a marked tag reads exactly as Furo's)."""
    html = str(soup.new_tag(name, attrs=dict(attrs)))
    return html.removesuffix(f"</{name}>")


@dataclass
class Folder:
    """The navigation of one folder: the HTML cut at each markable tag, and how to mark each."""

    parts: list[str]  # text, tag number, text, tag number, ..., text
    plain: list[str]  # each tag's opening as Furo writes it on a page that is not below it
    current: list[str]  # the same tag marked current (for an <li>: without current-page)
    current_page: list[str]  # an <li> marked current and current-page
    links: dict[str, list[tuple[int, list[int], list[int]]]] = field(default_factory=dict)
    # href -> for each link to it: (its tag, the <li>/<ul> tags above it, the toggles of those <li>s)
    anchored: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # href -> links to a place in that page, each (its tag, its opening on that page: href="#place")

    def render(self, href: str) -> str:
        marks: dict[int, str] = {}
        lis: list[int] = []
        for link, ancestors, toggles in self.links.get(href, ()):
            marks[link] = self.current[link]
            for tag in ancestors:
                marks[tag] = self.current[tag]
                if self.parts_name[tag] == "li":
                    lis.append(tag)
            for toggle in toggles:
                marks[toggle] = self.current[toggle]
        for link, opening in self.anchored.get(href, ()):  # Sphinx links a place in the page itself by "#place"
            marks[link] = opening
        if lis:  # Furo: the last current <li> in document order is the current page
            last = max(lis)
            marks[last] = self.current_page[last]
        out = []
        for i, part in enumerate(self.parts):
            out.append(marks.get(part, self.plain[part]) if i % 2 else part)
        return "".join(out)

    parts_name: list[str] = field(default_factory=list)


def build_folder(html: str) -> Folder:
    """Cut Furo's navigation HTML (of a page that no entry points to) into a Folder."""
    from bs4 import BeautifulSoup  # when a page is written, not at start-up (tpi_sphinx.lazyfuro)

    soup = BeautifulSoup(html, "html.parser")
    tags = soup.find_all(["li", "ul", "a", "input"])
    number = {id(tag): n for n, tag in enumerate(tags)}
    plain, current, current_page, names = [], [], [], []
    for tag in tags:
        attrs = dict(tag.attrs)
        classes = list(attrs.get("class", []))
        plain.append(_opening(soup, tag.name, attrs))
        names.append(tag.name)
        marked = dict(attrs)
        if tag.name == "li":  # Sphinx appends current after toctree-lN; Furo then appends has-children
            marked["class"] = [classes[0], "current", *classes[1:]]
        elif tag.name == "input":  # Furo checks the toggle of a current <li>
            marked["checked"] = ""
        else:  # Sphinx puts current first on <a> (the writer's own class comes after) and on a bare <ul>
            marked["class"] = ["current", *classes]
        if tag.name == "a":
            marked["href"] = "#"
        current.append(_opening(soup, tag.name, marked))
        if tag.name == "li":
            current_page.append(_opening(soup, tag.name, {**marked, "class": [*marked["class"], "current-page"]}))
        else:
            current_page.append(current[-1])
    links: dict[str, list] = {}
    anchored: dict[str, list] = {}
    for tag in tags:
        if tag.name != "a" or "href" not in tag.attrs:
            continue
        page, hash_, place = tag["href"].partition("#")
        if hash_:
            if page:
                anchored.setdefault(page, []).append(
                    (number[id(tag)], _opening(soup, "a", {**tag.attrs, "href": "#" + place}))
                )
            continue
        ancestors = [number[id(p)] for p in tag.parents if p.name in ("li", "ul") and id(p) in number]
        toggles = [
            number[id(box)]
            for p in tag.parents
            if p.name == "li" and (box := p.find("input", recursive=False)) is not None
        ]
        links.setdefault(tag["href"], []).append((number[id(tag)], ancestors, toggles))
    for n, tag in enumerate(tags):
        tag.attrs = {MARKER: str(n)}
    pieces = _MARKED.split(str(soup))
    parts = [int(p) if i % 2 else p for i, p in enumerate(pieces)]
    return Folder(parts, plain, current, current_page, links, anchored, names)


class NavigationCache:
    """Furo's navigation tree for each page, built once per folder (cleared when the sources change)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.folders: dict[str, Folder] = {}
        self.cached = self.by_furo = 0  # pages whose navigation came from a folder template, or from Furo

    def clear(self, *args: Any) -> None:
        self.folders.clear()

    def tree(self, pagename: str) -> str:
        builder = self.app.builder
        folder = posixpath.dirname(pagename)
        if folder not in self.folders:
            unlisted = posixpath.join(folder, _UNLISTED)
            node = global_toctree_for_doc(self.app.env, unlisted, builder, tags=builder.tags, **FURO_TOCTREE)
            html = builder.render_partial(node)["fragment"] if node is not None else ""
            self.folders[folder] = build_folder(furo.get_navigation_tree(html))
        href = builder.get_relative_uri(posixpath.join(folder, _UNLISTED), pagename)
        return self.folders[folder].render(href)


def _install(app: Sphinx) -> None:
    if not app.config.tpi_navigation_cache or app.builder.format != "html" or app.config.html_theme != "furo":
        return
    original = getattr(furo, "_compute_navigation_tree", None)
    if original is None or getattr(original, "__code__", None) is None:
        raise ExtensionError("navtree: this Furo has no _compute_navigation_tree; update tpi_sphinx/navtree.py")
    cache = NavigationCache(app)
    app.connect("env-updated", cache.clear)

    def compute(context: dict[str, Any]) -> str:
        # Only Sphinx's own toctree function for a page of the sources: sphinx-notfound-page gives its
        # 404 page another one (links from the site root), which Furo's own code then renders.
        toctree = context.get("toctree")
        own = getattr(toctree, "__module__", None) == StandaloneHTMLBuilder.__module__
        if not own or context.get("pagename") not in app.env.all_docs:
            cache.by_furo += 1
            return original(context)
        cache.cached += 1
        return cache.tree(context["pagename"])

    compute.original = original  # type: ignore[attr-defined]
    compute.cache = cache  # type: ignore[attr-defined]
    furo._compute_navigation_tree = compute


def _uninstall(app: Sphinx, exception: Exception | None) -> None:
    patched = furo._compute_navigation_tree
    furo._compute_navigation_tree = getattr(patched, "original", patched)
    if (report := os.environ.get("TPI_NAVTREE_REPORT")) and hasattr(patched, "cache"):
        # for tests/test_navtree.py: how many pages the cache served (a cache never used would compare equal too)
        cache = patched.cache
        Path(report).write_text(
            json.dumps({"cached": cache.cached, "furo": cache.by_furo, "folders": len(cache.folders)})
        )


def setup(app: Sphinx) -> None:
    app.add_config_value("tpi_navigation_cache", True, "", types=frozenset({bool}))
    app.connect("builder-inited", _install)
    app.connect("build-finished", _uninstall)
