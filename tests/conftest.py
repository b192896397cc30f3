"""Shared fixtures: one strict build of the site, and of the PDF book, per
test session, and throwaway copies of the sources for tests that inject faults."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Build:
    returncode: int
    output: str  # everything sphinx-build printed (warnings included)
    warnings: list[str]
    outdir: Path
    doctreedir: Path


def sphinx_build(project: Path, outdir: Path, builder: str = "html") -> Build:
    """Build ``project`` (a folder with conf.py and docs/) the way the Makefile does,
    but without -W so that every warning is collected, not just the first."""
    warnfile = outdir.parent / f"{outdir.name}-warnings.txt"
    doctreedir = outdir.parent / f"{outdir.name}-doctrees"
    cmd = [
        sys.executable, "-m", "sphinx", "-b", builder, "-c", str(project), "-n", "-E", "-q",
        "-d", str(doctreedir), "-w", str(warnfile), str(project / "docs"), str(outdir),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=project)
    warnings = [line for line in warnfile.read_text().splitlines() if line.strip()] if warnfile.exists() else []
    return Build(done.returncode, done.stdout + done.stderr, warnings, outdir, doctreedir)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Build:
    """The reference built once into a temporary directory."""
    build = sphinx_build(ROOT, tmp_path_factory.mktemp("site") / "html")
    assert build.returncode == 0, build.output
    return build


@dataclass
class Book:
    pdf: Path
    log: str  # the LaTeX log
    pages: list[str]  # pdftotext -layout, one string per page
    doctreedir: Path


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Book:
    """The PDF built once with `make pdf`, exactly as a reader builds it, into a temporary directory."""
    build = tmp_path_factory.mktemp("book")
    done = subprocess.run(["make", "--no-print-directory", "pdf", f"BUILD={build}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    pdf = next((build / "pdf").glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    log = (build / "latex" / pdf.with_suffix(".log").name).read_text(encoding="utf-8", errors="replace")
    return Book(pdf, log, text.split("\f")[:-1], build / "doctrees" / "pdf")


ARTIFACTS = ROOT / "_build" / "test-artifacts"  # pictures of rendered pages, for a human to look at


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of everything the build reads, for fault injection."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "conf.py", copy)
    shutil.copy(ROOT / "CONTRIBUTING.md", copy)  # included by docs/about/contributing.md
    shutil.copytree(ROOT / "tpi_sphinx", copy / "tpi_sphinx", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "docs", copy / "docs")
    return copy
