"""The reference's own Sphinx code: checks, directives and data tables.

One module a job:

- ``frontmatter``: the page front matter schema, checked on every build.
- ``keypoints``: the ``{key-points}`` box that opens every clinical page.
- ``grades``: the ``{sort}`` role for SORT evidence grades.
- ``citations``: the author-year bibliography style.
- ``doses``: the safety-critical numbers, rendered from ``docs/data/doses.yaml``.
- ``book``: the PDF book: appendices printed once, tables that break across pages.
"""

from sphinx.application import Sphinx

from . import citations, doses, frontmatter, grades, keypoints, book


def setup(app: Sphinx) -> dict:
    for module in (citations, frontmatter, keypoints, grades, doses, book):
        module.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
