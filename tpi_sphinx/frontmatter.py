"""Page front matter: the schema, its check on every build, and its display.

Every page under ``docs/`` opens with YAML front matter, for example::

    ---
    reviewed: 2026-11-26   # the date an editor last checked the page against its sources
    status: draft          # outline | draft: no clinical sign-off yet | signed-off
    kind: clinical
    ---

A page made with ``make new-page`` starts as an ``outline``: a page being
written, marked at its top as not for clinical use; the content linter does
not yet ask it for the sources and length of a finished page.

A page is ``signed-off`` only when a clinician who did not write it has signed
it off; it then also names them: ``signed-off-by: "Name, role"`` and
``signed-off-on: YYYY-MM-DD``. The top of every page shows the two things
separately: what has been done (sources checked on a date) and the clinical
sign-off (pending, or by whom and when).

MyST hands the values to Sphinx as strings, so they are parsed here. A page
with a missing or invalid field fails the (strict) build with its file name.
"""

import datetime as dt

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATUSES = ("outline", "draft", "signed-off")
SIGN_OFF = ("signed-off-by", "signed-off-on")
KINDS = {
    "clinical": "a clinical topic page: key points, citations, grades",
    "patient": "written for patients, in plain language",
    "section": "a section landing page",
    "review": "a chapter's summary and review questions",
    "reference": "glossary, bibliography, data tables, checklists",
    "about": "about the project: policies, versions, licenses",
}
REQUIRED = ("reviewed", "status", "kind")
# Keys Sphinx or MyST set or understand themselves, allowed next to ours.
SOURCE_CHECKED_KINDS = {"clinical", "patient", "reference", "review"}  # pages whose date means "sources checked"
PASSTHROUGH = {"orphan", "nosearch", "tocdepth", "html_meta", "myst", "description", "myst_slugs", "wordcount"}


def _date_problem(meta: dict, key: str, today: dt.date) -> str | None:
    try:
        date = dt.date.fromisoformat(str(meta[key]))
    except ValueError:
        return f"front matter '{key}' must be an ISO date (YYYY-MM-DD), not {meta[key]!r}"
    return f"front matter '{key}' is in the future: {date}" if date > today else None


def problems(meta: dict, today: dt.date | None = None) -> list[str]:
    """Return what is wrong with one page's front matter (empty if nothing)."""
    today = today or dt.date.today()
    found = []
    missing = [key for key in REQUIRED if key not in meta]
    if missing:
        found.append(f"front matter is missing {', '.join(missing)} (see docs/about/contributing.md)")
    for key in ("reviewed", "signed-off-on"):
        if key in meta and (problem := _date_problem(meta, key, today)):
            found.append(problem)
    if "status" in meta and meta["status"] not in STATUSES:
        found.append(f"front matter 'status' must be one of {', '.join(STATUSES)}, not {meta['status']!r}")
    signed = [key for key in SIGN_OFF if key in meta]
    if meta.get("status") == "signed-off" and len(signed) < len(SIGN_OFF):
        found.append(
            "a signed-off page names who signed it off and when: "
            f"{', '.join(k for k in SIGN_OFF if k not in meta)} missing"
        )
    elif signed and meta.get("status") != "signed-off":
        found.append(f"{', '.join(signed)} given but status is {meta.get('status')!r}, not 'signed-off'")
    if "kind" in meta and meta["kind"] not in KINDS:
        found.append(f"front matter 'kind' must be one of {', '.join(KINDS)}, not {meta['kind']!r}")
    unknown = sorted(set(meta) - set(REQUIRED) - set(SIGN_OFF) - PASSTHROUGH)
    if unknown:
        found.append(f"front matter has unknown keys: {', '.join(unknown)}")
    return found


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    for message in problems(app.env.metadata.get(docname, {})):
        logger.warning(message, location=(docname, 1), type="tpi", subtype="frontmatter")


def review_line(meta: dict) -> dict | None:
    """What the top of the page says about the page's checks, for the page template:
    {"checked": "Sources checked 2026-11-26", "sign_off": "Clinical sign-off: pending", "status": "draft"}."""
    if "reviewed" not in meta:
        return None
    kind = meta.get("kind")
    line = {
        "checked": f"{'Sources checked' if kind in SOURCE_CHECKED_KINDS else 'Updated'} {meta['reviewed']}",
        "sign_off": None,
        "status": meta.get("status", ""),
    }
    if meta.get("status") == "outline":
        line["sign_off"] = "Outline: being written, not for clinical use"
    elif kind in SOURCE_CHECKED_KINDS:
        line["sign_off"] = (
            "Clinical sign-off: pending"
            if meta.get("status") != "signed-off"
            else f"Clinical sign-off: {meta['signed-off-by']}, {meta['signed-off-on']}"
        )
    return line


def add_review_to_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give the page template the page's review line."""
    context["page_review"] = review_line(app.env.metadata.get(pagename, {}))


def setup(app: Sphinx) -> None:
    # After Sphinx's own metadata collector (priority 500) has filled env.metadata.
    app.connect("doctree-read", check_page, priority=600)
    app.connect("html-page-context", add_review_to_context)
