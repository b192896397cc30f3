"""The reference's own Sphinx code: checks, directives and data tables.

One module a job:

- ``frontmatter``: the page front matter schema, checked on every build, and the review line.
- ``keypoints``: the ``{key-points}`` box that opens every clinical page, and the ``{action-card}``.
- ``evidencegaps``: the ``{evidence-gaps}`` box, and no editing history in clinical text.
- ``grades``: the ``{sort}`` role for SORT evidence grades.
- ``citations``: the author-year bibliography style.
- ``bibliography``: bibliography hygiene (identifiers, publisher addresses, no duplicates).
- ``doses``: the safety-critical numbers, rendered from ``docs/data/doses.yaml``.
- ``book``: the PDF book: appendices printed once, tables that break across pages.
- ``searchindex``: index entries kept in the search index on incremental builds.
- ``contentpolicy``: the site's Content-Security-Policy (nothing loads from another origin).
- ``rawhtml``: no raw HTML, link or image on a page that runs code or loads from another site
  (the detection of the content linter, the package ``lint``: ``python -m tpi_sphinx.lint``, ``make lint``).
"""

from sphinx.application import Sphinx

from . import (
    bibliography,
    book,
    citations,
    contentpolicy,
    doses,
    evidencegaps,
    frontmatter,
    grades,
    keypoints,
    rawhtml,
    searchindex,
)


def setup(app: Sphinx) -> dict:
    for module in (
        citations,
        bibliography,
        frontmatter,
        keypoints,
        evidencegaps,
        grades,
        doses,
        book,
        contentpolicy,
        rawhtml,
        searchindex,
    ):
        module.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
