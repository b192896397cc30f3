"""Accessibility fixes to the HTML that Sphinx, docutils and Furo write.

axe-core (``tests/test_browser.py``) reports no serious or critical violation on any
page, in light and dark mode, once these are applied; each is a fix at the place the
markup is made, narrow enough that a change upstream shows up in that test:

- Navigation captions (the toctree ``:caption:``, in Furo's sidebar and in a page's own
  toctree) carry ``role="heading"`` without the ``aria-level`` that the role requires
  (axe ``aria-required-attr``, critical). They get ``aria-level="2"``: the level that
  browsers already assume for an unlevelled heading, so assistive technology reads them
  as before, now from valid markup.
- Bibliography entries: docutils writes ``role="doc-biblioentry"`` inside a ``role="list"``;
  the role is deprecated and is not a list item (``aria-required-children``, critical).
  They get ``role="listitem"``, the replacement that DPUB-ARIA 1.1 names.
- Wide tables scroll sideways inside Furo's ``table-wrapper``, and long lines of code
  inside their ``<pre>``, which a keyboard cannot reach (``scrollable-region-focusable``,
  serious; on a phone most tables scroll). Each table wrapper becomes a labelled,
  focusable region (``tabindex="0"``, ``role="region"``, ``aria-label`` from the table's
  caption) and each ``<pre>`` focusable, so they scroll with the arrow keys.
- Furo wraps each table (and each displayed equation) in a ``div`` and copies the table's
  attributes onto it, its IDs too, so a named table's ID appeared twice on the page (Nu Html
  Checker: duplicate ID; a deep link and ``aria-labelledby`` may pick either). The IDs stay
  on the table and leave the wrapper (``UniqueWrapperIds``, after Furo's transform).
- Sphinx's search (``searchtools.js``) throws on a result whose anchor points at an
  empty element, such as the target of an index entry: ``makeSearchSummary`` returns
  nothing there and ``appendChild`` fails. ``docs/_static/search-summary.js``, loaded
  on the search page only and after ``searchtools.js``, falls back to the page's text.
"""

import html
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

SEARCH_FIX = "search-summary.js"  # in docs/_static

_CAPTION = re.compile(r'(<p class="caption") role="heading"(?! aria-level)')
_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')
_TABLE_WRAPPER = re.compile(r'<div class="table-wrapper(?=[ "])([^>]*)>')
_CAPTION_TEXT = re.compile(r"<caption>(.*?)</caption>", flags=re.S)
_TAG = re.compile(r"<[^>]+>")
_PRE = re.compile(r"<pre(?=[ >])(?![^>]*tabindex)")


def label_captions(markup: str) -> str:
    return _CAPTION.sub(r'\1 role="heading" aria-level="2"', markup)


def list_citations(markup: str) -> str:
    return _BIBLIOENTRY.sub(r'\1 role="listitem"', markup)


def _table_label(rest: str) -> str:
    """The caption of the first table after a wrapper's start tag, as plain text ("Table 3 Procedure note")."""
    table = rest[: rest.find("</table>")]
    found = _CAPTION_TEXT.search(table)
    text = " ".join(html.unescape(_TAG.sub(" ", found.group(1))).split()) if found else ""
    return text.replace("¶", "").strip() or "Table"


def focusable_tables(markup: str) -> str:
    out, last = [], 0
    for match in _TABLE_WRAPPER.finditer(markup):
        if "tabindex=" in match.group(1):
            continue
        label = html.escape(_table_label(markup[match.end() :]), quote=True)
        out.append(markup[last : match.end() - 1])
        out.append(f' tabindex="0" role="region" aria-label="{label}">')
        last = match.end()
    out.append(markup[last:])
    return "".join(out)


def focusable_code(markup: str) -> str:
    return _PRE.sub('<pre tabindex="0"', markup)


class UniqueWrapperIds(SphinxPostTransform):
    """Remove from Furo's table and math wrappers the IDs that the element inside keeps."""

    formats = ("html",)
    default_priority = 510  # after furo.WrapTableAndMathInAContainerTransform (500)

    def run(self, **kwargs) -> None:
        for wrapper in self.document.findall(nodes.container):
            if {"table-wrapper", "math-wrapper"} & set(wrapper["classes"]) and wrapper.children:
                inner = set(wrapper[0]["ids"])
                wrapper["ids"] = [id_ for id_ in wrapper["ids"] if id_ not in inner]


def _fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    if isinstance(context.get("body"), str):
        context["body"] = focusable_code(focusable_tables(list_citations(label_captions(context["body"]))))
    if isinstance(context.get("furo_navigation_tree"), str):  # set by Furo at the default priority (500)
        context["furo_navigation_tree"] = label_captions(context["furo_navigation_tree"])
    if pagename == "search":
        # Deferred: it runs after searchtools.js (loaded later in the page) and before the search starts.
        app.add_js_file(SEARCH_FIX, defer="defer")


def setup(app: Sphinx) -> None:
    app.add_post_transform(UniqueWrapperIds)
    app.connect("html-page-context", _fix_page, priority=600)  # after Furo's navigation tree
