"""Page front matter: the schema, its check on every build, and its display.

Every page under ``docs/`` opens with YAML front matter, for example::

    ---
    reviewed: 2026-11-25
    status: draft
    kind: clinical
    ---

MyST hands the values to Sphinx as strings, so they are parsed here. A page
with a missing or invalid field fails the (strict) build with its file name.
"""

import datetime as dt

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATUSES = ("draft", "reviewed")
KINDS = {
    "clinical": "a clinical topic page: key points, citations, grades",
    "patient": "written for patients, in plain language",
    "section": "a section landing page",
    "reference": "glossary, bibliography, data tables, checklists",
    "about": "about the project: policies, versions, licenses",
}
REQUIRED = ("reviewed", "status", "kind")
# Keys Sphinx or MyST set or understand themselves, allowed next to ours.
PASSTHROUGH = {"orphan", "nosearch", "tocdepth", "html_meta", "myst", "description", "myst_slugs", "wordcount"}


def problems(meta: dict, today: dt.date | None = None) -> list[str]:
    """Return what is wrong with one page's front matter (empty if nothing)."""
    today = today or dt.date.today()
    found = []
    missing = [key for key in REQUIRED if key not in meta]
    if missing:
        found.append(f"front matter is missing {', '.join(missing)} (see docs/about/contributing.md)")
    if "reviewed" in meta:
        try:
            reviewed = dt.date.fromisoformat(str(meta["reviewed"]))
        except ValueError:
            found.append(f"front matter 'reviewed' must be an ISO date (YYYY-MM-DD), not {meta['reviewed']!r}")
        else:
            if reviewed > today:
                found.append(f"front matter 'reviewed' is in the future: {reviewed}")
    if "status" in meta and meta["status"] not in STATUSES:
        found.append(f"front matter 'status' must be one of {', '.join(STATUSES)}, not {meta['status']!r}")
    if "kind" in meta and meta["kind"] not in KINDS:
        found.append(f"front matter 'kind' must be one of {', '.join(KINDS)}, not {meta['kind']!r}")
    unknown = sorted(set(meta) - set(REQUIRED) - PASSTHROUGH)
    if unknown:
        found.append(f"front matter has unknown keys: {', '.join(unknown)}")
    return found


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    for message in problems(app.env.metadata.get(docname, {})):
        logger.warning(message, location=(docname, 1), type="tpi", subtype="frontmatter")


def add_review_to_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give the page template the review date and status of the page."""
    meta = app.env.metadata.get(pagename, {})
    if "reviewed" in meta:
        context["page_review"] = {"reviewed": meta["reviewed"], "status": meta.get("status", "")}


def setup(app: Sphinx) -> None:
    # After Sphinx's own metadata collector (priority 500) has filled env.metadata.
    app.connect("doctree-read", check_page, priority=600)
    app.connect("html-page-context", add_review_to_context)
