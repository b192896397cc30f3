"""Two clean builds of the same commit give the same website, byte for byte, and the
same PDF text and LaTeX source (dates come from SOURCE_DATE_EPOCH, set from the
last commit by the Makefile and by conftest.py). A rebuild gives the website of a clean
build, search index included, with nothing changed and after an edit (the work a rebuild
skips: tpi_sphinx/incremental.py)."""

import filecmp
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT, copy_project

sys.path.insert(0, str(ROOT / "scripts"))
from synthetic_pages import add_synthetic_pages  # noqa: E402


def _differing(left, right) -> list[str]:
    compared = filecmp.dircmp(left, right)
    found = [f"{left}/{name}" for name in compared.diff_files + compared.left_only + compared.right_only]
    for sub in compared.subdirs.values():
        found += _differing(sub.left, sub.right)
    return found


def test_source_date_epoch_is_the_last_commit():
    commit_time = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
    assert os.environ["SOURCE_DATE_EPOCH"] == commit_time.stdout.strip()
    made = subprocess.run(
        ["make", "--no-print-directory", "-s", "--eval", "epoch: ; @echo $$SOURCE_DATE_EPOCH", "epoch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
    )
    assert made.stdout.strip() == commit_time.stdout.strip()  # exported to every command the Makefile runs


def test_two_clean_builds_give_the_same_website(site, edit_chain):
    """conftest.py's site (of the repository) and the first build of test_reproducible's edit chain (of a copy of
    the sources elsewhere, strict, its doctrees elsewhere): the same website, byte for byte."""
    assert _differing(site.outdir, edit_chain.first) == []
    assert len(list(edit_chain.first.rglob("*.html"))) > 40


def test_two_clean_builds_give_the_same_latex_sources_as_the_pdf_was_made_from(plain_book, tmp_path):
    """The second build stops at the LaTeX that XeLaTeX typesets (Sphinx's latex builder, as `make pdf`
    runs it): every file it writes is byte for byte the one the book was made from, so the book's text is
    the same (TeX takes no clock or random input of its own: the date comes from Sphinx, in the source)."""
    made = plain_book.pdf.parent.parent / "latex"
    command = [sys.executable, "-m", "sphinx", "-b", "latex", "-c", str(ROOT), "-W", "--keep-going", "-n", "-q"]
    command += ["-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "latex")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(p.relative_to(tmp_path / "latex") for p in (tmp_path / "latex").rglob("*") if p.is_file())
    assert Path(plain_book.pdf.name).with_suffix(".tex") in written
    assert [
        str(name) for name in written if not filecmp.cmp(tmp_path / "latex" / name, made / name, shallow=False)
    ] == []
    assert "\\today" not in plain_book.tex


def _html(project, folder, *options, **environ) -> None:
    """A strict build as `make html` runs it: incremental (no -E), doctrees outside the output."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(project), "-W", "--keep-going", "-n", "-q"]
    command += options
    command += ["-d", str(folder / "doctrees"), str(project / "docs"), str(folder / "html")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=project, env={**os.environ, **environ})
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_rebuild_with_nothing_changed_gives_the_clean_builds_website(site, tmp_path):
    shutil.copytree(site.outdir, tmp_path / "html")
    shutil.copytree(site.doctreedir, tmp_path / "doctrees")
    genindex = tmp_path / "html" / "genindex.html"
    os.utime(genindex, ns=(0, 0))
    _html(ROOT, tmp_path)
    assert _differing(site.outdir, tmp_path / "html") == []
    assert genindex.stat().st_mtime_ns == 0  # kept, not written again: the rebuild did skip work
    env = pickle.loads((tmp_path / "doctrees" / "environment.pickle").read_bytes())
    assert set(env.tpi_outlines) == set(env.all_docs)  # figure numbers came from the outlines


EDIT = """
Trigger points near the pleura call for a shorter needle {index}`zz rebuild test entry`.

:::{table} Needle length near the pleura (a test table)
:name: table-rebuild-test

| Site | Needle |
|---|---|
| Upper trapezius | 25 mm |
:::
"""
EDITED_PAGE = "docs/background/what-is-a-trigger-point-injection.md"
NAVTREE_PAGES = 12  # synthetic pages: three navigation levels


@dataclass
class Edited:
    """A copy of the sources built clean, then edited and rebuilt, and the edited sources built clean."""

    project: Path  # the copy, as edited
    new_page: subprocess.CompletedProcess  # `make new-page` run in the copy before its first build (test_workflow)
    first: Path  # what the first (clean) build left: searchindex.js, bibliography.html, environment.pickle
    written_again: Path  # bibliography.html after `-a`: every page written again from the kept entries
    rebuilt: Path  # the incremental rebuild after the edits of pages: html/ and doctrees/
    retitled: Path  # then an entry of references.bib retitled (test_bibliography) and rebuilt, in a copy of
    # `rebuilt` (file times kept): html/ and doctrees/
    clean: Path  # a clean build of the sources as edited (pages and bibliography) without any of the shortcuts
    # (TPI_FULL_REBUILD=1) and without the navigation cache (test_navtree; its report of the first build:
    # on-navtree.json beside it)


def build_edited_copy(folder: Path) -> Edited:
    """One copy of the sources for every test of an incremental rebuild (made once per session by conftest.py's
    shared builds): built clean, each page written again with `-a`, then edited where each test edits it (this
    module: an index entry and a numbered table early in the book; test_search: a sentence on another page;
    test_pagechanges: a change note), rebuilt incrementally; then an entry of the bibliography retitled and
    another's note edited (test_bibliography) and rebuilt, in a copy of the rebuilt site; and the edited sources
    built clean without the shortcuts, to compare with. A page started with `make new-page` (test_workflow)
    and synthetic pages in three navigation levels (test_navtree: the first build with the navigation cache,
    the clean one without) are in it from the start."""
    from test_bibliography import retitle_an_entry
    from test_pagechanges import add_a_change_note
    from test_search import add_a_sentence
    from test_workflow import start_a_new_page

    project = copy_project(folder / "project")
    new_page = start_a_new_page(project)
    add_synthetic_pages(project / "docs", NAVTREE_PAGES)
    rebuilt, first, written_again = folder / "rebuilt", folder / "first", folder / "written-again"
    _html(project, rebuilt, TPI_NAVTREE_REPORT=str(folder / "on-navtree.json"))
    first.mkdir()
    for kept in ("html/searchindex.js", "html/bibliography.html", "doctrees/environment.pickle"):
        shutil.copy2(rebuilt / kept, first)
    _html(project, rebuilt, "-a")
    written_again.mkdir()
    shutil.copy2(rebuilt / "html" / "bibliography.html", written_again)
    page = project / EDITED_PAGE
    page.write_text(page.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    add_a_sentence(project)
    add_a_change_note(project)
    _html(project, rebuilt)
    retitled = folder / "retitled"  # then entries of the bibliography edited, and rebuilt in a copy of the build
    for part in ("html", "doctrees"):
        shutil.copytree(rebuilt / part, retitled / part)
    retitle_an_entry(project)
    _html(project, retitled)
    off = ("-D", "tpi_navigation_cache=0")  # and without the navigation cache (test_navtree)
    _html(project, folder / "clean", *off, TPI_FULL_REBUILD="1", TPI_NAVTREE_REPORT=str(folder / "off-navtree.json"))
    return Edited(project, new_page, first, written_again, rebuilt, retitled, folder / "clean")


def _showing(folder: Path, text: str) -> set[str]:
    """The pages of a built site that show ``text``."""
    return {str(page.relative_to(folder)) for page in folder.rglob("*.html") if text in page.read_text()}


def test_a_rebuild_after_an_edit_gives_the_clean_build_of_the_edited_sources(edited):
    """The edit adds an index entry and a numbered table early in the book: the general index, the search
    index and the numbers of the tables on later pages change, and the rebuild must show all of it. (The
    clean build is of the sources as edited afterwards too, an entry of the bibliography retitled: the
    rebuild differs from it where that entry's old title shows, and in the search index, and nowhere else.)"""
    from test_bibliography import TITLE

    assert "zz rebuild test entry" in (edited.clean / "html" / "genindex.html").read_text()
    assert "zz rebuild test entry" in (edited.rebuilt / "html" / "genindex.html").read_text()
    differing = {
        str(Path(name).relative_to(edited.rebuilt / "html"))
        for name in _differing(edited.rebuilt / "html", edited.clean / "html")
    }
    assert differing == _showing(edited.rebuilt / "html", TITLE) | {"searchindex.js"}
    env = pickle.loads((edited.clean / "doctrees" / "environment.pickle").read_bytes())
    assert not hasattr(env, "tpi_outlines")  # the switch did switch the shortcuts off
    numbers = env.toc_fignumbers
    assert numbers["background/what-is-a-trigger-point-injection"]["table"]["table-rebuild-test"]


def test_a_rebuild_after_a_bibliography_edit_gives_the_clean_build(edited):
    """An entry of references.bib retitled, and another's note (never printed) edited: the rebuild writes the
    bibliography page, the pages citing the retitled entry (its title shows in their citations' tooltips:
    tpi_sphinx.citingpages) and the page with footnoted citations (read again whenever the file changes), and
    no other page: not those citing the other entry, nor the pages listing the pages written. Every page is
    then the clean build's, the search index included."""
    from test_bibliography import NOTED_TITLE, TITLE

    before, after = edited.rebuilt / "html", edited.retitled / "html"
    showing = _showing(before, TITLE)  # the bibliography page and the pages citing the entry
    assert {"bibliography.html", "safety/last.html", "glossary.html"} < showing
    docs = edited.project / "docs"
    footnoted = {str(page.relative_to(docs).with_suffix(".html")) for page in docs.rglob("*.md")}
    footnoted = {name for name in footnoted if "{footbibliography}" in (docs / name).with_suffix(".md").read_text()}
    assert footnoted == {"resources/patient-information.html"}
    written = {
        str(page.relative_to(after))
        for page in after.rglob("*.html")
        if page.stat().st_mtime_ns != (before / page.relative_to(after)).stat().st_mtime_ns
    }
    assert written == showing | footnoted
    noted = _showing(before, NOTED_TITLE) - {"bibliography.html"}  # the pages citing the other entry
    assert noted and not noted & written
    assert TITLE in (before / "safety" / "last.html").read_text()
    last = (after / "safety" / "last.html").read_text()
    assert TITLE not in last and "a retitled entry" in last  # the tooltip of its citation
    assert _showing(after, TITLE) == set()
    assert _differing(edited.clean / "html", after) == []


def _times(folder, pages) -> dict[str, int]:
    return {page: (folder / "html" / f"{page}.html").stat().st_mtime_ns for page in pages}


def _written_again(folder, before: dict[str, int]) -> set[str]:
    """Which pages the last build wrote (not made old: Sphinx writes a page older than its source)."""
    return {page for page, time in _times(folder, before).items() if time != before[page]}


# the page listing it, the book, the notes, another page, and the pages that are not documents
LISTING = ["safety/index", "index", "about/versions", "safety/complications", "genindex", "search", "404"]
PNEUMOTHORAX = "docs/safety/pneumothorax.md"
NOTE = "\n:::{versionadded} 0.2.0\nA test note on the pleura.\n:::\n"


@dataclass
class Step:
    """An edit of the chain: the pages of ``LISTING`` (and the edited page) that the rebuild after it wrote
    again, and the files in which that rebuild differs from a clean build of the sources as edited."""

    written: set[str]
    differing: list[str]
    clean: Path  # the clean build's html/


@dataclass
class EditChain:
    """A copy of the sources built clean (strict, as `make html` builds it), then edited twice, each edit
    rebuilt incrementally and compared with a clean build of the sources as edited."""

    first: Path  # html/ of the first clean build, as it was before the edits
    sentence: Step  # a sentence added to a page
    title: Step  # then that page's title changed and a change note added


def _git_dir() -> str:
    done = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _add_a_sentence(text: str) -> str:
    return text + "\nAn added sentence.\n"


def _retitle_and_note(text: str) -> str:
    return text.replace("# Pneumothorax\n", "# Pneumothorax after injection\n", 1) + NOTE


def _edit(project: Path, *edits: Callable[[str], str]) -> None:
    page = project / PNEUMOTHORAX
    for edit in edits:
        page.write_text(edit(page.read_text(encoding="utf-8")), encoding="utf-8")


def _clean_build_of(folder: Path, *edits: Callable[[str], str]) -> Path:
    """A clean build of another copy of the sources with ``edits`` made, as `make html` builds it: its html/.
    (A clean build has no earlier output for a shortcut to keep; that the shortcuts change nothing on a clean
    build is the edited copy's comparison, with TPI_FULL_REBUILD=1, which doubles a build's time.)"""
    project = copy_project(folder / "project")
    _edit(project, *edits)
    _html(project, folder, GIT_DIR=_git_dir(), GIT_WORK_TREE=str(project))
    return folder / "html"


def _edit_and_rebuild(project: Path, build: Path, edit: Callable[[str], str], **git: str) -> tuple[set[str], Path]:
    """The pages the rebuild after ``edit`` wrote, and a copy of the site it gave."""
    before = _times(build, ["safety/pneumothorax", *LISTING])
    _edit(project, edit)
    _html(project, build, **git)
    kept = build.parent / f"{build.name}-{edit.__name__.strip('_')}"
    shutil.copytree(build / "html", kept)
    return _written_again(build, before), kept


def build_edit_chain(folder: Path) -> EditChain:
    """Made once per session by conftest.py's shared builds: one clean build of a copy of the sources (which
    is also the second clean build of test_two_clean_builds_give_the_same_website) and two edits on top, each
    rebuilt. The clean builds to compare with are of other copies, edited alike, and run beside the chain."""
    project, build = copy_project(folder / "project"), folder / "rebuilt"
    with ThreadPoolExecutor(2) as pool:
        cleans = [
            pool.submit(_clean_build_of, folder / "sentence-clean", _add_a_sentence),
            pool.submit(_clean_build_of, folder / "title-clean", _add_a_sentence, _retitle_and_note),
        ]
        # The copy is of the repository's commit: its pages' dates of last change come from its history.
        git = {"GIT_DIR": _git_dir(), "GIT_WORK_TREE": str(project)}
        _html(project, build, **git)
        shutil.copytree(build / "html", folder / "first")  # file times kept: the rebuilds below go on in build/
        written = [_edit_and_rebuild(project, build, edit, **git) for edit in (_add_a_sentence, _retitle_and_note)]
        clean = [done.result() for done in cleans]
    sentence, title = (
        Step(pages, _differing(clean_html, rebuilt), clean_html)
        for (pages, rebuilt), clean_html in zip(written, clean, strict=True)
    )
    return EditChain(folder / "first", sentence, title)


def test_an_edit_inside_a_page_writes_that_page_alone(edit_chain):
    """A sentence added: the page is written again, and not the pages that list it (its title and headings are
    unchanged), the list of page changes (no note changed) or the general index, search and 404 pages (no
    index entry changed); the site is still the clean build's."""
    assert edit_chain.sentence.written == {"safety/pneumothorax"}
    assert edit_chain.sentence.differing == []


def test_a_new_title_and_a_change_note_reach_every_page_that_shows_them(edit_chain):
    """A page's title shows in the navigation of every page and in the list of page changes, and a new change
    note in that list: after the edit every page is written again and the site is the clean build's (Sphinx
    alone would write only the pages that list the edited one, leaving an old navigation everywhere else)."""
    assert edit_chain.title.written == {"safety/pneumothorax", *LISTING}
    versions = (edit_chain.title.clean / "about" / "versions.html").read_text()
    assert "A test note on the pleura" in versions and "Pneumothorax after injection" in versions
    assert "Pneumothorax after injection" in (edit_chain.title.clean / "safety" / "complications.html").read_text()
    assert edit_chain.title.differing == []
