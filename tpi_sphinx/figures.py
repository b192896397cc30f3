"""Figures: drawings in SVG and flowcharts in Graphviz, the same in HTML, PDF and EPUB, checked on every build.

- Drawings are hand-written SVG files in ``docs/figures/``, placed with MyST's ``{figure}`` directive.
  Each SVG opens with a ``<title>`` and a ``<desc>``. A number on a drawing that is a safety number is
  written as ``<text data-dose="path">``: its text must contain the quantity at ``path`` of
  ``docs/data/doses.yaml`` exactly as ``{dose}`` renders it. Any other digit in a text element must be
  marked ``data-typed="..."`` with the reason it is not from the data file (an angle the page states, a
  panel letter). :func:`svg_problems` lists what is wrong; the build warns on each (and -W fails).
  The PDF gets the drawings through sphinxcontrib-svg2pdfconverter (``rsvg-convert``), the HTML and the
  EPUB get the SVG itself.
- Flowcharts are Graphviz ``.dot`` files in ``docs/figures/``, placed with ``{flowchart} /figures/NAME.dot``
  (Sphinx's own ``graphviz`` directive, with its ``:alt:``, ``:caption:`` and ``:name:`` options). In the
  ``.dot`` file a placeholder ``{dose:path}`` is replaced by the quantity at ``path`` when the page is
  built, so a number in a flowchart never differs from the data file.
  In HTML and EPUB the flowchart is an ``<img>`` of the SVG with its alt text (Sphinx's own markup, an
  ``<object>``, is blocked by the site's Content-Security-Policy and has no alt attribute); in the PDF it is
  the PDF that Graphviz draws. Graphviz (Cairo 1.16, Debian 12) stamps that PDF with the clock, whatever
  SOURCE_DATE_EPOCH says; :func:`date_flowchart_pdfs` writes SOURCE_DATE_EPOCH's date over the stamp (same
  length, so the file stays valid), and two builds of the book's LaTeX are byte for byte the same.
- Every figure needs alt text, a caption that cites its source with ``{cite:p}`` and a ``:name:`` for
  ``{numref}``: :func:`figure_problems` checks each figure of a page when it is read.
"""

import os
import re
import time
from pathlib import Path
from xml.etree import ElementTree

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.ext.graphviz import Graphviz, GraphvizError, graphviz, render_dot
from sphinx.util import logging

from . import doses

logger = logging.getLogger(__name__)

FIGURES_DIR = Path("docs") / "figures"  # relative to the configuration directory
SVG = "{http://www.w3.org/2000/svg}"
PLACEHOLDER = re.compile(r"\{dose:([^{}\s]+)\}")
DIGIT = re.compile(r"\d")


# -- Drawings (SVG) --------------------------------------------------------------


def _text(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def svg_dose_labels(root: ElementTree.Element) -> list[tuple[str, str]]:
    """(path, label text) for each ``<text data-dose="path">`` of a drawing."""
    return [(el.get("data-dose"), _text(el)) for el in root.iter() if el.get("data-dose")]


def svg_problems(text: str, data: dict) -> list[str]:
    """What is wrong with one SVG drawing: title and description, and every number against the data file."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        return [f"not well-formed XML: {error}"]
    found = []
    children = [child.tag for child in root]
    for tag in ("title", "desc"):
        element = root.find(SVG + tag)
        if element is None or not _text(element):
            found.append(f"no <{tag}> (screen readers and the EPUB read it)")
        elif element is not None and DIGIT.search(_text(element)):
            found.append(f"<{tag}> has a number typed by hand: describe it in words (the labels carry the numbers)")
    if children[:2] != [SVG + "title", SVG + "desc"]:
        found.append("<title> and <desc> must be the first two elements")
    if not root.get("viewBox"):
        found.append("no viewBox (the drawing cannot scale)")
    for element in root.iter(SVG + "text"):
        label = _text(element)
        path = element.get("data-dose")
        if path:
            try:
                quantity = doses.lookup(data, path)
            except (KeyError, TypeError, IndexError):
                found.append(f"data-dose={path!r}: no such quantity in {doses.DATA_FILE}")
                continue
            if doses.fmt(quantity) not in label:
                found.append(f"label {label!r} does not show {path} as the data file gives it: {doses.fmt(quantity)!r}")
        elif DIGIT.search(_typed_text(element)) and not element.get("data-typed") and not _inside_dose(element, root):
            found.append(f"label {label!r} has a number typed by hand: use data-dose, or data-typed with the reason")
    return found


def _typed_text(element: ElementTree.Element) -> str:
    """The text of an element without the parts that a ``data-dose`` child renders."""
    parts = [element.text or ""]
    for child in element:
        if not child.get("data-dose"):
            parts.append(_typed_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _inside_dose(element: ElementTree.Element, root: ElementTree.Element) -> bool:
    """A <tspan> inside a <text data-dose>: its parent has been checked."""
    return any(element in list(parent.iter()) for parent in root.iter() if parent.get("data-dose"))


def drawings(confdir: Path) -> list[Path]:
    return sorted((confdir / FIGURES_DIR).glob("*.svg"))


def check_drawings(app: Sphinx) -> None:
    for path in drawings(Path(app.confdir)):
        for problem in svg_problems(path.read_text(encoding="utf-8"), app.tpi_doses):
            logger.warning(f"{path.relative_to(app.confdir)}: {problem}", type="tpi", subtype="figures")


# -- Flowcharts (Graphviz) ---------------------------------------------------------


def fill_placeholders(code: str, data: dict) -> str:
    """The dot source with each ``{dose:path}`` replaced by the quantity as ``{dose}`` renders it."""

    def quantity(match: re.Match) -> str:
        return doses.fmt(doses.lookup(data, match.group(1))).replace('"', r"\"")

    return PLACEHOLDER.sub(quantity, code)


class Flowchart(Graphviz):
    """``{flowchart} /figures/NAME.dot``: a Graphviz flowchart whose ``{dose:path}`` come from the data file."""

    required_arguments = 1
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        for option in ("alt", "caption", "name"):
            if option not in self.options:
                raise self.error(f"a flowchart needs :{option}:")
        result = super().run()
        self.env.note_dependency(str(Path(self.env.app.confdir) / doses.DATA_FILE))
        for node in (n for top in result for n in top.findall(graphviz)):
            try:
                node["code"] = fill_placeholders(node["code"], self.env.app.tpi_doses)
            except (KeyError, TypeError, IndexError) as error:
                raise self.error(f"{self.arguments[0]}: no quantity {error} in {doses.DATA_FILE}") from error
        return result


def html_visit_graphviz(self, node: graphviz) -> None:
    """The flowchart as an SVG ``<img>`` with its alt text (HTML and EPUB)."""
    try:
        fname, _ = render_dot(self, node["code"], node["options"], "svg", "graphviz", node.get("filename"))
    except GraphvizError as error:
        logger.warning(f"dot code could not be drawn: {error}", location=node, type="tpi", subtype="figures")
        raise nodes.SkipNode from error
    alt = self.attval(node.get("alt", ""))
    self.body.append(f'<div class="graphviz"><img src="{fname.as_posix()}" alt="{alt}" class="graphviz" /></div>\n')
    raise nodes.SkipNode


# -- Every figure: alt text, caption with a citation, a name --------------------


def _alt(figure: nodes.figure) -> str:
    for node in figure.findall(lambda n: isinstance(n, (nodes.image, graphviz))):
        return node.get("alt", "").strip()
    return ""


def figure_problems(figure: nodes.figure) -> list[str]:
    found = []
    if not _alt(figure):
        found.append("figure without alt text (:alt:)")
    elif DIGIT.search(_alt(figure)):
        found.append("alt text with a number typed by hand: describe it in words (the labels carry the numbers)")
    caption = next(iter(figure.findall(nodes.caption)), None)
    if caption is None or not caption.astext().strip():
        found.append("figure without a caption")
    elif not any(node.get("refdomain") == "cite" for node in caption.findall(nodes.Element)):
        found.append("figure caption without a {cite:p} citation of its source")
    if not figure["ids"]:
        found.append("figure without :name: (needed for {numref})")
    return found


def check_figures(app: Sphinx, doctree: nodes.document) -> None:
    for figure in doctree.findall(nodes.figure):
        for problem in figure_problems(figure):
            logger.warning(problem, location=figure, type="tpi", subtype="figures")


CREATION_DATE = re.compile(rb"/CreationDate \(D:\d{14}Z\)")


def date_flowchart_pdfs(app: Sphinx, exception: Exception | None) -> None:
    """Graphviz's PDFs of a LaTeX build carry SOURCE_DATE_EPOCH's date (or the epoch's), not the clock's."""
    if exception or app.builder.format != "latex":
        return
    stamp = time.strftime("/CreationDate (D:%Y%m%d%H%M%SZ)", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", 0))))
    for pdf in Path(app.outdir).rglob("graphviz-*.pdf"):
        data = pdf.read_bytes()
        dated = CREATION_DATE.sub(stamp.encode(), data)
        if dated != data:
            pdf.write_bytes(dated)


def setup(app: Sphinx) -> None:
    app.setup_extension("sphinx.ext.graphviz")
    app.setup_extension("sphinxcontrib.rsvgconverter")
    app.add_directive("flowchart", Flowchart)
    app.add_node(graphviz, override=True, html=(html_visit_graphviz, None))
    app.connect("builder-inited", check_drawings, priority=600)  # after doses.load_and_check
    app.connect("doctree-read", check_figures)
    app.connect("build-finished", date_flowchart_pdfs)
