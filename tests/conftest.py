"""Shared fixtures: one strict build of the site, and of the PDF book, per
test session, and throwaway copies of the sources for tests that inject faults."""

import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tpi_sphinx.release import describe

ROOT = Path(__file__).resolve().parent.parent

# Dates in the output come from the last commit, as in the Makefile, so that two builds can be compared.
os.environ.setdefault(
    "SOURCE_DATE_EPOCH",
    subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    or "0",
)
# Copies of the sources have no git: they are built as the version of the tree they were copied from.
_BUILD = describe()
os.environ.setdefault("TPI_RELEASE", _BUILD.release)
if _BUILD.released:
    os.environ.setdefault("TPI_RELEASE_DATE", _BUILD.released.isoformat())


@dataclass
class Build:
    returncode: int
    output: str  # everything sphinx-build printed (warnings included)
    warnings: list[str]
    outdir: Path
    doctreedir: Path


def sphinx_build(project: Path, outdir: Path, builder: str = "html", options: tuple[str, ...] = ()) -> Build:
    """Build ``project`` (a folder with conf.py and docs/) the way the Makefile does,
    but without -W so that every warning is collected, not just the first."""
    warnfile = outdir.parent / f"{outdir.name}-warnings.txt"
    doctreedir = outdir.parent / f"{outdir.name}-doctrees"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        builder,
        "-c",
        str(project),
        "-n",
        "-E",
        "-q",
        "-d",
        str(doctreedir),
        "-w",
        str(warnfile),
        *options,
        str(project / "docs"),
        str(outdir),
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
    tex: str  # the LaTeX source the PDF was made from


def make_pdf(project: Path, build: Path) -> Book:
    """Build the PDF of ``project`` with `make pdf`, exactly as a reader builds it, into ``build``."""
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-f",
            str(ROOT / "Makefile"),
            "pdf",
            f"BUILD={build}",
            f"VENV={ROOT / '.venv'}",
        ],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    pdf = next((build / "pdf").glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    latex = build / "latex" / pdf.name
    log = latex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    return Book(pdf, log, text.split("\f")[:-1], build / "doctrees" / "pdf", latex.with_suffix(".tex").read_text())


@pytest.fixture(scope="session")
def plain_book(tmp_path_factory) -> Book:
    """The reference's PDF, built once."""
    return make_pdf(ROOT, tmp_path_factory.mktemp("book"))


@pytest.fixture(scope="session")
def grown_book(tmp_path_factory) -> Book:
    """The PDF of a copy of the sources with a long, correct page added early in the book: every page
    break after it moves, so a test that depends on where a break falls fails on one of the two books."""
    project = copy_project(tmp_path_factory.mktemp("grown") / "project")
    add_long_page(project)
    return make_pdf(project, tmp_path_factory.mktemp("grown-book"))


@pytest.fixture(scope="session", params=["as written", "with a long page added"])
def book(request) -> Book:
    """Each PDF test runs on both books."""
    return request.getfixturevalue("plain_book" if request.param == "as written" else "grown_book")


def add_long_page(project: Path) -> None:
    """A long page of ordinary, correct content (citations, web links, a glossary term), in the first chapter."""
    bib = (project / "docs" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{(\w+),", bib, flags=re.M)[:12]
    urls = [u for u in re.findall(r"^\s*url\s*=\s*\{(https://[^}]+)\}", bib, flags=re.M) if len(u) > 60][:8]
    paragraphs = []
    for i in range(40):
        paragraphs.append(
            f"Paragraph {i + 1} of a long page that moves every later page break. An {{term}}`active trigger point` is "
            f"described in the sources {{cite:p}}`{keys[i % len(keys)]}`; the address "
            f"[{urls[i % len(urls)]}]({urls[i % len(urls)]}) is printed so that a reader of the paper book sees "
            "where the link leads, wherever the line or the page happens to break."
        )
    page = (
        "---\nreviewed: 2026-01-01\nstatus: draft\nkind: about\n---\n(long-test-page)=\n# A long test page\n\n"
        + "\n\n".join(paragraphs)
        + "\n"
    )
    (project / "docs" / "background" / "long-test-page.md").write_text(page, encoding="utf-8")
    index = project / "docs" / "background" / "index.md"
    text = index.read_text(encoding="utf-8")
    first_entry = re.search(r"(```\{toctree\}[^`]*?\n)(\w[^\n]*\n)", text)
    index.write_text(
        text.replace(first_entry.group(0), first_entry.group(1) + "long-test-page\n" + first_entry.group(2), 1),
        encoding="utf-8",
    )


ARTIFACTS = ROOT / "_build" / "test-artifacts"  # pictures of rendered pages, for a human to look at


def copy_project(copy: Path) -> Path:
    """A throwaway copy of everything the build reads (file times kept, so make does not reinstall)."""
    copy.mkdir(parents=True)
    # releases.toml: conf.py reads the version there; CONTRIBUTING.md: docs/about/contributing.md includes it
    for name in ("conf.py", "releases.toml", "CONTRIBUTING.md", "requirements.txt", "requirements-test.txt"):
        shutil.copy2(ROOT / name, copy)
    for folder in ("tpi_sphinx", "docs", "scripts"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of the sources, for fault injection."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def served(site):
    """The built site on a loopback address, as a reader's browser gets it (nothing else is reachable)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # no line per request in the test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site.outdir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (`make browser`), driven by Playwright, headless."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make browser` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own storage), closed after the test."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()
