"""The build refuses what the linter refuses in raw HTML: nothing on a page runs code or loads from another site.

On every page read, the raw HTML (Markdown's inline and block HTML, ``{raw} html``),
every link address and every image address go through the linter's own
detection (:func:`tpi_sphinx.lint.html.dangers` and ``url_danger``), and each
problem is a warning at ``docname:line``, so the strict build fails: there is
no way around ``make lint``.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _line(node: nodes.Node) -> int:
    """The node's line in its source, or its nearest ancestor's (inline nodes may have none)."""
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return 1


def _warn(app: Sphinx, node: nodes.Node, offset: int, code: str, message: str) -> None:
    from .lint.findings import RULES

    logger.warning(
        f"{code} {message} (fix: {RULES[code].fix})",
        location=(app.env.docname, _line(node) + offset),
        type="tpi",
        subtype="rawhtml",
    )


def check(app: Sphinx, doctree: nodes.document) -> None:
    # The linter (and the Markdown parser it loads) is imported when a page is read, not by a rebuild
    # that reads none.
    from .lint.html import dangers, url_danger

    for node in doctree.findall(nodes.raw):
        if "html" in node.get("format", "").split():
            for offset, code, message in dangers(node.astext()):
                _warn(app, node, offset, code, message)
    for node in doctree.findall(nodes.reference):
        if problem := url_danger(node.get("refuri", ""), loads=False):
            _warn(app, node, 0, *problem)
    for node in doctree.findall(nodes.image):
        if problem := url_danger(node.get("uri", ""), loads=True):
            _warn(app, node, 0, *problem)


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", check, priority=600)
