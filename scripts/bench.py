#!/usr/bin/env python3
"""Build times, sizes, page weight and search quality against the budgets (`make bench`).

Each row is measured as a writer meets it, through the Makefile: a clean build into a
temporary folder (site, PDF, EPUB, and `make versions`, every release and main side by side,
the sites alone and with their PDFs and EPUBs), a rebuild with nothing changed, after a one-page
edit and after an edit to a bibliography entry, and how long `make live` takes to show a saved change
in Chromium (scripts/loop_timings.py, in a throwaway copy of the sources: the tree is never edited),
`make lint` and `make test` (in this tree: its kept checkers' verdicts, _build/verdicts, are used, so the
runs after the first at one commit are a warm machine's; TPI_VERDICTS= make bench checks everything each time).
Times are medians of --repeat N runs,
with min and max. Then the facts of the clean site: pages, PDF pages, search index size,
the weight of each page on a first visit in Chromium (every request's body, uncompressed)
and the bytes from any other origin, and the search quality on the query set of
tests/data/search-queries.yaml (tests/test_search_quality.py asserts its goals).

Every row shows its budget (docs/about/performance.md) and whether it is met. The table is
printed, and the figures are written as JSON to _build/bench.json (or --json PATH).

--compare REV measures the same rows on another commit in the same run (a temporary
`git worktree add --detach`, sharing this .venv) and prints the ratio this/REV per row:
on a noisy machine a slowdown shows as a ratio rather than an absolute time.

--scale adds synthetic pages (scripts/synthetic_pages.py) to a temporary copy of the
sources at 100, 300 and 1,000 pages and times a clean HTML build of each, with Furo's
navigation built once per folder (tpi_sphinx/navtree.py) and, with --scale-modes on,off,
without it.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts")]
import loop_timings  # noqa: E402
from synthetic_pages import add_synthetic_pages  # noqa: E402

SCALE_SIZES = (100, 300, 1000)


@dataclass(frozen=True)
class Budget:
    limit: float
    unit: str
    text: str
    relative_to: str | None = None  # a second limit: at most `share` of that row's median
    share: float = 0.0

    def met(self, value: float | None, figures: dict[str, float | None]) -> bool | None:
        if value is None:
            return None
        if value > self.limit if self.unit != "=" else value != self.limit:
            return False
        if self.relative_to:
            other = figures.get(self.relative_to)
            if other is None:
                return None
            return value <= self.share * other
        return True


# The budgets of issue 13 (2-core machine); docs/about/performance.md lists them for readers.
BUDGETS = {
    "html": Budget(15, "s", "< 15 s"),
    "rebuild-nochange": Budget(1, "s", "< 1 s"),
    "rebuild-edit": Budget(1.5, "s", "< 1.5 s and <= 15% of clean", relative_to="html", share=0.15),
    "live": Budget(2, "s", "< 2 s"),
    "pdf": Budget(60, "s", "< 60 s"),
    "test": Budget(240, "s", "< 4 min"),
    "page-median-kb": Budget(200, "KB", "< 200 KB"),
    "third-party-bytes": Budget(0, "=", "= 0"),
}
TIMED = (
    "html",
    "rebuild-nochange",
    "rebuild-edit",
    "rebuild-bib",
    "live",
    "pdf",
    "epub",
    "versions-html",
    "versions",
    "lint",
    "test",
)
FACTS = ("pages", "pdf-pages", "searchindex-kb", "page-median-kb", "page-max-kb", "third-party-bytes", "search")
ROWS = TIMED + FACTS
LABELS = {
    "html": "clean HTML (s)",
    "rebuild-nochange": "no-change rebuild (s)",
    "rebuild-edit": "one-page edit (s)",
    "rebuild-bib": "bibliography edit (s)",
    "live": "make live latency (s)",
    "pdf": "PDF (s)",
    "epub": "EPUB (s)",
    "versions-html": "versions, sites (s)",
    "versions": "versions, all (s)",
    "lint": "make lint (s)",
    "test": "make test (s)",
    "pages": "HTML pages",
    "pdf-pages": "PDF pages",
    "searchindex-kb": "search index (KB)",
    "page-median-kb": "median page (KB)",
    "page-max-kb": "largest page (KB)",
    "third-party-bytes": "third-party bytes",
    "search": "search quality",
}


@dataclass
class Row:
    name: str
    runs: list[float] = field(default_factory=list)  # a timed row's runs, or a fact's one value
    note: str = ""  # what the value is, or why it was not measured

    @property
    def value(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None


def ratio(this: float | None, other: float | None) -> float | None:
    """this/other, or None when either is missing or other is zero (a ratio of nothing)."""
    if this is None or other is None or other == 0:
        return None
    return this / other


def make(root: Path, *args: str, check: bool = True) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(root), *args],
        check=check,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def kb(path: Path) -> float:
    return path.stat().st_size / 1000


def pdf_pages(build: Path) -> float:
    pdf = next((build / "pdf").glob("*.pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class served:
    """A built site on a loopback address."""

    def __init__(self, site: Path) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


def page_weights(page, base: str, paths: list[str]) -> tuple[list[float], int, list[str]]:
    """Each page's first-visit weight in bytes (every response body, nothing cached), the bytes from
    other hosts, and the requests to other hosts (answered or not)."""
    weights, outside, elsewhere = [], 0, []

    def local(url: str) -> bool:
        return url.startswith((base + "/", "data:", "blob:", "about:"))

    page.on("request", lambda request: None if local(request.url) else elsewhere.append(request.url))
    loaded: list = []
    page.on("requestfinished", lambda request: loaded.append(request))
    # no cache: every page as on a first visit (Chromium's DevTools protocol)
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    for path in paths:
        loaded.clear()
        page.goto(f"{base}/{path}", wait_until="networkidle")
        total = 0
        for request in loaded:
            response = request.response()
            body = len(response.body()) if response is not None and response.status != 204 else 0
            total += body
            if not local(request.url):
                outside += body
        weights.append(total)
    return weights, outside, elsewhere


def site_figures(site: Path) -> dict[str, Row]:
    """Pages, search index, page weight in Chromium and search quality of a clean site."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    rows = {
        "pages": Row(
            "pages", [float(sum(1 for p in site.rglob("*.html") if p.name not in {"genindex.html", "search.html"}))]
        ),
        "searchindex-kb": Row("searchindex-kb", [kb(site / "searchindex.js")]),
    }
    try:
        from playwright.sync_api import sync_playwright
        from test_search_quality import load_queries, measure
    except ImportError as missing:
        for name in ("page-median-kb", "page-max-kb", "third-party-bytes", "search"):
            rows[name] = Row(name, note=f"not measured ({missing.name} is missing: make test installs it)")
        return rows
    if not loop_timings.chromium():
        for name in ("page-median-kb", "page-max-kb", "third-party-bytes", "search"):
            rows[name] = Row(name, note="not measured (Chromium is missing: make browser)")
        return rows
    paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))  # as tests/test_browser.py visits
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=loop_timings.chromium(), args=["--no-sandbox"])
        context = browser.new_context()
        weights, outside, elsewhere = page_weights(context.new_page(), base, paths)
        context.close()
        figures = measure(browser.new_page(), base, load_queries())
        browser.close()
    heaviest = paths[weights.index(max(weights))]
    rows["page-median-kb"] = Row("page-median-kb", [statistics.median(weights) / 1000], f"{len(paths)} pages visited")
    rows["page-max-kb"] = Row("page-max-kb", [max(weights) / 1000], heaviest)
    rows["third-party-bytes"] = Row(
        "third-party-bytes", [float(outside)], f"{len(elsewhere)} requests to other hosts {sorted(set(elsewhere))[:3]}"
    )
    rows["search"] = Row("search", [figures.top3 * 100], figures.summary())
    return rows


def measure(root: Path, rows: set[str], repeat: int, say: Callable[[str], None]) -> dict[str, Row]:
    """Every chosen row on the tree at root."""
    result = {name: Row(name) for name in ROWS if name in rows}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for run in range(repeat):
            build = Path(tmp) / f"run{run}"
            if rows & {"html", "rebuild-nochange", "rebuild-edit", *FACTS} - {"pdf-pages"}:
                say(f"clean HTML {run + 1}/{repeat}")
                seconds = make(root, "html", f"BUILD={build}")
                if "html" in result:
                    result["html"].runs.append(seconds)
                if run == 0 and rows & set(FACTS) - {"pdf-pages"}:
                    say("site figures (Chromium)")
                    for name, row in site_figures(build / "html").items():
                        if name in result:
                            result[name] = row
            for target in ("pdf", "epub"):
                if target in result or (target == "pdf" and "pdf-pages" in result):
                    say(f"{target} {run + 1}/{repeat}")
                    seconds = make(root, target, f"BUILD={build}")
                    if target in result:
                        result[target].runs.append(seconds)
                    if target == "pdf" and "pdf-pages" in result and run == 0:
                        result["pdf-pages"].runs.append(pdf_pages(build))
            for name, formats in (("versions-html", "html"), ("versions", "html pdf epub")):
                if name in result:  # every release and main side by side: the sites alone, then with PDF and EPUB
                    say(f"make versions FORMATS={formats} {run + 1}/{repeat}")
                    result[name].runs.append(make(root, "versions", f"FORMATS={formats}", f"BUILD={build}/{name}"))
            for target in ("lint", "test"):  # as a writer runs them: BUILD= would reach every make the tests run, and
                if target in result:  # the versions' builds kept for this tree (their key has the variables they read)
                    say(f"make {target} {run + 1}/{repeat}")
                    result[target].runs.append(make(root, target, check=False))
            shutil.rmtree(build, ignore_errors=True)
    # The writer's loop, in a throwaway copy of the sources (scripts/loop_timings.py): the tree is never edited.
    for name, runs in (
        ("rebuild-nochange", loop_timings.no_change_rebuilds),
        ("rebuild-edit", loop_timings.one_page_edits),
        ("rebuild-bib", loop_timings.bibliography_edits),
        ("live", loop_timings.live_latencies),
    ):
        if name in result:
            say(f"{name} x{repeat}")
            result[name].runs.extend(runs(repeat, root))
    return result


def figures_of(rows: dict[str, Row]) -> dict[str, float | None]:
    return {name: row.value for name, row in rows.items()}


def verdict(name: str, figures: dict[str, float | None]) -> str:
    budget = BUDGETS.get(name)
    if budget is None:
        return ""
    met = budget.met(figures.get(name), figures)
    return {True: "met", False: "MISSED", None: "not measured"}[met]


def table(rows: dict[str, Row], other: dict[str, Row] | None = None, rev: str = "") -> str:
    figures = figures_of(rows)
    head = f"{'row':<24} {'median':>9} {'min-max':>15}  {'budget':<28} {'status':<13}"
    if other is not None:
        head += f" {rev[:10]:>10} {'ratio':>6}"
    lines = [head + "  note", "-" * len(head)]
    for name, row in rows.items():
        spread = f"{min(row.runs):.2f}-{max(row.runs):.2f}" if len(row.runs) > 1 else ""
        value = f"{row.value:.2f}" if row.value is not None else "-"
        budget = BUDGETS[name].text if name in BUDGETS else ""
        line = f"{LABELS[name]:<24} {value:>9} {spread:>15}  {budget:<28} {verdict(name, figures):<13}"
        if other is not None:
            theirs = other.get(name)
            r = ratio(row.value, theirs.value if theirs else None)
            line += f" {theirs.value if theirs and theirs.value is not None else float('nan'):>10.2f}"
            line += f" {r:>6.2f}" if r is not None else f" {'-':>6}"
        lines.append(line + (f"  {row.note}" if row.note else ""))
    return "\n".join(lines)


def as_json(rows: dict[str, Row]) -> dict:
    figures = figures_of(rows)
    return {
        name: {
            **asdict(row),
            "median": row.value,
            "min": min(row.runs) if row.runs else None,
            "max": max(row.runs) if row.runs else None,
            "budget": BUDGETS[name].text if name in BUDGETS else None,
            "status": verdict(name, figures) or None,
        }
        for name, row in rows.items()
    }


class worktree:
    """A temporary checkout of REV (git worktree add --detach) sharing this tree's .venv."""

    def __init__(self, rev: str) -> None:
        self.rev = rev

    def __enter__(self) -> Path:
        self.tmp = tempfile.mkdtemp(prefix="bench-compare-")
        self.path = Path(self.tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(self.path), self.rev], check=True
        )
        (self.path / ".venv").symlink_to((ROOT / ".venv").resolve())
        return self.path

    def __exit__(self, *exc) -> None:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.path)], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def children_cpu() -> float:
    """CPU seconds used by finished child processes (less disturbed than the clock on a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scale(sizes: list[int], modes: list[str], say: Callable[[str], None]) -> list[dict]:
    """Clean HTML build of the sources with `size` synthetic pages added, with the navigation cache on or off."""
    env = dict(os.environ)
    last_commit = ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"]
    env.setdefault(
        "SOURCE_DATE_EPOCH", subprocess.run(last_commit, capture_output=True, text=True).stdout.strip() or "0"
    )
    results = []
    for size in sizes:
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
                project = loop_timings.copy_files(Path(tmp) / "project")
                add_synthetic_pages(project / "docs", size)
                pages = sum(1 for p in (project / "docs").rglob("*.md") if "_templates" not in p.parts)
                say(f"scale: {size} synthetic pages ({pages} in all), navigation cache {mode}")
                start, cpu = time.perf_counter(), children_cpu()
                subprocess.run(
                    [str(ROOT / ".venv/bin/sphinx-build"), "-b", "html", "-c", ".", "-W", "--keep-going", "-n", "-q",
                     "-D", f"tpi_navigation_cache={int(mode == 'on')}", "-d", f"{tmp}/doctrees", "docs", f"{tmp}/html"],
                    cwd=project, check=True, env=env, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
            results.append(
                {"synthetic": size, "pages": pages, "navigation_cache": mode, "seconds": seconds, "cpu": cpu}
            )
            print(
                f"{size:>6} synthetic ({pages:>5} pages)  cache {mode:<3}  {seconds:8.1f} s  ({cpu:.1f} s CPU)",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timed row (median, min, max)")
    parser.add_argument("--only", nargs="+", choices=ROWS, metavar="ROW", help=f"rows to measure: {', '.join(ROWS)}")
    parser.add_argument(
        "--skip", nargs="+", choices=ROWS, default=[], metavar="ROW", help="rows to leave out (e.g. test)"
    )
    parser.add_argument("--compare", metavar="REV", help="measure REV too and print this/REV per row")
    parser.add_argument("--json", type=Path, default=ROOT / "_build" / "bench.json", help="where to write the figures")
    parser.add_argument("--scale", action="store_true", help="the growth benchmark instead (synthetic pages)")
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=list(SCALE_SIZES), metavar="N")
    parser.add_argument("--scale-modes", default="on", help="navigation cache on, off or on,off (default on)")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(f"... {text}", file=sys.stderr, flush=True)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    if args.scale:
        modes = args.scale_modes.split(",")
        if set(modes) - {"on", "off"}:
            parser.error("--scale-modes: on, off or on,off")
        results = scale(args.scale_sizes, modes, say)
        args.json.write_text(json.dumps({"scale": results}, indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
        return
    rows = set(args.only or ROWS) - set(args.skip)
    mine = measure(ROOT, rows, args.repeat, say)
    output: dict = {"rows": as_json(mine)}
    theirs = None
    if args.compare:
        with worktree(args.compare) as tree:
            theirs = measure(tree, rows, args.repeat, say)
        output["compare"] = {
            "rev": args.compare,
            "rows": as_json(theirs),
            "ratio": {name: ratio(mine[name].value, theirs[name].value) for name in mine},
        }
    print(table(mine, theirs, args.compare or ""))
    args.json.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
    print(f"Figures written to {args.json}")


if __name__ == "__main__":
    main()
