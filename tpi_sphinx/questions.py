"""The study apparatus: ``{learning-objectives}`` at a chapter's opening, ``{question}`` for review questions,
and ``{dose-example}`` for worked dose examples computed from the data file.

A single-best-answer question lists its options as a numbered list (shown as A, B, C...) and names
its one keyed answer; its rationale says why the key is right and the tempting option wrong, with a
link to the section that teaches it and a citation::

    ::::{question}
    :answer: B

    The stem, ending in a question?

    1. First option
    2. Second option (the key)
    3. Third option
    4. Fourth option

    :::{rationale}
    Why B is right and why the tempting option is wrong ({ref}`label`) {cite:p}`key`.
    :::
    ::::

A short-answer question has no options; its ``:answer:`` is the model answer (MyST inline markup,
``{dose}`` included) and ``:type: short`` says so.

Where the answer goes:

- HTML and EPUB: under its question in a ``<details>`` element, closed until the reader opens it
  (a native control: Tab reaches it, Enter or Space opens it). EPUB readers without ``<details>``
  support show it open.
- LaTeX: ``AnswersAppendix`` moves every answer into an appendix, "Answers to review questions",
  printed before the references; each question links to its answer and each answer to its question,
  both with "(page N)".

The build fails (a warning, with file and line) on a question without exactly one keyed answer, a
single-best-answer question without 4 or 5 options, a rationale without a citation or without a
link to a page or section, and a dose, volume or size typed by hand in a question (the content
linter's check, ``lint.numbers.TYPED``: numbers come from the data file through ``{dose}``).
"""

import math
import re

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.utils import new_document
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import doses
from .keypoints import TitledBox

logger = logging.getLogger(__name__)

OPTIONS = (4, 5)  # options of a single-best-answer question
LETTERS = "ABCDEFGHIJ"
ANSWERS_DOC = "review-answers"  # the LaTeX appendix's name (a document of its own in the book)
ANSWERS_TITLE = "Answers to review questions"
LINK_TYPES = {"ref", "doc", "numref"}


class question(nodes.container):  # noqa: N801 (docutils names nodes in lower case)
    """One review question: number, stem, options and its answer."""


class answer(nodes.container):  # noqa: N801
    """The keyed answer and rationale: <details> on the site, the appendix in the book."""


class rationale(nodes.container):  # noqa: N801
    """The rationale, until the question directive takes it into its answer."""


class LearningObjectives(TitledBox):
    box_class, title = "learning-objectives", "Learning objectives"


class Rationale(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = rationale()
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _keys(text: str) -> list[str]:
    return [k for k in re.split(r"[\s,;]+", text.strip().upper()) if k]


class Question(SphinxDirective):
    has_content = True
    option_spec = {
        "answer": directives.unchanged_required,
        "type": lambda value: directives.choice(value, ("sba", "short")),
    }

    def warn(self, message: str) -> None:
        logger.warning(message, location=(self.env.docname, self.lineno), type="tpi", subtype="questions")

    def run(self) -> list[nodes.Node]:
        count = self.env.temp_data["tpi_questions"] = self.env.temp_data.get("tpi_questions", 0) + 1
        qid = f"question-{self.env.docname.replace('/', '-')}-{count}"
        kind = self.options.get("type", "sba")
        body = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, body)

        reasons = [n for n in body.children if isinstance(n, rationale)]
        lists = [n for n in body.children if isinstance(n, nodes.enumerated_list)]
        stem = [n for n in body.children if not isinstance(n, (rationale, nodes.enumerated_list))]
        key_text = self.options.get("answer", "").strip()

        node = question("", ids=[qid], classes=["tpi-question"], docname=self.env.docname, number=count)
        self.set_source_info(node)
        heading = nodes.paragraph("", "", classes=["tpi-question-number"])
        heading += nodes.strong("", f"Question {count}")
        node += heading
        node.extend(stem)

        keyed = nodes.paragraph("", "", classes=["tpi-answer-key"])
        if kind == "sba":
            options = len(lists[0]) if len(lists) == 1 else 0
            if len(lists) != 1 or not OPTIONS[0] <= options <= OPTIONS[1]:
                self.warn(
                    f"a single-best-answer question has one numbered list of {OPTIONS[0]} to {OPTIONS[1]} "
                    f"options; this one has {options or 'none'}"
                )
            keys = _keys(key_text)
            if len(keys) != 1:
                self.warn(
                    f"a question has exactly one keyed answer (:answer: B); this one has {len(keys)}: {key_text!r}"
                )
            elif keys[0] not in LETTERS[: max(options, 1)]:
                self.warn(f"the keyed answer {keys[0]!r} is not one of the options A to {LETTERS[max(options, 1) - 1]}")
            if lists:
                lists[0]["enumtype"], lists[0]["prefix"], lists[0]["suffix"] = "upperalpha", "", "."
                lists[0]["classes"].append("tpi-options")
                node += lists[0]
            keyed += nodes.strong("", f"Answer: {keys[0] if keys else '?'}.")
        else:
            if lists:
                self.warn("a short-answer question has no options (use :type: sba for single best answer)")
            if not key_text:
                self.warn("a short-answer question has its one model answer in :answer:")
            keyed += nodes.strong("", "Answer:")
            keyed += nodes.Text(" ")
            inline, messages = self.parse_inline(key_text, lineno=self.lineno)
            keyed.extend(inline)
            keyed.extend(messages)

        if len(reasons) != 1:
            self.warn(f"a question has one {{rationale}}; this one has {len(reasons)}")
        holder = answer("", classes=["tpi-answer"], ids=[f"answer-{qid}"])
        holder += keyed
        for reason in reasons[:1]:
            holder.extend(reason.children)
            xrefs = list(reason.findall(addnodes.pending_xref))
            if not any(x.get("refdomain") == "cite" or x.get("reftype") in ("p", "t") for x in xrefs):
                self.warn("a rationale cites its source ({cite:p}`key`)")
            if not any(x.get("reftype") in LINK_TYPES for x in xrefs):
                self.warn("a rationale links the page or section that teaches the answer ({ref}`label`)")
        node += holder
        for typed in hand_typed(node):
            self.warn(f"'{typed}' is typed by hand in a question: render it from the data file with {{dose}}`path`")
        return [node]


def hand_typed(node: nodes.Node) -> list[str]:
    """Doses, volumes and sizes typed by hand in a question (text outside {dose}, links and citations)."""
    # The linter (and the Markdown parser it loads) is imported when a page is read, not by a rebuild
    # with nothing to read.
    from .lint.numbers import TYPED

    found = []
    for text in node.findall(nodes.Text):
        parents = []
        parent = text.parent
        while parent is not None and parent is not node:
            parents.append(parent)
            parent = parent.parent
        if any(isinstance(p, addnodes.pending_xref) or "dose" in p.get("classes", ()) for p in parents):
            continue
        found += [m.group(0) for m in TYPED.finditer(text.astext())]
    return found


# -- Worked dose examples ---------------------------------------------------------------


class DoseExample(SphinxDirective):
    """``{dose-example}``: a maximum dose worked out step by step, every number from the data file.

        :::{dose-example}
        :weight: 60
        lidocaine.plain 1 5
        bupivacaine.plain 0.25 4
        :::

    Each line is a preparation, a listed concentration (%) and a number of points, each injected with the
    data file's volume per point. Two lines or more add up by the mixing rule (the sum of the fractions)."""

    has_content = True
    option_spec = {"weight": directives.positive_int}

    def run(self) -> list[nodes.Node]:
        data = self.env.app.tpi_doses
        self.env.note_dependency(str(self.env.app.confdir / doses.DATA_FILE))
        weight = self.options.get("weight")
        try:
            given = [line.split() for line in self.content if line.strip()]
            text = dose_example(data, weight, [(key, float(percent), int(points)) for key, percent, points in given])
        except (ValueError, KeyError, StopIteration, TypeError) as error:
            raise self.error(
                f"a dose example has :weight: (kg) and lines 'preparation percent points', "
                f"with a preparation and concentration of {doses.DATA_FILE} ({error!r})"
            ) from error
        box = nodes.container("", classes=["dose-example"])
        self.set_source_info(box)
        box.extend(self.parse_text_to_nodes(text))
        return [box]


def dose_example(data: dict, weight: int, given: list[tuple[str, float, int]]) -> str:
    """The MyST text of a worked example; ``given`` holds (preparation, percent, points)."""
    per_point = data["volume_per_point"]
    lines, items = [f"**Weight for dosing: {weight} kg.**"], []
    for number, (key, percent, points) in enumerate(given, 1):
        agent, prep = doses.preparation(data, key)
        strength = doses.strength(agent, percent)
        limit = doses.maximum_mg(prep, weight)
        by_weight = prep["per_kg"]["value"] * weight
        governs = (
            f"below the total cap of {doses.fmt(prep['total'])}, so the maximum is {doses.ceiling(limit)} mg"
            if by_weight <= prep["total"]["value"]
            else f"above the total cap, so the maximum is the cap, {doses.fmt(prep['total'])}"
        )
        volume = points * per_point["value"]
        mg = volume * strength
        fraction = math.ceil(round(mg / limit * 100, 6)) / 100  # rounded up: never below the true share
        items.append(fraction)
        lines.append(
            f"{number}. **{agent['name']} {doses.number(percent)}%, {prep['label']}.** "
            f"Maximum: {doses.fmt(prep['per_kg'])} × {weight} kg = {doses.number(round(by_weight, 1))} mg, {governs}; "
            f"at {doses.number(strength)} mg/mL that is at most {doses.ceiling(limit / strength)} mL "
            f"{doses.cite(prep['per_kg'], prep['total'])}. "
            f"Planned: {points} points × {doses.fmt(per_point)} = {doses.number(volume)} mL, that is "
            f"{doses.number(round(mg, 1))} mg, {fraction:.2f} of the maximum (rounded up) {doses.cite(per_point)}."
        )
    total = round(sum(items), 2)
    verdict = "at or below 1: within the limit" if total <= 1 else "above 1: reduce the volumes before injecting"
    if len(items) > 1:
        parts = " + ".join(f"{fraction:.2f}" for fraction in items)
        lines.append(
            f"\n**Sum of the fractions:** {parts} = {total:.2f}, {verdict} ({{ref}}`mixing-local-anesthetics`)."
        )
    else:
        lines.append(f"\n**Fraction of the maximum:** {total:.2f}, {verdict} ({{ref}}`maximum-doses-by-weight`).")
    return "\n".join(lines[:1]) + "\n\n" + "\n".join(lines[1:]) + "\n"


# -- HTML and EPUB: the answer in <details> ----------------------------------------


def visit_answer_html(self, node: answer) -> None:
    ids = " ".join(f'id="{i}"' for i in node["ids"][:1])
    self.body.append(f'<details class="tpi-answer" {ids}>\n<summary>Show the answer</summary>\n')


def depart_answer_html(self, node: answer) -> None:
    self.body.append("</details>\n")


# -- LaTeX: the answers appendix ------------------------------------------------------


class AnswersAppendix(SphinxPostTransform):
    """Move every answer into an appendix of its own, before the references, with page references both ways.

    Runs on the whole book (Sphinx hands the LaTeX post-transforms one tree, appendices included), after
    the references inside the rationales are resolved."""

    default_priority = 15  # after ReferencesResolver (10), before book.AppendixPageRefs (20)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        found = list(self.document.findall(question))
        if not found:
            return
        appendix = new_document(ANSWERS_DOC, self.document.settings)
        appendix["docname"] = ANSWERS_DOC
        chapter = nodes.section("", ids=[ANSWERS_DOC], names=[ANSWERS_TITLE.lower()])
        chapter += nodes.title("", ANSWERS_TITLE)
        chapter += nodes.paragraph(
            "", "Each answer names its question and the page it is on; each question in the book points here."
        )
        appendix += chapter
        section, current = None, None
        for item in found:
            docname, number = item["docname"], item["number"]
            if docname != current:
                current = docname
                title = self.env.titles.get(f"{docname.split('/')[0]}/index")
                section = nodes.section("", ids=[f"answers-{docname.replace('/', '-')}"])
                section += nodes.title("", title.astext() if title else docname)
                chapter += section
            holder = next(item.findall(answer))
            qid, aid = item["ids"][0], holder["ids"][0]
            # the question's own anchor, for "Question N (page N)" in the appendix
            item.insert(0, nodes.target("", "", ids=[qid]))
            item["ids"] = []
            # a question, and an answer's first lines, are not left alone at the foot of a page
            item.insert(0, nodes.raw("", "\\needspace{6\\baselineskip}\n", format="latex"))
            section += nodes.raw("", "\\needspace{4\\baselineskip}\n", format="latex")
            back = nodes.paragraph("", "", classes=["tpi-answer-question"])
            back += nodes.target("", "", ids=[aid])
            back += nodes.reference(
                "", "", nodes.strong("", f"Question {number}"), internal=True, refuri=f"%{docname}#{qid}"
            )
            section += back
            section.extend(holder.children)
            forward = nodes.paragraph("", "", classes=["tpi-answer-link"])
            forward += nodes.reference("", "Answer and rationale", internal=True, refuri=f"%{ANSWERS_DOC}#{aid}")
            holder.replace_self(forward)
        before = next(
            (d for d in self.document.children if isinstance(d, nodes.document) and d.get("docname") == "bibliography"),
            None,
        )
        if before is None:
            self.document += appendix
        else:
            self.document.insert(self.document.index(before), appendix)


def setup(app: Sphinx) -> None:
    app.add_node(question)
    app.add_node(rationale)
    app.add_node(answer, html=(visit_answer_html, depart_answer_html))
    app.add_directive("learning-objectives", LearningObjectives)
    app.add_directive("question", Question)
    app.add_directive("rationale", Rationale)
    app.add_directive("dose-example", DoseExample)
    app.add_post_transform(AnswersAppendix)
