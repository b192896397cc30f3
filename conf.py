"""Sphinx configuration for the Orthopedic Trigger Point Injection Reference.

Built from the repository root with ``sphinx-build -c . docs <out>``: paths to
templates, static files and the bibliography are relative to this file, while
images, toctree entries and ``exclude_patterns`` are relative to ``docs/``.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tpi_sphinx import release as releases  # noqa: E402

# -- Project ---------------------------------------------------------------------
project = "Orthopedic Trigger Point Injection Reference"
short_title = "TPI Reference"
author = "The TPI Reference editors"
copyright = "2026, the TPI Reference editors. Content CC BY-SA 4.0; code MIT"
# The version comes from releases.toml and git: "0.2.0" on a release, "0.2.0.dev4+gabc1234" between.
build = releases.describe()
release, version, release_line = build.release, build.version, build.line
content_license = "CC BY-SA 4.0"
content_license_url = "https://creativecommons.org/licenses/by-sa/4.0/"

language = "en"  # the HTML lang attribute, and /Lang of the PDF book

# -- Extensions ----------------------------------------------------------------
extensions = [
    "myst_parser",  # MyST Markdown sources
    "sphinx_design",  # cards, grids, tabs
    "sphinxcontrib.bibtex",  # {cite:p} and the bibliography
    "notfound.extension",  # a 404 page whose links work from any missing address
    "tpi_sphinx",  # this project's checks, directives and data tables
]

# -- Strictness: every warning is an error (the Makefile adds -W --keep-going) --
nitpicky = True
numfig = True  # {numref} and numbered figures and tables
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "_templates"]

# -- MyST ----------------------------------------------------------------------
myst_enable_extensions = [
    "attrs_block",
    "attrs_inline",
    "colon_fence",
    "deflist",
    "fieldlist",
    "substitution",
]
myst_heading_anchors = 3  # deep links to h1-h3
myst_substitutions = {
    "release": release,
    "release_line": release_line,
    "content_license": content_license,
}

# -- Citations (author-year, one bibliography page) ----------------------------
bibtex_bibfiles = ["docs/references.bib"]
bibtex_default_style = "tpi"  # registered by tpi_sphinx.citations
bibtex_reference_style = "tpi"  # "(Shah et al. 2015)", registered by tpi_sphinx.citations

# -- HTML (furo) -----------------------------------------------------------------
html_theme = "furo"
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", "")  # the address in "Cite this page"
html_title = f"{short_title} {release}"
html_static_path = ["docs/_static"]
html_css_files = ["tpi.css"]
html_favicon = "docs/_static/favicon.svg"  # without one, every browser asks for /favicon.ico and logs a 404
templates_path = ["docs/_templates"]
html_last_updated_fmt = None  # review dates come from front matter, last changes from git (pagehistory)
tpi_review_interval_months = 24  # a page whose review is older shows "review due"
html_show_sphinx = False
notfound_urls_prefix = "/"  # the site is served from the root of its host
notfound_context = {
    "title": "Page not found",
    "body": "<h1>Page not found</h1><p>This address is not a page of the reference. Start from the "
    "<a href='/index.html'>contents</a> or <a href='/search.html'>search</a> for the topic.</p>",
}
html_context = {
    "release_date": build.released.isoformat() if build.released else None,  # None: "(unreleased)"
    "content_license": content_license,
    "content_license_url": content_license_url,
}

# -- PDF book (LaTeX via XeLaTeX and latexmk; `make pdf`) ----------------------
latex_engine = "xelatex"  # Unicode (≥, µ, ±, accented names) with GNU FreeFont
latex_documents = [("index", f"tpi-reference-{release}.tex", project, author, "manual", False)]
latex_appendices = [  # printed at the back; their site toctrees are wrapped in {only} html
    "glossary",
    "resources/checklists/pre-procedure",
    "resources/checklists/time-out",
    "resources/checklists/post-procedure",
    "resources/checklists/supervised-practice",
    "bibliography",
]
# Pages for the people who build the reference, on the website only (tpi_sphinx/book.py, LeaveOutOfBook).
tpi_book_leaves_out = ["about/contributing", "about/releasing", "about/performance"]
latex_show_pagerefs = True  # "see Maximum doses (page 42)"
latex_show_urls = "footnote"  # web addresses visible in print
latex_table_style = ["booktabs", "colorrows"]
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "11pt",
    "geometry": r"\usepackage[headheight=14pt]{geometry}",  # room for the running head
    "maketitle": r"\input{titlepage.tex.txt}",
    "printindex": r"\small\raggedright\printindex",
    "preamble": rf"""
\newcommand\tpirelease{{{release}}}
\newcommand\tpishorttitle{{{short_title}}}  % the running head
\newcommand\tpireleaseline{{{release_line}}}
\newcommand\tpilicense{{{content_license}}}
\newcommand\tpilicenseurl{{{content_license_url}}}
\usepackage{{tpi}}  % docs/_latex/tpi.sty: tables, web addresses, references
\AtBeginDocument{{\hypersetup{{
  pdftitle={{{project}, version {release}}},
  pdfauthor={{{author}}},
  pdfsubject={{Myofascial trigger point injection: diagnosis, procedure, safety, rehabilitation, evidence}},
  pdfkeywords={{trigger point injection; myofascial pain syndrome; local anesthetic; version {release}}},
}}}}
\hypersetup{{
  pdflang={{{language}}},  % the language that screen readers read the text in
  pdfdisplaydoctitle=true,  % the title, not the file name, in the viewer's title bar
}}
""",
    "sphinxsetup": ",".join(
        [
            "TableRowColorOdd={gray}{0.96}",
            # The measure: a 118 mm line of 11 pt text holds about 72 characters, at most about 86 (tpi.sty).
            "hmargin={36mm,56mm}",
            "vmargin={25mm,30mm}",
            # A long line of a literal block (the procedure-note template) goes on indented, without wrap marks.
            r"verbatimcontinued={\makebox[2\fontcharwd\font`\x][r]{}}",
            "verbatimvisiblespace={}",
            # Admonitions stay distinguishable in greyscale print: width and shade differ.
            "div.note_border-width=0.8pt",
            "div.note_background-TeXcolor={gray}{0.94}",
            "div.important_border-width=1.6pt",
            "div.warning_border-width=2pt",
            "div.warning_background-TeXcolor={gray}{0.88}",
        ]
    ),
}
latex_additional_files = ["docs/_latex/titlepage.tex.txt", "docs/_latex/tpi.sty"]

# -- EPUB (`make epub`) ---------------------------------------------------------
epub_title = project
epub_author = author
epub_basename = f"tpi-reference-{release}"
epub_show_urls = "footnote"
epub_exclude_files = [f"{page}.xhtml" for page in tpi_book_leaves_out]  # tpi_sphinx/book.py
