"""Nothing a writer types is silently dropped: every heading, paragraph, list item and
table cell of every source page appears in the built HTML page and in the LaTeX
source of the book (content a page marks as web-only or print-only excepted, and what
the book leaves out or rewords on purpose: tpi_sphinx.book)."""

import functools
import re
import runpy

import pytest

from conftest import parsed
from tpi_sphinx import book, sources

SKIPPED_BLOCKS = {"toctree", "only", "code-block", "code", "dose-table", "bibliography", "raw", "math"}
FENCE = re.compile(r"^\s*(`{3,}|:{3,})\s*(?:\{([\w:-]+)\})?")
WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){4,}")  # five or more plain words in a row


def plain(line: str) -> str:
    """A source line as a reader sees its words: link text kept, markup removed, roles as breaks."""
    line = re.sub(r"<!--.*?-->", " | ", line)  # a comment for writers (a lint silence) is not printed
    line = re.sub(r"\{[\w:-]+\}`[^`]*`", " | ", line)  # roles render as other text (numbers, citations)
    line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # [text](address)
    line = re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", line)  # emphasis
    return re.sub(r"\s+", " ", line)


@functools.cache
def book_leaves_out() -> set[str]:
    """The pages left out of the book, as conf.py names them (``tpi_book_leaves_out``)."""
    return set(runpy.run_path(str(sources.ROOT / "conf.py"))["tpi_book_leaves_out"])


def web_only_lines(page) -> set[int]:
    """Line numbers of the sections the book drops (book.WEB_ONLY_SECTIONS: "## Related pages" to the
    next heading of the same or a higher level)."""
    lines, dropping, level = set(), False, 0
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        heading = re.match(r"(#+) (.*)", line)
        if heading:
            dropping = heading.group(2).strip() in book.WEB_ONLY_SECTIONS or (
                dropping and len(heading.group(1)) > level
            )
            level = len(heading.group(1)) if heading.group(2).strip() in book.WEB_ONLY_SECTIONS else level
        if dropping:
            lines.add(number)
    return lines


def authored_runs(page) -> list[tuple[int, str]]:
    """(line number, longest run of plain words) for each line of text a writer typed."""
    runs, open_fences, in_front_matter, in_comment = [], [], False, False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if number == 1 and line == "---" or in_front_matter:
            in_front_matter = not (in_front_matter and line == "---")
            continue
        if in_comment or line.lstrip().startswith("<!--"):  # an HTML comment: for writers only
            in_comment = "-->" not in line
            continue
        fence = FENCE.match(line)
        if fence:
            if fence.group(2) or not open_fences or open_fences[-1][0] != fence.group(1):
                open_fences.append((fence.group(1), fence.group(2) or ""))
            else:
                open_fences.pop()
            continue
        if any(name in SKIPPED_BLOCKS for _, name in open_fences):
            continue
        if re.match(r"\s*(:[\w-]+:|\(|%|\{)", line):  # directive options, labels, comments
            continue
        found = WORDS.findall(plain(line))
        if found:
            runs.append((number, max(found, key=len)))
    return runs


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def latex_words(tex: str) -> str:
    """The LaTeX source with commands and braces removed: the words as printed."""
    tex = tex.replace(r"\sphinxhyphen{}", "-")
    tex = re.sub(r"\\(?:sphinxhref|DUrole)\{[^}]*\}|\\hyperref\[[^\]]*\]", " ", tex)  # addresses, classes, targets
    return normalized(re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z@]+\*?", " ", tex)))


@pytest.fixture(scope="module")
def latex_text(plain_book) -> str:
    return latex_words(plain_book.tex)


def test_the_sources_have_text_to_compare():
    assert sum(len(authored_runs(page)) for page in sources.pages()) > 1000


@pytest.mark.parametrize("page", sources.pages(), ids=lambda p: sources.docname(p))
def test_every_line_of_text_is_in_the_html_and_the_latex(page, site, latex_text):
    name = sources.docname(page)
    article = parsed(site.outdir / f"{name}.html").article
    html_text = normalized(article.get_text(" "))
    missing_html = [f"docs/{name}.md:{n}: {run}" for n, run in authored_runs(page) if run not in html_text]
    printed = [] if name in book_leaves_out() else authored_runs(page)
    web_only = web_only_lines(page)
    # The book rewords "this page" except in emphasis (the site's *Cite this page* box): either form counts.
    missing_latex = [
        f"docs/{name}.md:{n}: {run}"
        for n, run in printed
        if n not in web_only and run not in latex_text and book.in_print(run) not in latex_text
    ]
    assert missing_html == [], "not in the HTML"
    assert missing_latex == [], "not in the LaTeX"


def test_a_dropped_line_is_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "---\nkind: about\n---\n# A page title here for testing\n\nThis line of text is written "
        "by the writer.\n\n```{only} html\nThis web only line is not expected in print.\n```\n"
        "<!-- a comment for the writers of this page\n   over two lines of the source -->\n"
    )
    assert authored_runs(page) == [
        (4, "A page title here for testing"),
        (6, "This line of text is written by the writer"),
    ]
    assert "written by the writer" in latex_words(
        r"\sphinxAtStartPar This line of text is \sphinxstyleemphasis{written by the} writer"
    )


def test_only_the_related_pages_section_is_excused_from_print(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\nText.\n\n## Related pages\n\n- a link\n\n### Inside\n\nmore\n\n## Next section\n\nkept\n"
    )
    assert web_only_lines(page) == set(range(5, 13))
    assert book.in_print("see the table on this page for it") == "see the table in this section for it"
