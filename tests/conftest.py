"""Shared fixtures: one strict build of the site, the PDF books, the EPUB and the versioned site per
test session, one copy of the sources with every injected fault, one copy built, edited and rebuilt for
the tests of incremental builds, and throwaway copies of the sources for the other tests that edit them.

The suite runs on every core (pytest-xdist, `-n auto` in pytest.ini). Each big build is made once per
session however many workers need it: the first worker to need it claims it, builds it in a background
thread and leaves the result in the session's shared temporary folder, where the other workers pick it
up. The builds that the collected tests need start as the session starts, so that they run alongside
the quick tests instead of one after another.
"""

import functools
import gc
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
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


def sphinx_build(
    project: Path, outdir: Path, builder: str = "html", options: tuple[str, ...] = (), environ: dict | None = None
) -> Build:
    """Build ``project`` (a folder with conf.py and docs/) the way the Makefile does,
    but without -W so that every warning is collected, not just the first (``environ``: variables to add)."""
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
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=project, env={**os.environ, **(environ or {})})
    warnings = [line for line in warnfile.read_text().splitlines() if line.strip()] if warnfile.exists() else []
    return Build(done.returncode, done.stdout + done.stderr, warnings, outdir, doctreedir)


def build_site(folder: Path) -> Build:
    build = sphinx_build(ROOT, folder / "html")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="session")
def site(shared) -> Build:
    """The reference built once into a temporary directory."""
    return shared.get("site")


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
def plain_book(shared) -> Book:
    """The reference's PDF, built once."""
    return shared.get("plain_book")


def build_grown_book(folder: Path) -> Book:
    project = copy_project(folder / "project")
    add_long_page(project)
    return make_pdf(project, folder / "book")


@pytest.fixture(scope="session")
def grown_book(shared) -> Book:
    """The PDF of a copy of the sources with a long, correct page added early in the book: every page
    break after it moves, so a test that depends on where a break falls fails on one of the two books."""
    return shared.get("grown_book")


def build_epub(folder: Path) -> Path:
    """The EPUB, built with `make epub` as a reader builds it."""
    done = subprocess.run(
        ["make", "--no-print-directory", "epub", f"BUILD={folder}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    return next((folder / "epub").glob("*.epub"))


@pytest.fixture(scope="session")
def epub_file(shared) -> Path:
    return shared.get("epub")


def build_faulty(folder: Path):
    from test_faults import build_faulty_copy  # the faults and the pages live there

    return build_faulty_copy(folder)


@pytest.fixture(scope="session")
def faulty_build(shared):
    """One copy of the sources with every injected fault of the suite, built once: (Build, where each fault is)."""
    return shared.get("faulty")


def build_edited(folder: Path):
    from test_reproducible import build_edited_copy  # the edits and the comparisons live there

    return build_edited_copy(folder)


@pytest.fixture(scope="session")
def edited(shared):
    """One copy of the sources built clean, edited where test_reproducible, test_search, test_pagechanges and
    test_bibliography edit it, rebuilt incrementally, and built clean again without shortcuts (test_reproducible)."""
    return shared.get("edited")


def build_edit_chain(folder: Path):
    from test_reproducible import build_edit_chain  # the edits and the comparisons live there

    return build_edit_chain(folder)


@pytest.fixture(scope="session")
def edit_chain(shared):
    """A copy of the sources built clean (test_reproducible compares it with ``site``), then a sentence added to a
    page and rebuilt, then its title changed and rebuilt, each rebuild beside a clean build of the same sources."""
    return shared.get("edit_chain")


def build_versioned(folder: Path) -> Path:
    from test_versions import build_history_and_versions  # the repository and its helpers live there

    return build_history_and_versions(folder)


# The builds made once per session, by name: what makes each into an empty folder, and the fixtures
# that need it (a test that needs one of them starts its build as the session starts).
BUILDS: dict[str, tuple[Callable[[Path], object], set[str]]] = {
    "site": (build_site, {"site"}),
    "plain_book": (partial(make_pdf, ROOT), {"plain_book", "book"}),
    "grown_book": (build_grown_book, {"grown_book", "book"}),
    "epub": (build_epub, {"epub_file"}),
    "faulty": (build_faulty, {"faulty_build"}),
    "edited": (build_edited, {"edited"}),
    "edit_chain": (build_edit_chain, {"edit_chain"}),
    "versioned": (build_versioned, {"history", "versioned"}),
}
# At the tests' priority: the site (most tests wait for it) and the longest chains; the others give way. (The
# versioned site at niceness 5 was the last thing to finish: 572 s of setup in a full run at load 20.)
URGENT = {"site", "edit_chain", "versioned"}
GIVE_WAY = 5
WAIT_LIMIT_S = 3600  # a build that another worker never finishes fails the tests that need it


class SharedBuilds:
    """Builds shared by the workers of one session through files in ``root``: ``name.claim`` (made by the
    worker that builds it, atomically) and ``name.pickle`` (its result, or why it failed)."""

    def __init__(self, root: Path):
        self.root = root
        self.threads: list[threading.Thread] = []
        self.results: dict[str, object] = {}

    def start(self, name: str) -> None:
        try:
            os.close(os.open(self.root / f"{name}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # this worker or another one builds it
        thread = threading.Thread(target=self._build, args=(name,), name=f"build {name}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def _build(self, name: str) -> None:
        # The site first (most tests wait for it) and the longest chains of builds. The other builds (and what
        # they run) give way to them and to the tests' own work (on Linux a thread's niceness is its own, and the
        # processes it starts inherit it).
        if name not in URGENT:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), GIVE_WAY)
        folder = self.root / name
        folder.mkdir()
        try:
            outcome = ("built", BUILDS[name][0](folder))
        except BaseException as error:  # reported to every test that needs the build
            outcome = ("failed", "".join(traceback.format_exception(error)))
        part = self.root / f"{name}.pickle.part"
        part.write_bytes(pickle.dumps(outcome))
        os.replace(part, self.root / f"{name}.pickle")

    def get(self, name: str):
        if name not in self.results:
            self.start(name)
            done, waited = self.root / f"{name}.pickle", 0.0
            while not done.exists():
                assert waited < WAIT_LIMIT_S, f"the build {name!r} did not finish in {WAIT_LIMIT_S} s"
                time.sleep(0.2)
                waited += 0.2
            self.results[name] = pickle.loads(done.read_bytes())
        status, value = self.results[name]
        if status != "built":
            pytest.fail(f"the build {name!r} failed:\n{value}", pytrace=False)
        return value

    def finish(self) -> None:
        """Wait for the builds this worker started: another worker may be waiting for them."""
        for thread in self.threads:
            thread.join()


@pytest.fixture(scope="session", autouse=True)
def shared(request, tmp_path_factory) -> SharedBuilds:
    """The session's shared builds; those that the collected tests need are started at once."""
    base = tmp_path_factory.getbasetemp()
    builds = SharedBuilds(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
    needed = set().union(*(item.fixturenames for item in request.session.items))
    for name, (_, fixtures) in BUILDS.items():
        if fixtures & needed:
            builds.start(name)
    yield builds
    builds.finish()


# How the workers share the tests (`--dist loadscope --no-loadscope-reorder` in pytest.ini): each module goes to
# one worker, so that its module and session fixtures (the browser tours) are made once, and the modules go out
# in the order of the items here: first those whose tests do the most work one after another in the worker
# itself (the browser tours, the versioned site's checks, the search queries, EPUBCheck, the LaTeX build), so
# that they run beside the shared builds and the other modules instead of after them; then the others, the
# biggest first (as pytest-xdist orders them without the option).
FIRST = ("test_browser.py", "test_versions.py", "test_search_quality.py", "test_epub.py", "test_reproducible.py")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    sizes: dict[Path, int] = {}
    for item in items:
        sizes[item.path] = sizes.get(item.path, 0) + 1

    def order(item: pytest.Item) -> tuple[int, int, str]:
        first = FIRST.index(item.path.name) if item.path.name in FIRST else len(FIRST)
        return first, -sizes[item.path], item.path.name

    items.sort(key=order)  # stable: the order within a module is kept


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish() -> None:
    """The tests are done: what they hold (the pages parsed, the builds' results) stays until the worker exits, so
    the garbage collections that pytest runs at its end (to report errors in objects' finalizers) need not
    trace it, which took 1 to 3 s a worker. (The young generations are collected first: garbage left by the last
    tests still has its finalizers run, and their errors reported.)"""
    gc.collect(1)
    gc.freeze()


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


@functools.lru_cache(maxsize=512)
def _parse(path: Path, mtime_ns: int, size: int):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def parsed(path: Path):
    """The built page at ``path``, parsed (html.parser) once per worker while the file is as it was: the tree
    is shared by every test that reads the page, so a test must not change it."""
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


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


def chromium() -> str:
    """Debian's headless Chromium, as scripts/loop_timings.py finds it for `make bench`."""
    from scripts.loop_timings import chromium as headless_shell

    found = headless_shell()
    assert found, "Chromium's headless shell is missing: `make browser` installs it"
    return found


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Nothing reaches another host: requests to one go to a proxy where nothing listens (ERR_PROXY_CONNECTION_
        # FAILED), and Chromium never sends loopback requests (the site served here) through a proxy.
        nowhere = "--proxy-server=http://127.0.0.1:9"
        launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", nowhere])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own storage), closed after the test."""
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()
