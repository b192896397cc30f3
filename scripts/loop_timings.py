#!/usr/bin/env python3
"""The writer's loop, timed (issue 13): a rebuild with nothing changed, a rebuild after a one-page edit,
after an edit to an entry of the bibliography, and how long `make live` takes to show a saved change in the
browser.

Each function works in a throwaway copy of the sources (a git repository of one commit, so that the
build runs its git look-ups as in the real tree; the pages being edited in the tree are never touched),
builds as `make html` does (strict, incremental, doctrees outside the output) and returns seconds: the
median of ``repeat`` runs. For `make bench` (scripts/bench.py); run alone it prints the three figures.
Budgets (2-core machine): no-change rebuild < 1 s, one-page edit < 1.5 s, live < 2 s (the bibliography
edit has none: it writes the bibliography page and every page citing the entry).
"""

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
EDITED_PAGE = "safety/pneumothorax.md"  # an ordinary clinical page, linked from others
EDITED_ENTRY = "elboghdadly2018local"  # an entry of docs/references.bib cited on nine pages
STRICT = ["-W", "--keep-going", "-n"]


def copy_files(copy: Path, source: Path = ROOT) -> Path:
    """Everything the build of ``source`` reads, copied to ``copy``."""
    copy.mkdir(parents=True)
    for name in ("conf.py", "releases.toml", "CONTRIBUTING.md", "requirements.txt", "Makefile"):
        shutil.copy2(source / name, copy)
    for folder in ("tpi_sphinx", "docs", "scripts"):
        shutil.copytree(source / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def copy_sources(copy: Path, source: Path = ROOT) -> Path:
    """Everything the build of ``source`` reads, as a git repository of one commit."""
    copy_files(copy, source)
    (copy / ".gitignore").write_text(".venv\n_build/\n__pycache__/\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=copy, check=True)
    subprocess.run([*git, "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=copy, check=True)
    return copy


def _environ(project: Path) -> dict:
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=project, capture_output=True, text=True)
    return {**os.environ, "SOURCE_DATE_EPOCH": epoch.stdout.strip() or "0"}


def _html(project: Path) -> float:
    """One strict incremental HTML build of ``project``, as `make html` runs it; seconds."""
    build = project / "_build"
    command = [str(PYTHON), "-m", "sphinx", "-b", "html", "-c", ".", *STRICT, "-q"]
    command += ["-d", str(build / "doctrees" / "html"), "docs", str(build / "html")]
    start = time.perf_counter()
    subprocess.run(command, cwd=project, env=_environ(project), check=True, capture_output=True)
    return time.perf_counter() - start


@contextlib.contextmanager
def _project(source: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tpi-loop-") as tmp:
        yield copy_sources(Path(tmp) / "project", source)


def _edit(page: Path, run: int) -> None:
    """A writer's edit: one more sentence at the end of the page, different each time."""
    page.write_text(page.read_text(encoding="utf-8") + f"\nAn added sentence, number {run}.\n", encoding="utf-8")


def _edit_entry(bib: Path, run: int) -> None:
    """An editor's edit: the title of one entry (EDITED_ENTRY, else the first) changed, differently each time."""
    text = bib.read_text(encoding="utf-8")
    start = text.find("{" + EDITED_ENTRY + ",")
    title = text.index("title", max(start, 0))
    title = text.index("{", title) + 1
    bib.write_text(text[:title] + f"Edited {run}: " + text[title:], encoding="utf-8")


def no_change_rebuilds(repeat: int = 3, source: Path = ROOT) -> list[float]:
    """Seconds of each of ``repeat`` rebuilds with nothing changed (after a clean build and one warm-up
    rebuild); ``source``: the tree to time (another checkout, for a comparison)."""
    with _project(source) as project:
        _html(project)
        _html(project)
        return [_html(project) for _ in range(repeat)]


def _edited_rebuilds(edit, repeat: int, source: Path) -> list[float]:
    """Seconds of each of ``repeat`` rebuilds, each after ``edit(project, run)``, following a clean build and
    one warm-up rebuild."""
    with _project(source) as project:
        _html(project)
        _html(project)
        times = []
        for run in range(repeat):
            edit(project, run)
            times.append(_html(project))
        return times


def one_page_edits(repeat: int = 3, source: Path = ROOT) -> list[float]:
    """Seconds of each of ``repeat`` rebuilds after a one-page edit."""
    return _edited_rebuilds(lambda project, run: _edit(project / "docs" / EDITED_PAGE, run), repeat, source)


def bibliography_edits(repeat: int = 3, source: Path = ROOT) -> list[float]:
    """Seconds of each of ``repeat`` rebuilds after an edit to an entry of the bibliography (its title)."""
    return _edited_rebuilds(lambda project, run: _edit_entry(project / "docs" / "references.bib", run), repeat, source)


def no_change_rebuild(repeat: int = 3, source: Path = ROOT) -> float:
    """Median seconds of a rebuild with nothing changed."""
    return statistics.median(no_change_rebuilds(repeat, source))


def one_page_edit(repeat: int = 3, source: Path = ROOT) -> float:
    """Median seconds of a rebuild after a one-page edit."""
    return statistics.median(one_page_edits(repeat, source))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def live_server(project: Path, timeout: float = 180) -> Iterator[str]:
    """`make live` (this tree's virtualenv; the project's Makefile if it has one, else this tree's) in
    ``project`` on a free port, its first build done; yields the address. Its output: ``project``/live.log."""
    port = _free_port()
    makefile = project / "Makefile" if (project / "Makefile").exists() else ROOT / "Makefile"
    log = project / "live.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "-f", str(makefile), "live", f"LIVE_PORT={port}"]
            + [f"VENV={ROOT / '.venv'}"],
            cwd=project,
            env=_environ(project),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
    try:
        deadline = time.monotonic() + timeout
        # the first build done, then the server listening (it may start a moment after the message)
        while "Waiting to detect changes" not in log.read_text() or not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make live did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def live_latency(repeat: int = 3, source: Path = ROOT) -> float:
    """Median seconds from saving a one-page edit to the edit showing in Chromium, reloaded by `make live`."""
    return statistics.median(live_latencies(repeat, source))


def chromium() -> str | None:
    """Debian's headless Chromium (`make browser`): the old headless shell, which Playwright runs headless by
    default, and which does the same work on about 40% of the CPU time of the full browser's headless mode."""
    return shutil.which("chromium-headless-shell")


def live_latencies(repeat: int = 3, source: Path = ROOT) -> list[float]:
    """Seconds of each of ``repeat`` saved edits until they show in Chromium, reloaded by `make live`."""
    from playwright.sync_api import sync_playwright

    if not chromium():
        raise RuntimeError("Chromium is missing: make browser")
    with _project(source) as project, live_server(project) as address, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{address}/{EDITED_PAGE.removesuffix('.md')}.html")
        times = []
        for run in range(repeat):
            page.wait_for_timeout(1000)  # the page settled and its reload socket connected
            start = time.perf_counter()
            _edit(project / "docs" / EDITED_PAGE, run)
            page.get_by_text(f"An added sentence, number {run}.").wait_for(timeout=60_000)
            times.append(time.perf_counter() - start)
        browser.close()
    return times


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for name, measure, budget in (
        ("no-change rebuild", no_change_rebuild, 1.0),
        ("one-page edit", one_page_edit, 1.5),
        ("bibliography edit", lambda repeat: statistics.median(bibliography_edits(repeat)), None),
        ("make live, edit to browser", live_latency, 2.0),
    ):
        print(f"{name:<28} {measure(repeat):6.2f} s   {f'(budget {budget} s)' if budget else ''}", flush=True)


if __name__ == "__main__":
    main()
