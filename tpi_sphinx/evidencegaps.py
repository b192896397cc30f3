"""The ``{evidence-gaps}`` box, and the rule that keeps clinical text free of editing history.

Clinical prose tells a clinician what to do. What is unknown goes in one short
box at the end of the page, before *Related pages*:

    :::{evidence-gaps}
    - No trial has compared injection volumes per point.
    :::

How a source was found, read or not read belongs in the bibliography ``note``
and in the changelog. The build flags the phrases of such narration
(:data:`NARRATION`) anywhere else on a clinical, patient or reference page, with
the file and line, and flags a second box or a box that is not at the end.
"""

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import traverse_parent

from .keypoints import TitledBox

logger = logging.getLogger(__name__)

CHECKED_KINDS = {"clinical", "patient", "reference", "section", "review"}
# Phrases that narrate the editing process rather than tell the reader something clinical.
NARRATION = re.compile(
    r"\b(?:not retrieved|could not be (?:verified|read|confirmed|retrieved|found)|(?:was|were) not seen"
    r"|not (?:yet )?verified|not available to this reference|only its citation was reviewed"
    r"|this reference has not (?:checked|verified|seen)|(?:was|were) not reviewed"
    r"|(?:the )?(?:\d{4} )?wording (?:was|is) not (?:seen|verified)|found for this reference"
    r"|(?:was|were) not found in (?:a|the) (?:label|source)s?|item wording)\b",
    re.I,
)
ALLOWED_AFTER = "Related pages"


class EvidenceGaps(TitledBox):
    box_class, title = "evidence-gaps", "Evidence gaps"


def _is_gaps(node: nodes.Node) -> bool:
    return isinstance(node, nodes.admonition) and "evidence-gaps" in node["classes"]


def _after(node: nodes.Node) -> list[nodes.Node]:
    """Body elements that follow ``node`` in reading order, outside it."""
    return list(node.findall(include_self=False, descend=False, siblings=True, ascend=True))


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if app.env.metadata.get(docname, {}).get("kind") not in CHECKED_KINDS:
        return
    boxes = [n for n in doctree.findall(nodes.admonition) if _is_gaps(n)]
    for extra in boxes[1:]:
        logger.warning(
            "a page has one {evidence-gaps} box; merge this one into the first",
            location=extra,
            type="tpi",
            subtype="evidencegaps",
        )
    if boxes:
        for later in _after(boxes[0]):
            if _is_gaps(later):
                continue  # reported above as a second box
            title = later.next_node(nodes.title) if isinstance(later, nodes.section) else None
            if isinstance(later, nodes.section) and title is not None and title.astext() == ALLOWED_AFTER:
                continue
            if isinstance(
                later,
                (
                    nodes.section,
                    nodes.paragraph,
                    nodes.admonition,
                    nodes.table,
                    nodes.bullet_list,
                    nodes.enumerated_list,
                ),
            ):
                logger.warning(
                    f"the {{evidence-gaps}} box goes at the end of the page (only '{ALLOWED_AFTER}' may follow it)",
                    location=boxes[0],
                    type="tpi",
                    subtype="evidencegaps",
                )
                break
    for text in doctree.findall(nodes.Text):
        if any(_is_gaps(n) or isinstance(n, (nodes.literal, nodes.literal_block)) for n in traverse_parent(text)):
            continue
        if match := NARRATION.search(text.astext()):
            logger.warning(
                f"'{match.group(0)}' narrates the editing process: say what is unknown in the "
                "{evidence-gaps} box and keep source history in the bibliography note",
                location=text.parent,
                type="tpi",
                subtype="narration",
            )


def setup(app: Sphinx) -> None:
    app.add_directive("evidence-gaps", EvidenceGaps)
    app.connect("doctree-read", check_page, priority=600)
