"""The reference's own Sphinx code: checks, directives and data tables.

One module a job:

- ``frontmatter``: the page front matter schema, checked on every build, and the review line.
- ``pagechanges``: ``versionadded``/``versionchanged`` notes of clinical changes, listed by ``{page-changes}``.
- ``pagehistory``: each page's last change (from git) and a "review due" notice past the review interval.
- ``release``: the version, from ``releases.toml`` and git; ``changelog``: no data-file change unannounced.
- ``keypoints``: the ``{key-points}`` box that opens every clinical page, and the ``{action-card}``.
- ``questions``: the study apparatus: ``{learning-objectives}`` and review ``{question}``s, answers hidden
  on the site and printed in an appendix of the book.
- ``evidencegaps``: the ``{evidence-gaps}`` box, and no editing history in clinical text.
- ``grades``: the ``{sort}`` role for SORT evidence grades.
- ``citations``: the author-year bibliography style.
- ``citingpages``: after an edit to references.bib, the pages citing an edited entry are written again.
- ``citethis``: "Cite this page" on every page and the ``{cite-this-version}`` block, APA and BibTeX.
- ``bibliography``: bibliography hygiene (identifiers, publisher addresses, no duplicates).
- ``doses``: the safety-critical numbers, rendered from ``docs/data/doses.yaml``.
- ``calculator``: the ``{dose-calculator}`` form (maximum doses, mixtures, lipid emulsion by weight),
  computed in the browser by ``docs/_static/calculator.js`` from the published ``data/doses.json``.
- ``figures``: drawings (SVG) and flowcharts (Graphviz, ``{flowchart}``) with alt text, a cited caption and
  numbers from the data file, the same in HTML, PDF and EPUB.
- ``book``: the PDF book: appendices printed once, tables that break across pages.
- ``searchindex``: index entries kept in the search index on incremental builds.
- ``searchterms``: search terms (abbreviations, brand names, lay words, codes) fed into the search index,
  and the search ranking.
- ``glossarytips``: glossary definitions shown on hover, focus or tap, from the glossary itself.
- ``contentpolicy``: the site's Content-Security-Policy (nothing loads from another origin).
- ``epubdates``: the EPUB's archive dated by the commit, so that two builds of one commit give the same file.
- ``dropdowns``: the answers of the clinical cases (sphinx-design dropdowns) without the icon the EPUB rejects.
- ``accessibility``: fixes to the markup of Sphinx, docutils and Furo that axe-core reports (navigation
  captions, bibliography list, scrollable tables) and a guard for Sphinx's search summaries.
- ``incremental``: work a rebuild skips when it would give the same output (figure numbers from page
  outlines; the index, search and 404 pages kept when no page is written).
- ``pageassets``: each page loads only the style sheets and scripts it uses (syntax colours, tabs).
- ``navtree``: Furo's navigation tree built once per folder per build, not once per page (growth).
- ``lazyfuro``: Furo imported without BeautifulSoup, which is loaded when a page's navigation is first built
  (a stand-in for ``furo.navigation``, until Furo imports it lazily itself).
- ``gcfreeze``: the garbage collector does not trace, again and again and at exit, the objects that live
  the whole build (a third of a rebuild with nothing to do).
- ``rawhtml``: no raw HTML, link or image on a page that runs code or loads from another site
  (the detection of the content linter, the package ``lint``: ``python -m tpi_sphinx.lint``, ``make lint``).

Not part of the extension: the package ``versions`` builds every release and main side by side and puts a
version switcher into the built pages (``python -m tpi_sphinx.versions``, ``make versions``).
"""

from sphinx.application import Sphinx

from . import (
    accessibility,
    bibliography,
    book,
    calculator,
    citations,
    citethis,
    citingpages,
    contentpolicy,
    doses,
    dropdowns,
    epubdates,
    evidencegaps,
    figures,
    frontmatter,
    gcfreeze,
    glossarytips,
    grades,
    incremental,
    keypoints,
    navtree,
    pageassets,
    pagechanges,
    pagehistory,
    questions,
    rawhtml,
    searchindex,
    searchterms,
)


def setup(app: Sphinx) -> dict:
    for module in (
        citations,
        citingpages,
        citethis,
        bibliography,
        frontmatter,
        pagehistory,
        pagechanges,
        keypoints,
        questions,
        evidencegaps,
        grades,
        doses,
        calculator,
        figures,
        book,
        contentpolicy,
        accessibility,
        dropdowns,
        epubdates,
        glossarytips,
        rawhtml,
        searchindex,
        searchterms,
        incremental,
        navtree,
        pageassets,
        gcfreeze,
    ):
        module.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
