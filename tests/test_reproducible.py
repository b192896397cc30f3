"""Two clean builds of the same commit give the same website, byte for byte, and the
same PDF text and LaTeX source (dates come from SOURCE_DATE_EPOCH, set from the
last commit by the Makefile and by conftest.py)."""

import filecmp
import os
import subprocess

from conftest import ROOT, make_pdf, sphinx_build


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


def test_two_clean_builds_give_the_same_pdf_text(plain_book, tmp_path):
    again = make_pdf(ROOT, tmp_path / "book")
    assert again.tex == plain_book.tex
    assert again.pages == plain_book.pages
