"""The slow checkers' verdicts, kept between test runs in ``_build/verdicts/`` so that what has not changed is
not checked again: the Nu HTML Checker on a page, EPUBCheck on an EPUB, the link check on a versioned site
(test_standards, test_epub, test_versions), and a browser tour's checks on a page (test_browser: axe in both
colour schemes, the phone layout).

A verdict is kept under a key, a hash of everything it depends on: what was checked (its bytes), the code of
the check, and the checker's toolchain (its jars and the Java that runs them; the browser's version and axe).
A changed input gives another key, so a kept verdict is only ever used for the same check of the same bytes.
A browser check depends on every file the page loaded (its style sheets and scripts, what its scripts
fetched): its verdict is kept with their list, and used while every one of them is the same (what a page
loads follows from the files it loaded, so the same files load the same). Only passing verdicts are kept: a
check that finds a fault runs again, and shows it, each time.

`make clean` empties the folder, and ``TPI_VERDICTS=`` (empty, or 0) makes a run keep and use nothing. Every page
carries the release (``0.4.0.dev3+g8800ef5``) in its title, footer and citation, so a new commit changes every
page: a check that does not depend on what the release says reads it as a placeholder (``release_free``,
PageVerdicts), the others check every page again.
"""

import hashlib
import inspect
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import ROOT
from tpi_sphinx.versions.cache import digest, remove_all_but_used_last

_SETTING = os.environ.get("TPI_VERDICTS")
VERDICTS = None if _SETTING in ("", "0") else Path(_SETTING) if _SETTING else ROOT / "_build" / "verdicts"
PASSED = "passed"  # what check_unless_passed keeps (another test may keep what a checker reported)
KEEP = 5000  # the verdicts used last (about 450 a run: a page each per check, an EPUB each, a site each)


def verdict_key(check: Callable, tools: bytes, *checked: bytes) -> str:
    return digest(inspect.getsource(check).encode(), tools, *checked)


def kept_verdict(key: str, root: Path | None = VERDICTS):
    """What a check with this key kept when it passed (marked as used now), or None."""
    if root is None:
        return None
    try:
        os.utime(root / key)
        return json.loads((root / key).read_text(encoding="utf-8"))
    except FileNotFoundError:  # never kept, or removed meanwhile by another worker's run
        return None


def keep_verdicts(verdicts: dict[str, object], root: Path | None = VERDICTS, limit: int = KEEP) -> None:
    """Keep these passing verdicts (key: what to keep, as JSON), and only the ``limit`` verdicts used last."""
    if root is None:
        return
    root.mkdir(parents=True, exist_ok=True)
    for key, value in verdicts.items():
        part = root / f"{key}.part{os.getpid()}"
        part.write_text(json.dumps(value), encoding="utf-8")
        os.replace(part, root / key)  # another worker may read it meanwhile
    remove_all_but_used_last(list(root.iterdir()), limit)  # a .part left by a run that stopped goes too


def check_unless_passed(
    check: Callable, tools: bytes, items: dict[Path, bytes], run: Callable, root: Path | None = VERDICTS
) -> list[str]:
    """``run(paths)``: the faults the checker finds in those of ``items`` (path: what the verdict depends on)
    that have no passing verdict kept; the verdicts are kept when it finds none."""
    keys = {path: verdict_key(check, tools, content) for path, content in items.items()}
    todo = [path for path, key in keys.items() if kept_verdict(key, root) != PASSED]
    faults = run(todo) if todo else []
    if todo and not faults:
        keep_verdicts(dict.fromkeys((keys[path] for path in todo), PASSED), root)
    return faults


# Sphinx's checksum of a style sheet or script in its address (``furo.css?v=7bdb33bb``): the file's own bytes
# are part of the key, so the checksum adds nothing, and documentation_options.js's changes with the release.
CHECKSUM = re.compile(rb"\?v=[0-9a-f]{8}\b")


def without_release(content: bytes, release: bytes) -> bytes:
    """``content`` with the release, the citation keys made from it (tpi-reference-0-4-0-dev9-g843a9d7) and
    checksums taken out."""
    key = b"tpi-reference-" + release.lower().replace(b".", b"-").replace(b"+", b"-")
    return CHECKSUM.sub(b"?v=", content.replace(release, b"\0release\0").replace(key, b"\0key\0"))


def release_free(content: bytes, release: str) -> bytes:
    """What a check that does not depend on what the release says (the standards checkers: markup and structure)
    sees in ``content``: the content without the release (``without_release``) but with the release's length."""
    escaped = content.replace(b"\0", b"\0\1")  # so that no content reads as the placeholders or the length
    return without_release(escaped, release.encode()) + b"\0" + str(len(release)).encode()


class PageVerdicts:
    """A browser check's verdicts on the pages of a site served from ``site`` at ``served``: each page's
    verdict (what the check recorded, as JSON) kept with the list of the site's files that the page loaded.

    ``release``: a check whose verdict does not depend on the release's characters (axe's rules look at
    colours, names and structure, not at what a label says) reads the files without the release (in every
    page's title, footer and citations), so that a new commit, which changes nothing else that a page loads but
    the search index, is not checked page by page again. A check of widths (the phone layout) reads the files
    as they are."""

    def __init__(
        self, check: str, tools: bytes, site: Path, served: str, root: Path | None = VERDICTS, release: str = ""
    ):
        self.check, self.tools, self.site, self.served, self.root = check.encode(), tools, site, served, root
        self.release = release

    def _record(self, page: str) -> str:
        return digest(b"page", self.check, self.tools, page.encode())

    def _content(self, name: str) -> bytes:
        path = self.site / name
        if not path.is_file():
            return b"(none)"
        content = path.read_bytes()
        # the release's length is kept (release_free): a longer one may wrap a line differently
        return hashlib.sha256(release_free(content, self.release) if self.release else content).digest()

    def _files(self, loaded: Iterable[str]) -> str:
        return digest(*(f"{name}\0".encode() + self._content(name) for name in sorted(loaded)))

    def file(self, url: str) -> str | None:
        """The site's file at ``url`` (a path relative to the site: a folder's index.html, as the server sends
        it), None if the URL is not the site's."""
        if not url.startswith(self.served + "/"):
            return None
        name = unquote(urlsplit(url).path).lstrip("/")
        return posixpath.join(name, "index.html") if (self.site / name).is_dir() else name

    def kept(self, page: str):
        """The verdict kept for ``page`` (a path relative to the site, with its query), if every file it loaded
        then is the same now; else None."""
        record = kept_verdict(self._record(page), self.root)
        if record is None or record["files"] != self._files(record["loaded"]):
            return None
        return record["verdict"]

    def keep(self, verdicts: dict[str, tuple[Iterable[str], object]]) -> None:
        """Keep passing verdicts: page: (the URLs it loaded, the verdict)."""
        records = {}
        for page, (urls, verdict) in verdicts.items():
            loaded = sorted({name for url in urls if (name := self.file(url)) is not None})
            records[self._record(page)] = {"loaded": loaded, "files": self._files(loaded), "verdict": verdict}
        keep_verdicts(records, self.root)
