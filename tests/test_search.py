"""The search index: a rebuild publishes the same index as a clean build (Sphinx drops
`{index}` entries on incremental builds, sphinx-doc/sphinx issue 12599; see
tpi_sphinx/searchindex.py)."""

import json
import shutil
import subprocess
import sys

from conftest import ROOT


def _index(outdir) -> dict:
    text = (outdir / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def _rebuild(project, outdir, doctrees) -> None:
    """An incremental build, as `make html` and `make check` run it (no -E)."""
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(project), "-q", "-d", str(doctrees)]
    subprocess.run([*cmd, str(project / "docs"), str(outdir)], check=True, capture_output=True, cwd=project)


def test_the_index_lists_the_index_entries_of_the_pages(site):
    assert len(_index(site.outdir)["indexentries"]) > 100


def test_a_rebuild_with_nothing_changed_gives_the_clean_builds_index(site, tmp_path):
    outdir, doctrees = tmp_path / "html", tmp_path / "doctrees"
    shutil.copytree(site.outdir, outdir)
    shutil.copytree(site.doctreedir, doctrees)
    _rebuild(ROOT, outdir, doctrees)
    assert _index(outdir) == _index(site.outdir)


def add_a_sentence(project) -> None:
    """One more sentence on a page (test_reproducible's shared edited copy)."""
    page = project / "docs" / "safety" / "pneumothorax.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")


def test_a_rebuild_after_editing_pages_keeps_the_other_pages_entries(edited):
    """test_reproducible's shared copy: a sentence added to one page, an index entry to another, rebuilt."""
    before = _index(edited.first)["indexentries"]
    after = _index(edited.rebuilt / "html")["indexentries"]
    assert len(before) > 100
    assert set(after) - set(before) == {"zz rebuild test entry"}  # the one entry the edits added
    assert {name: entries for name, entries in after.items() if name in before} == before
