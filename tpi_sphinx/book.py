"""The PDF book: appendices printed once, tables that fit the page.

Appendices. The glossary, checklists and bibliography are printed at the back
of the book (``latex_appendices`` in conf.py). The site lists them in toctrees
wrapped in ``{only} html``; Sphinx inlines those toctrees into the book too and
drops them only late, after sphinxcontrib-bibtex has filled the bibliography,
which then prints every entry twice. ``OnlyBlocksFirst`` drops web-only blocks
before anything else runs.

Sphinx also labels an appendix page *before* its chapter heading, so "Glossary
(page N)" named the last page of the previous chapter; ``AppendixPageRefs``
points such references at the heading instead.

Sheets of their own. A section marked ``{.print-page}`` (the LAST emergency
checklist) prints on a sheet of its own from the browser (docs/_static/tpi.css);
``PrintPageSections`` gives it its own page in the book as well, and
``ActionCardPage`` ends the page after an emergency action card.

Tables. LaTeX cannot break an ordinary table across pages, so a long clinical table
(complications, muscles, evidence) would run off the bottom of the page. In the
LaTeX build every top-level table therefore becomes a ``longtable``.

A longtable needs column widths. A table that states ``:widths:`` keeps them;
otherwise each column gets a share of the text width from its content: the
longest word sets a floor (no word is split across a border) and the average
cell length, capped, sets the rest, so a column of short labels stays narrow and
columns of sentences share the remaining width. The cells are set ragged-right
(docs/_latex/tpi.sty), which reads better than justified text in a
narrow column.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import OnlyNodeTransform, SphinxPostTransform

AVERAGE_CAP = 40  # characters; beyond this a column of sentences is "wide"
WORD_SLACK = 1.2  # a word needs a little more than its letters (bold headers, wide letters)
PADDING = 3  # characters' worth of space between columns, taken from each column's share

# Containers that LaTeX draws as boxes: a longtable cannot break inside them.
BOXED = (nodes.Admonition, nodes.table, nodes.topic, nodes.sidebar, nodes.footnote)


def column_weights(rows: list[list[str]]) -> list[int]:
    """Relative column widths for a table given as rows of cell texts."""
    columns = list(zip(*rows, strict=False))  # a short row leaves its last cells empty
    weights = []
    for cells in columns:
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=1)
        average = sum(len(cell) for cell in cells) / len(cells)
        weights.append(round(PADDING + max(longest_word * WORD_SLACK, min(average, AVERAGE_CAP))))
    return weights


def _rows(tgroup: nodes.tgroup) -> list[list[str]] | None:
    rows = [[entry.astext() for entry in row.findall(nodes.entry)] for row in tgroup.findall(nodes.row)]
    width = len(list(tgroup.findall(nodes.colspec)))
    if not rows or any(len(row) != width for row in rows):
        return None  # merged cells: leave the layout to Sphinx
    return rows


class OnlyBlocksFirst(OnlyNodeTransform):
    default_priority = 1  # Sphinx's own runs at 50; the bibliography is filled at 5
    formats = ("latex",)


class AppendixPageRefs(SphinxPostTransform):
    default_priority = 20  # after the references are resolved (priority 10)
    formats = ("latex",)

    def run(self, **kwargs):
        headings = {}
        for docname in self.config.latex_appendices:
            section = next(self.env.get_doctree(docname).findall(nodes.section))
            headings[f"%{docname}"] = f"%{docname}#{section['ids'][0]}"
        for ref in self.document.findall(nodes.reference):
            if ref.get("refuri") in headings:
                ref["refuri"] = headings[ref["refuri"]]


class PrintPageSections(SphinxPostTransform):
    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs):
        for section in list(self.document.findall(nodes.section)):
            if "print-page" in section["classes"]:
                _new_page_before(self.document, section)
                ending = len(section)
                while isinstance(section[ending - 1], nodes.target):  # the next section's labels
                    ending -= 1
                section.insert(ending, _clearpage())


class ActionCardPage(SphinxPostTransform):
    """An emergency action card (tpi_sphinx.keypoints) opens a page with its page title, and
    ends it: the card is never split, and what follows it starts a new page."""

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs):
        for block in list(self.document.findall(nodes.container)):
            if "action-card-block" in block["classes"]:
                if isinstance(block.parent, nodes.section):
                    _new_page_before(self.document, block.parent)
                # a size smaller, as in print from the site, so that the whole card fits its page
                block.parent.insert(block.parent.index(block), nodes.raw("", "\\begingroup\\small\n", format="latex"))
                block.parent.insert(block.parent.index(block) + 1, nodes.raw("", "\\endgroup\n", format="latex"))
                block.parent.insert(block.parent.index(block) + 2, _clearpage())


def _new_page_before(document: nodes.document, section: nodes.section) -> None:
    """Start a page before a section. A label written above its heading (a target node, often at the
    end of the previous section) must follow the page break, or "(page N)" points a page early."""
    labels = [t for t in document.findall(nodes.target) if t.get("refid") in section["ids"]]
    anchor = labels[0] if labels else section
    anchor.parent.insert(anchor.parent.index(anchor), _clearpage())


def _clearpage() -> nodes.raw:
    return nodes.raw("", "\\clearpage\n", format="latex")


class BreakableTables(SphinxPostTransform):
    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs):
        for table in self.document.findall(nodes.table):
            if any(isinstance(parent, BOXED) for parent in _ancestors(table)):
                continue
            table["classes"].append("longtable")
            if "colwidths-given" in table["classes"]:
                continue
            tgroup = next(table.findall(nodes.tgroup))
            rows = _rows(tgroup)
            if rows is None:
                continue
            for colspec, weight in zip(tgroup.findall(nodes.colspec), column_weights(rows), strict=False):
                colspec["colwidth"] = weight
            table["classes"].append("colwidths-given")


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def setup(app: Sphinx) -> None:
    app.add_post_transform(OnlyBlocksFirst)
    app.add_post_transform(AppendixPageRefs)
    app.add_post_transform(PrintPageSections)
    app.add_post_transform(ActionCardPage)
    app.add_post_transform(BreakableTables)
