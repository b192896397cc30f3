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

import posixpath
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import OnlyNodeTransform, SphinxPostTransform

from . import frontmatter

AVERAGE_CAP = 40  # characters; beyond this a column of sentences is "wide"
WORD_SLACK = 1.2  # a word needs a little more than its letters (bold headers, wide letters)
PADDING = 3  # characters' worth of space between columns, taken from each column's share
MEASURE = 71  # characters in a line of body text (the measure: docs/_latex/tpi.sty, conf.py)
CELL_PADDING = 2.5  # characters' worth of space between two columns of the book (2 \tabcolsep)

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


def fit_longest_words(weights: list[int], rows: list[list[str]]) -> list[int]:
    """Widths (percentages) in which each column holds its longest word on a line of MEASURE characters,
    given or computed widths otherwise kept in proportion: the share a narrow column gains is taken from
    the others."""
    columns = list(zip(*rows, strict=False))
    floors = [
        (CELL_PADDING + max((len(word) for cell in cells for word in _words(cell)), default=1)) / MEASURE
        for cells in columns
    ]
    total = sum(weights)
    shares = [weight / total for weight in weights]
    if sum(floors) >= 1:  # no widths hold every word: the longest words set the proportions
        return [round(100 * floor / sum(floors)) for floor in floors]
    if all(share >= floor for share, floor in zip(shares, floors, strict=True)):
        return [round(100 * share) for share in shares]
    raised = [max(share, floor) for share, floor in zip(shares, floors, strict=True)]
    free = [share for share, floor in zip(shares, floors, strict=True) if share > floor]
    excess = sum(raised) - 1  # taken from the columns above their floor, in proportion to their width
    return [
        round(100 * (share - excess * share / sum(free) if share > floor else floor))
        for share, floor in zip(shares, floors, strict=True)
    ]


def _words(text: str) -> list[str]:
    """The pieces of a cell's text that cannot break: a space, hyphen or slash is a break point (a no-break
    space, as between the parts of a surname, is not)."""
    return [word for word in re.split(r"[ \t\n/]+|(?<=[-\u2010-\u2014])", text) if word]


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
                # smaller type, as in print from the site, so that the whole card fits its page at the book's measure
                small = nodes.raw("", "\\begingroup\\footnotesize\n", format="latex")
                block.parent.insert(block.parent.index(block), small)
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
            tgroup = next(table.findall(nodes.tgroup))
            rows = _rows(tgroup)
            if rows is None:
                continue
            colspecs = list(tgroup.findall(nodes.colspec))
            if "colwidths-given" in table["classes"]:
                weights = [colspec["colwidth"] for colspec in colspecs]
            else:
                weights = column_weights(rows)
            for colspec, weight in zip(colspecs, fit_longest_words(weights, rows), strict=False):
                colspec["colwidth"] = weight
            if "colwidths-given" not in table["classes"]:
                table["classes"].append("colwidths-given")


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


# -- Make-up for reading (issue 15) ------------------------------------------------------------------

KEEP_WHOLE = ("key-points", "evidence-gaps")  # boxes printed whole, never split across pages
LITERAL_KEEP_LINES = 45  # a literal block up to this many lines is printed whole too
WEB_ONLY_SECTIONS = ("Related pages",)  # the site's navigation lists; the book has its contents and index
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
DOI = "https://doi.org/"


def _documents(tree: nodes.Element):
    """(docname, node) for each page of the site inlined into the book: the pages of the toctrees
    (``start_of_file``) and the appendices (documents of their own)."""
    for node in tree.findall(lambda n: isinstance(n, (addnodes.start_of_file, nodes.document))):
        if node.get("docname"):
            yield node["docname"], node


class LeaveOutOfBook(SphinxPostTransform):
    """The pages for the people who build the reference (``tpi_book_leaves_out`` in conf.py: contributing,
    releasing, performance) are on the website only: repository paths, make commands and MyST syntax are no
    reading for a student. A reference to such a page prints as its text and "(on the website)".

    In the PDF the pages are dropped where the toctrees inline them. The EPUB writes each page to a file
    of its own: ``leave_out_of_epub`` takes them out of its contents and reading order and conf.py
    leaves their files out of the package (``epub_exclude_files``)."""

    default_priority = 15  # after the references are resolved, before AppendixPageRefs
    builders = ("latex", "epub")

    def run(self, **kwargs):
        left_out = set(self.config.tpi_book_leaves_out)
        for docname, node in list(_documents(self.document)):
            if docname in left_out and isinstance(node, addnodes.start_of_file):
                node.parent.remove(node)
        if self.app.builder.format == "latex":  # the book's references are "%docname#label"
            targets = {f"%{docname}" for docname in left_out}
        else:  # the EPUB's are relative addresses of files
            targets = {self.app.builder.get_target_uri(docname) for docname in left_out}
        here = posixpath.dirname(self.env.docname)
        for ref in list(self.document.findall(nodes.reference)):
            uri = ref.get("refuri", "").split("#")[0]
            if not uri or not ref.get("internal", uri.startswith("%")):
                continue
            if (uri if uri.startswith("%") else posixpath.normpath(posixpath.join(here, uri))) in targets:
                ref.replace_self(nodes.inline("", "", *ref.children, nodes.Text(" (on the website)")))


def leave_out_of_epub(app: Sphinx, doctree: nodes.document) -> None:
    """The EPUB's contents (its navigation) are collected from the pages as read, so what the EPUB leaves
    out goes before they are collected: the website-only pages' toctree entries (their names stay in
    ``includefiles``, which Sphinx reads to report a page outside every toctree) and the "Related pages"
    sections."""
    if app.builder.name != "epub":
        return
    left_out = set(app.config.tpi_book_leaves_out)
    for toctree in doctree.findall(addnodes.toctree):
        toctree["entries"] = [(title, ref) for title, ref in toctree["entries"] if ref not in left_out]
    remove_web_only_sections(doctree)


class WebOnlySections(SphinxPostTransform):
    """The "Related pages" list that ends a page of the site is left out of the PDF (the EPUB leaves it out
    as its pages are read: ``leave_out_of_epub``)."""

    default_priority = 15
    formats = ("latex",)

    def run(self, **kwargs):
        remove_web_only_sections(self.document)


def remove_web_only_sections(document: nodes.Element) -> None:
    """Remove the "Related pages" sections (or rubric and list) of ``document``. Labels at a section's end
    (those of the next page's heading) are kept."""
    for section in list(document.findall(nodes.section)):
        title = section.next_node(nodes.title)
        if title is None or title.parent is not section or title.astext() not in WEB_ONLY_SECTIONS:
            continue
        labels = [child for child in section.children if isinstance(child, nodes.target)]
        parent = section.parent
        at = parent.index(section)
        parent.remove(section)
        for offset, label in enumerate(labels):
            section.remove(label)
            parent.insert(at + offset, label)
    for rubric in list(document.findall(nodes.rubric)):  # a heading that is not a section
        if rubric.astext() in WEB_ONLY_SECTIONS:
            following = rubric.parent.children[rubric.parent.index(rubric) + 1 :][:1]
            if following and isinstance(following[0], nodes.bullet_list):
                rubric.parent.remove(following[0])
            rubric.parent.remove(rubric)


class ReviewLines(SphinxPostTransform):
    """Under the title of each page of the site, the book prints what the site prints at its top: when its
    sources were checked (or when it was updated) and its clinical sign-off (frontmatter.review_line).
    On a page that opens with an emergency card, the line follows the card's sheet."""

    default_priority = 401  # after ActionCardPage
    formats = ("latex",)

    def run(self, **kwargs):
        for docname, node in _documents(self.document):
            line = frontmatter.review_line(self.env.metadata.get(docname, {}))
            section = node.next_node(nodes.section)
            if line is None or docname == self.config.root_doc or section is None:
                continue
            text = " · ".join(part for part in (line["checked"], line["sign_off"]) if part)
            at = section.index(section.next_node(nodes.title)) + 1
            body = [c for c in section.children[at:] if not isinstance(c, (nodes.target, addnodes.index, nodes.raw))]
            if body and isinstance(body[0], nodes.container) and "action-card-block" in body[0]["classes"]:
                # an emergency card fills its page: the line goes under it, after its page break (ActionCardPage)
                at = section.index(body[0]) + 1
                while at < len(section) and isinstance(section[at], nodes.raw):
                    at += 1
            section.insert(at, _raw(rf"\tpireviewline{{{_latex_text(text)}}}"))


def _latex_text(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


class KeepWhole(SphinxPostTransform):
    """Key-points and evidence-gaps boxes, and short literal blocks (the procedure-note template), print
    whole: docs/_latex/tpi.sty sets each as one unbreakable box, and a literal block in a size at which its
    longest line fits the measure."""

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs):
        for box in list(self.document.findall(nodes.admonition)):
            if not any(kind in box["classes"] for kind in KEEP_WHOLE) or _in_box(box):
                continue
            box.insert(1 if isinstance(box[0], nodes.title) else 0, _raw(r"\tpikeepmark{start}"))
            box.append(_raw(r"\tpikeepmark{end}"))
            _wrap(box, r"\begin{tpikeep}", r"\end{tpikeep}")
        for block in list(self.document.findall(nodes.literal_block)):
            lines = block.astext().splitlines() or [""]
            if len(lines) > LITERAL_KEEP_LINES or _in_box(block):
                continue
            longest = max(max(len(line) for line in lines), 1)
            _wrap(block, rf"\begin{{tpikeepliteral}}{{{longest}}}", r"\end{tpikeepliteral}")


def _in_box(node: nodes.Node) -> bool:
    return any(isinstance(parent, BOXED) for parent in _ancestors(node))


def _wrap(node: nodes.Element, before: str, after: str) -> None:
    parent = node.parent
    parent.insert(parent.index(node), _raw(before))
    parent.insert(parent.index(node) + 1, _raw(after))


def _raw(latex: str) -> nodes.raw:
    return nodes.raw("", latex + "\n", format="latex")


class OneAddressPerReference(SphinxPostTransform):
    """A reference in the bibliography prints one web address. Where it has a DOI (printed as its address),
    its PMID prints as an identifier without a link, which the book would repeat as a footnote address;
    where the PubMed page is its only address, that address is printed, as the DOI is."""

    default_priority = 30  # after sphinxcontrib-bibtex fills the bibliography (5), before the URL footnotes (400)
    formats = ("latex",)

    def run(self, **kwargs):
        for citation in self.document.findall(nodes.citation):
            refs = [ref for ref in citation.findall(nodes.reference) if ref.get("refuri")]
            has_doi = any(ref["refuri"].startswith(DOI) for ref in refs)
            for ref in refs:
                if not ref["refuri"].startswith(PUBMED):
                    continue
                if has_doi:
                    ref.replace_self(nodes.inline("", "", *ref.children))
                else:
                    ref.children = []
                    ref += nodes.Text(ref["refuri"])


class NoRepeatedLinkText(SphinxPostTransform):
    """ "{term}`pneumothorax` ({doc}`/safety/pneumothorax`)" reads "pneumothorax (Pneumothorax (page 78))" in
    print, where a page reference follows every link: the term itself then links the page and shows its
    page number, "pneumothorax (page 78)". So do words of the sentence that a link in brackets repeats:
    "contraindications ({doc}`/indications/contraindications`)" prints "contraindications (page 21)"."""

    default_priority = 30  # after the references are resolved
    formats = ("latex",)

    def run(self, **kwargs):
        for term in list(self.document.findall(nodes.reference)):
            inline = term.next_node(nodes.inline)
            if inline is None or "std-term" not in inline["classes"] or term.parent is None:
                continue
            parent = term.parent
            at = parent.index(term)
            following = parent.children[at + 1 : at + 4]
            if len(following) < 3:
                continue
            opening, page, closing = following
            if not (
                isinstance(opening, nodes.Text)
                and opening.astext().endswith("(")
                and isinstance(page, nodes.reference)
                and page.get("refuri", "").startswith("%")
                and isinstance(closing, nodes.Text)
                and closing.astext().startswith(")")
                and page.astext().strip().lower() == term.astext().strip().lower()
            ):
                continue
            term["refuri"] = page["refuri"]
            inline["classes"] = [c for c in inline["classes"] if c != "std-term"]
            before = opening.astext()[:-1].rstrip()
            parent.remove(page)
            if before:
                parent.replace(opening, nodes.Text(before))
            else:
                parent.remove(opening)
            parent.replace(closing, nodes.Text(closing.astext()[1:]))
        for page in list(self.document.findall(nodes.reference)):  # "contraindications (Contraindications)"
            parent = page.parent
            if parent is None or not page.get("refuri", "").startswith("%"):
                continue
            at = parent.index(page)
            if at == 0 or at + 1 >= len(parent):
                continue
            opening, closing = parent[at - 1], parent[at + 1]
            if not (isinstance(opening, nodes.Text) and isinstance(closing, nodes.Text)):
                continue
            words = page.astext().strip()
            found = re.search(rf"\b({re.escape(words)}) \($", str(opening), re.IGNORECASE)
            if not words or not found or not str(closing).startswith(")"):
                continue
            parent.replace(opening, nodes.Text(str(opening)[: found.start()]))
            page.children = []
            page += nodes.Text(found.group(1))  # the words of the sentence become the link
            parent.replace(closing, nodes.Text(str(closing)[1:]))


def in_print(text: str) -> str:
    """Words as the book prints them: a page of the site is a section of the book."""
    text = re.sub(r"\bon this page\b", "in this section", text)
    return re.sub(r"\b([Tt])his page\b", r"\1his section", text)


class BookWording(SphinxPostTransform):
    """A page of the site is a section of the book: "this page" prints as "this section". Names in
    emphasis or code (the site's *Cite this page* box) are left as written."""

    default_priority = 400
    formats = ("latex",)
    KEEP = (nodes.emphasis, nodes.strong, nodes.literal, nodes.literal_block, nodes.raw, nodes.reference)

    def run(self, **kwargs):
        for text in list(self.document.findall(nodes.Text)):
            if isinstance(text.parent, self.KEEP) or "page" not in text:
                continue
            reworded = in_print(str(text))
            if reworded != str(text):
                text.parent.replace(text, nodes.Text(reworded))


class HeadingRoom(SphinxPostTransform):
    """A heading followed by a table asks for room for the table's caption, header and first row: a
    longtable that cannot start on the page moves to the next one and would leave its heading behind
    (docs/_latex/tpi.sty, \\tpiheadingroom). Runs after BreakableTables has set the column widths."""

    default_priority = 410
    formats = ("latex",)
    SKIP = (nodes.title, nodes.target, nodes.raw, nodes.comment, addnodes.index)

    def run(self, **kwargs):
        for section in list(self.document.findall(nodes.section)):
            body = [child for child in section.children if not isinstance(child, self.SKIP)]
            if not body or not isinstance(body[0], nodes.table):
                continue
            lines = table_start_lines(body[0])
            top = section
            while isinstance(top.parent, nodes.section) and _first_body(top.parent, self.SKIP) is top:
                top = top.parent
            container, at = _before_labels(top)
            container.insert(at, _raw(rf"\tpiheadingroom{{{lines}}}"))


def _before_labels(section: nodes.section) -> tuple[nodes.Element, int]:
    """Where something printed just before ``section`` goes: before the labels of its heading, which
    docutils leaves at the end of the section before it. The LaTeX writer prints a label once, with its
    heading, only when nothing comes between them; otherwise it prints it twice."""
    container, at = section.parent, section.parent.index(section)
    while at and isinstance(container[at - 1], nodes.section):  # the same place in print: the end of the last
        container = container[at - 1]  # section printed before this one
        at = len(container)
    while at and isinstance(container[at - 1], nodes.target):
        at -= 1
    return container, at


def _first_body(section: nodes.section, skip: tuple) -> nodes.Node | None:
    return next((child for child in section.children if not isinstance(child, skip)), None)


def table_start_lines(table: nodes.table) -> int:
    """Lines of body text that a table's caption, header and first row take, estimated from their
    text and the column widths: room to ask for above its heading."""
    title = next(iter(table.findall(nodes.title)), None)
    caption = -(-len(title.astext()) // MEASURE) if title else 0
    tgroup = next(table.findall(nodes.tgroup))
    shares = [colspec.get("colwidth", 1) for colspec in tgroup.findall(nodes.colspec)]
    total = sum(shares) or 1
    rows = list(tgroup.findall(nodes.row))[:2]  # the header row and the first row (or the first two rows)

    def height(row: nodes.row) -> int:
        cells = [entry.astext() for entry in row.findall(nodes.entry)]
        return max(
            (
                -(-len(text) // max(1, round(share / total * MEASURE) - PADDING))
                for text, share in zip(cells, shares, strict=False)
            ),
            default=1,
        )

    # the heading and the space around it, and the foot that a longtable keeps room for ("continued on next
    # page"); rows a third taller than the estimate, as words do not break
    return min(6 + caption + -(-4 * sum(height(row) for row in rows) // 3), 40)


class GlossaryNotMainInIndex(SphinxPostTransform):
    """The index's main entry for a topic (a bold page number) is the section that discusses it, marked
    with ``!`` in its ``{index}`` entry; in the book a glossary definition is an ordinary entry, filed
    under the same line as the pages' entries: "Pneumothorax" (as the glossary capitalizes a term) is
    indexed as "pneumothorax", while names ("Neck Disability Index") and abbreviations ("LAST") keep
    their capitals."""

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs):
        for docname, node in _documents(self.document):
            if docname != "glossary":
                continue
            for index in node.findall(addnodes.index):
                index["entries"] = [
                    (kind, _common_noun(value), tid, "", key) for kind, value, tid, _main, key in index["entries"]
                ]


def _common_noun(term: str) -> str:
    """ "Active trigger point" -> "active trigger point"; "LAST", "Neck Disability Index" as they are."""
    words = term.split()
    if words and words[0][1:].islower() and not any(word[:1].isupper() for word in words[1:]):
        return term[:1].lower() + term[1:]
    return term


def setup(app: Sphinx) -> None:
    app.add_config_value("tpi_book_leaves_out", [], "env", types=[list])
    app.add_post_transform(OnlyBlocksFirst)
    app.add_post_transform(AppendixPageRefs)
    app.add_post_transform(PrintPageSections)
    app.add_post_transform(ActionCardPage)
    app.add_post_transform(BreakableTables)
    app.connect("doctree-read", leave_out_of_epub, priority=400)  # before the contents are collected
    for transform in (
        LeaveOutOfBook,
        WebOnlySections,
        ReviewLines,
        KeepWhole,
        OneAddressPerReference,
        NoRepeatedLinkText,
        BookWording,
        HeadingRoom,
        GlossaryNotMainInIndex,
    ):
        app.add_post_transform(transform)
