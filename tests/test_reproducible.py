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
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT, copy_project, sphinx_build

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


def test_two_clean_builds_give_the_same_website(site, tmp_path):
    again = sphinx_build(ROOT, tmp_path / "html")
    assert again.returncode == 0, again.output
    assert _differing(site.outdir, again.outdir) == []


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
    rebuilt: Path  # the incremental rebuild after the edits: html/ and doctrees/
    clean: Path  # a clean build of the edited sources without any of the shortcuts (TPI_FULL_REBUILD=1)
    # and without the navigation cache (test_navtree; its report of the first build: on-navtree.json beside it)
    retitled: Path  # then an entry of references.bib retitled (test_bibliography) and rebuilt: html/ and doctrees/


def build_edited_copy(folder: Path) -> Edited:
    """One copy of the sources for every test of an incremental rebuild (made once per session by conftest.py's
    shared builds): built clean, each page written again with `-a`, then edited where each test edits it (this
    module: an index entry and a numbered table early in the book; test_search: a sentence on another page;
    test_pagechanges: a change note), rebuilt incrementally, and the edited sources built clean without the
    shortcuts, to compare with; then an entry of the bibliography retitled (test_bibliography) and rebuilt, in a
    copy of the rebuilt site. A page started with `make new-page` (test_workflow) and synthetic pages in
    three navigation levels (test_navtree: the first build with the navigation cache, the clean one without)
    are in it from the start."""
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
    off = ("-D", "tpi_navigation_cache=0")  # and without the navigation cache (test_navtree)
    _html(project, folder / "clean", *off, TPI_FULL_REBUILD="1", TPI_NAVTREE_REPORT=str(folder / "off-navtree.json"))
    retitled = folder / "retitled"  # then an entry of the bibliography edited, and rebuilt in a copy of the build
    for part in ("html", "doctrees"):
        shutil.copytree(rebuilt / part, retitled / part)
    retitle_an_entry(project)
    _html(project, retitled)
    return Edited(project, new_page, first, written_again, rebuilt, folder / "clean", retitled)


def test_a_rebuild_after_an_edit_gives_the_clean_build_of_the_edited_sources(edited):
    """The edit adds an index entry and a numbered table early in the book: the general index, the search
    index and the numbers of the tables on later pages change, and the rebuild must show all of it."""
    assert "zz rebuild test entry" in (edited.clean / "html" / "genindex.html").read_text()
    assert "zz rebuild test entry" in (edited.rebuilt / "html" / "genindex.html").read_text()
    assert _differing(edited.clean / "html", edited.rebuilt / "html") == []
    env = pickle.loads((edited.clean / "doctrees" / "environment.pickle").read_bytes())
    assert not hasattr(env, "tpi_outlines")  # the switch did switch the shortcuts off
    numbers = env.toc_fignumbers
    assert numbers["background/what-is-a-trigger-point-injection"]["table"]["table-rebuild-test"]


def _times(folder, pages) -> dict[str, int]:
    return {page: (folder / "html" / f"{page}.html").stat().st_mtime_ns for page in pages}


def _written_again(folder, before: dict[str, int]) -> set[str]:
    """Which pages the last build wrote (not made old: Sphinx writes a page older than its source)."""
    return {page for page, time in _times(folder, before).items() if time != before[page]}


# the page listing it, the book, the notes, another page, and the pages that are not documents
LISTING = ["safety/index", "index", "about/versions", "safety/complications", "genindex", "search", "404"]


def test_an_edit_inside_a_page_writes_that_page_alone(tmp_path):
    """A sentence added: the page is written again, and not the pages that list it (its title and headings are
    unchanged), the list of page changes (no note changed) or the general index, search and 404 pages (no
    index entry changed); the site is still the clean build's."""
    project = copy_project(tmp_path / "project")
    _html(project, tmp_path / "rebuilt")
    page = project / "docs" / "safety" / "pneumothorax.md"
    before = _times(tmp_path / "rebuilt", ["safety/pneumothorax", *LISTING])
    page.write_text(page.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    _html(project, tmp_path / "rebuilt")
    assert _written_again(tmp_path / "rebuilt", before) == {"safety/pneumothorax"}
    _html(project, tmp_path / "clean", TPI_FULL_REBUILD="1")
    assert _differing(tmp_path / "clean" / "html", tmp_path / "rebuilt" / "html") == []


def test_a_new_title_and_a_change_note_reach_every_page_that_shows_them(tmp_path):
    """A page's title shows in the navigation of every page and in the list of page changes, and a new change
    note in that list: after the edit every page is written again and the site is the clean build's (Sphinx
    alone would write only the pages that list the edited one, leaving an old navigation everywhere else)."""
    project = copy_project(tmp_path / "project")
    _html(project, tmp_path / "rebuilt")
    before = _times(tmp_path / "rebuilt", LISTING)
    page = project / "docs" / "safety" / "pneumothorax.md"
    text = page.read_text(encoding="utf-8").replace("# Pneumothorax\n", "# Pneumothorax after injection\n", 1)
    note = "\n:::{versionadded} 0.2.0\nA test note on the pleura.\n:::\n"
    page.write_text(text + note, encoding="utf-8")
    _html(project, tmp_path / "rebuilt")
    assert _written_again(tmp_path / "rebuilt", before) == set(LISTING)
    _html(project, tmp_path / "clean", TPI_FULL_REBUILD="1")
    versions = (tmp_path / "clean" / "html" / "about" / "versions.html").read_text()
    assert "A test note on the pleura" in versions and "Pneumothorax after injection" in versions
    assert "Pneumothorax after injection" in (tmp_path / "clean" / "html" / "safety" / "complications.html").read_text()
    assert _differing(tmp_path / "clean" / "html", tmp_path / "rebuilt" / "html") == []
