"""The boxes that open a clinical page: ``{key-points}``, and ``{action-card}`` for emergencies.

    :::{key-points}
    - First point {cite:p}`shipton2023trigger`.
    :::

renders as an admonition titled "Key points" (class ``key-points``) in HTML
and LaTeX alike. The build fails if a clinical or patient page does not open
with one, so a clinician can always read the essentials first.

A page about an emergency may put an action card before its key points:

    :::{action-card} Emergency: <the condition>
    :sources: {cite:t}`neal2018checklist`
    1. **Stop injecting.** Call for help.
    :::

The card holds numbered steps and no citations: its sources go in one note
directly under it (``:sources:``), so that it reads in seconds on a phone. Card
and note form one block (class ``action-card-block``) that prints whole on one
sheet, with nothing after it on that sheet, from the browser
(docs/_static/tpi.css) and in the book (``book.ActionCardPage``).
"""

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
NEEDS_KEY_POINTS = {"clinical", "patient"}


class TitledBox(SphinxDirective):
    """An admonition with a fixed title and class, its content parsed as MyST: the base of
    {key-points} here and of {evidence-gaps} (tpi_sphinx.evidencegaps)."""

    has_content = True
    box_class = ""
    title = ""

    def run(self) -> list[nodes.Node]:
        box = nodes.admonition("", classes=[self.box_class])
        self.set_source_info(box)
        box += nodes.title("", self.title)
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


class KeyPoints(TitledBox):
    box_class, title = "key-points", "Key points"


class ActionCard(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"sources": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        block = nodes.container("", classes=["action-card-block"])
        self.set_source_info(block)
        box = nodes.admonition("", classes=["action-card"])
        self.set_source_info(box)
        box += nodes.title("", self.arguments[0])
        self.state.nested_parse(self.content, self.content_offset, box)
        block += box
        if any("{cite" in line for line in self.content):
            logger.warning(
                "an action card holds no citations: put its sources in one note under the card (the :sources: option)",
                location=box,
                type="tpi",
                subtype="keypoints",
            )
        if "sources" in self.options:
            for paragraph in self.parse_text_to_nodes(f"Sources: {self.options['sources']}"):
                paragraph["classes"].append("action-card-sources")
                block += paragraph
        return [block]


def _is_box(node: nodes.Node, kind: str) -> bool:
    return isinstance(node, (nodes.admonition, nodes.container)) and kind in node["classes"]


def opens_with_key_points(doctree: nodes.document) -> bool:
    """True if the first thing after the page title is a key-points box, or an action card
    followed (after at most its source note) by a key-points box."""
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return False
    skip = (nodes.title, nodes.target, nodes.comment, nodes.system_message, addnodes.index)
    body = [n for n in section.children if not isinstance(n, skip)]
    if body and (_is_box(body[0], "action-card") or _is_box(body[0], "action-card-block")):
        after = body[1:3]
        return any(_is_box(n, "key-points") for n in after) and not any(isinstance(n, nodes.section) for n in after)
    return bool(body) and _is_box(body[0], "key-points")


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if app.env.metadata.get(docname, {}).get("kind") in NEEDS_KEY_POINTS and not opens_with_key_points(doctree):
        logger.warning(
            "a clinical page must open with a {key-points} box right after its title "
            "(or an {action-card}, its source note, then {key-points})",
            location=(docname, 1),
            type="tpi",
            subtype="keypoints",
        )


def setup(app: Sphinx) -> None:
    app.add_directive("key-points", KeyPoints)
    app.add_directive("action-card", ActionCard)
    app.connect("doctree-read", check_page, priority=600)
