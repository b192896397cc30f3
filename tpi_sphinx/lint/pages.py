"""The conventions of a clinical page (CONTRIBUTING.md, "Every page"): a key-points box
of 3 to 6 bullets (TPI501), at least 3 distinct sources (TPI502) and 300 words (TPI503),
and a last section headed exactly "## Related pages" (TPI504). A page with
``status: outline`` (just made by ``make new-page``, marked on the site as being written)
has the structure already, but not yet the sources and length of a finished page.
"""

import re

from .findings import Finding, suggest
from .markdown import Page

NEEDS_KEY_POINTS = {"clinical", "patient"}
KEY_POINTS = (3, 6)
MIN_SOURCES = 3
MIN_WORDS = 300
RELATED = "Related pages"
NEEDS_RELATED = {"clinical"}


def _title_line(page: Page) -> int:
    return next((b.line for b in page.blocks if b.part == "heading" and b.level == 1), page.first_line)


def words(page: Page) -> int:
    """Words of prose: text outside roles, code and directive options."""
    return sum(
        len(re.findall(r"[A-Za-z][A-Za-z'-]*", span.text))
        for block in page.blocks
        if block.part != "option"
        for span in block.spans
        if span.kind == "text"
    )


def sources(page: Page) -> set[str]:
    return {
        key.strip()
        for block in page.blocks
        for span in block.spans
        if span.kind == "role" and span.name.startswith(("cite", "footcite"))
        for key in span.text.split(",")
    }


def check(page: Page, rel: str) -> list[Finding]:
    if page.kind not in NEEDS_KEY_POINTS:
        return []
    found, title = [], _title_line(page)
    boxes = [d for d in page.directives if d.name == "key-points"]
    if not boxes:
        found.append(Finding(rel, title, "TPI501", "the page has no {key-points} box"))
    else:
        bullets = len(re.findall(r"^[-*+] ", boxes[0].body, re.M))
        if not KEY_POINTS[0] <= bullets <= KEY_POINTS[1]:
            found.append(
                Finding(
                    rel,
                    boxes[0].line,
                    "TPI501",
                    f"the key points have {bullets} bullets, not {KEY_POINTS[0]} to {KEY_POINTS[1]}",
                )
            )
    finished = page.meta.get("status") != "outline"
    if finished and (count := len(sources(page))) < MIN_SOURCES:
        found.append(
            Finding(rel, title, "TPI502", f"the page cites {count} distinct sources, fewer than {MIN_SOURCES}")
        )
    if finished and (count := words(page)) < MIN_WORDS:
        found.append(Finding(rel, title, "TPI503", f"the page has {count} words, fewer than {MIN_WORDS}"))
    if page.kind in NEEDS_RELATED:
        headings = [b for b in page.blocks if b.part == "heading"]
        if not any(b.level == 2 and b.text().strip() == RELATED for b in headings):
            near = [b for b in headings if suggest(b.text().strip().lower(), [RELATED.lower(), "see also"])]
            where = near[-1].line if near else len(page.lines)
            found.append(
                Finding(
                    rel,
                    where,
                    "TPI504",
                    "the page has no '## Related pages' heading",
                    f"write exactly '## {RELATED}'" if near else "",
                )
            )
    return found
