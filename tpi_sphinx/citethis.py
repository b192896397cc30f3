"""How to cite what you read: "Cite this page" at the foot of every page (HTML) and the
``{cite-this-version}`` block of the how-to-cite page (every output), each in APA style and BibTeX,
with the version, its date and the address.

The address is ``html_baseurl`` (Read the Docs sets it through ``READTHEDOCS_CANONICAL_URL``); a
self-hosted build without one asks the reader to add the address where they read the page.
"""

import re
from html import escape, unescape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from . import pagehistory

NO_CITATION = {"genindex", "search", "404", "bibliography"}


def _date(config) -> tuple[str, str]:
    """(year, a line for the version): the release date, or the build date for a development version."""
    released = config.html_context.get("release_date")
    if released:
        return released[:4], f"Version {config.release}, released {released}"
    return str(pagehistory.build_date().year), f"Version {config.release} (unreleased development version)"


def _key(*parts: str) -> str:
    return "tpi-reference-" + "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts if p)


def citation(config, title: str | None = None, path: str | None = None) -> dict[str, str]:
    """APA and BibTeX for the whole reference (no title) or one page of it."""
    year, version_line = _date(config)
    base = (config.html_baseurl or "").rstrip("/")
    address = f"{base}/{path}" if base and path else base + "/" if base else ""
    where = address or "[the address where you read it]"
    book = config.project
    authors = config.author
    if title:
        apa = f"{authors}. ({year}). {title}. In *{book}* (Version {config.release}). {where}"
        entry = "misc"
        fields = {"title": title, "howpublished": f"In: {book}, version {config.release}"}
    else:
        apa = f"{authors}. ({year}). *{book}* (Version {config.release}). {where}"
        entry = "book"
        fields = {"title": book}
    fields = {"author": "{" + authors + "}", **fields, "year": year, "version": config.release, "note": version_line}
    if address:
        fields["url"] = address
    key = _key(config.release, path.removesuffix(".html") if path else "")
    bibtex = f"@{entry}{{{key},\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items()) + "}"
    return {"apa": apa, "apa_html": _italics(apa), "bibtex": bibtex}


def _italics(text: str) -> str:
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", escape(text, quote=False))


class CiteThisVersion(SphinxDirective):
    """The citation of the version being read, in APA style and BibTeX."""

    def run(self) -> list[nodes.Node]:
        cite = citation(self.config)
        apa = nodes.paragraph()
        for i, part in enumerate(cite["apa"].split("*")):
            apa += nodes.emphasis(text=part) if i % 2 else nodes.Text(part)
        bibtex = nodes.literal_block(cite["bibtex"], cite["bibtex"], language="bibtex")
        box = nodes.container(classes=["cite-this"])
        box += [nodes.rubric(text="APA"), apa, nodes.rubric(text="BibTeX"), bibtex]
        return [box]


def add_page_citation(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None or pagename in NO_CITATION:
        context["cite_page"] = None
        return
    title = unescape(re.sub(r"<[^>]+>", "", context.get("title", "")))
    context["cite_page"] = citation(app.config, title, app.builder.get_target_uri(pagename))


def setup(app: Sphinx) -> None:
    app.add_directive("cite-this-version", CiteThisVersion)
    app.connect("html-page-context", add_page_citation)
