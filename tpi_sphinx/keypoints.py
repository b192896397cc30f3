"""The ``{key-points}`` box that opens every clinical and patient page.

    :::{key-points}
    - First point {cite:p}`shipton2023trigger`.
    :::

It renders as an admonition titled "Key points" (class ``key-points``) in HTML
and LaTeX alike. The build fails if a clinical or patient page does not open
with one, so a clinician can always read the essentials first.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
NEEDS_KEY_POINTS = {"clinical", "patient"}


class KeyPoints(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        box = nodes.admonition("", classes=["key-points"])
        self.set_source_info(box)
        box += nodes.title("", "Key points")
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


def is_key_points(node: nodes.Node) -> bool:
    return isinstance(node, nodes.admonition) and "key-points" in node["classes"]


def opens_with_key_points(doctree: nodes.document) -> bool:
    """True if the first thing after the page title is a key-points box."""
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return False
    skip = (nodes.title, nodes.target, nodes.comment, nodes.system_message)  # a system message is reported on its own
    body = [n for n in section.children if not isinstance(n, skip)]
    return bool(body) and is_key_points(body[0])


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if app.env.metadata.get(docname, {}).get("kind") in NEEDS_KEY_POINTS and not opens_with_key_points(doctree):
        logger.warning(
            "a clinical page must open with a {key-points} box right after its title",
            location=(docname, 1), type="tpi", subtype="keypoints",
        )


def setup(app: Sphinx) -> None:
    app.add_directive("key-points", KeyPoints)
    app.connect("doctree-read", check_page, priority=600)
