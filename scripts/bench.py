#!/usr/bin/env python3
"""Clean-build timings and sizes of every output, and search quality (`make bench`).

The outputs are the site, the PDF book, the EPUB and the versioned site
(`make versions`: every release and main), timed twice: the sites alone
(FORMATS=html) and with each version's PDF and EPUB. Each is built from
scratch into a temporary folder through the Makefile, exactly as a writer
builds it, and timed; the figures are printed, not asserted. Run with
--repeat N to see the spread. After the site is built,
its search runs in Chromium on the query set of tests/data/search-queries.yaml
(tests/test_search_quality.py, which asserts the goals) and the top-3 rate, the
mean reciprocal rank and the median time to results are printed.
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What each row builds: the make target and its variables.
RUNS = {
    "html": ["html"],
    "pdf": ["pdf"],
    "epub": ["epub"],
    "versions-html": ["versions", "FORMATS=html"],
    "versions": ["versions", "FORMATS=html pdf epub"],
}
TARGETS = list(RUNS)


def build(target: str, folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["make", "--no-print-directory", *RUNS[target], f"BUILD={folder}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def size(path: Path) -> str:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    return f"{total / 1e6:.1f} MB"


def describe(target: str, folder: Path) -> str:
    if target == "html":
        pages = [p for p in (folder / "html").rglob("*.html") if p.name not in {"genindex.html", "search.html"}]
        return f"{len(pages)} pages, {size(folder / 'html')}"
    if target == "pdf":
        pdf = next((folder / "pdf").glob("*.pdf"))
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1)
        return f"{pages} pages, {size(pdf)}"
    if target.startswith("versions"):
        listed = json.loads((folder / "versions" / "versions.json").read_text(encoding="utf-8"))
        names = ", ".join(entry["name"] for entry in listed)
        return f"{len(listed)} versions ({names}), {size(folder / 'versions')}"
    epub = next((folder / "epub").glob("*.epub"))
    return f"{size(epub)}"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def search_figures(site: Path) -> str:
    """The site's search in Chromium on the query set: top-3 rate, mean reciprocal rank, median time."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    try:
        from playwright.sync_api import sync_playwright
        from test_search_quality import load_queries, measure
    except ImportError as missing:
        return f"not measured ({missing.name} is missing: make test installs it)"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return "not measured (Chromium is missing: make browser)"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            figures = measure(browser.new_page(), f"http://127.0.0.1:{server.server_address[1]}", load_queries())
            browser.close()
    finally:
        server.shutdown()
    return figures.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="clean builds per output (default 1)")
    parser.add_argument("targets", nargs="*", metavar="{" + ",".join(TARGETS) + "}", help="outputs (default: all)")
    args = parser.parse_args()
    if unknown := set(args.targets) - set(TARGETS):
        parser.error(f"unknown output: {', '.join(sorted(unknown))}")

    print(f"{'output':<13} {'clean build (s)':>24}  result")
    for target in args.targets or TARGETS:
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                times.append(build(target, Path(tmp)))
                result = describe(target, Path(tmp))
                if target == "html" and len(times) == 1:
                    search = search_figures(Path(tmp) / "html")
        spread = f"{min(times):.1f}-{max(times):.1f}" if len(times) > 1 else ""
        print(f"{target:<13} {statistics.median(times):>10.1f} {spread:>13}  {result}")
        if target == "html":
            print(f"{'search':<13} {'':>24}  {search}")


if __name__ == "__main__":
    main()
