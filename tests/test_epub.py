"""The EPUB, built with `make epub`: a valid container of well-formed XHTML holding every page."""

import subprocess
import zipfile
from xml.etree import ElementTree

import pytest

from conftest import ROOT
from tpi_sphinx import sources

OPF = "{http://www.idpf.org/2007/opf}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def package(epub) -> tuple[str, ElementTree.Element]:
    """The package document named by META-INF/container.xml, and the folder it lives in."""
    container = ElementTree.fromstring(epub.read("META-INF/container.xml"))
    path = container.find(f".//{CONTAINER}rootfile").get("full-path")
    folder = path.rpartition("/")[0]
    return (folder + "/" if folder else ""), ElementTree.fromstring(epub.read(path))


@pytest.fixture(scope="module")
def epub(tmp_path_factory) -> zipfile.ZipFile:
    build = tmp_path_factory.mktemp("epub")
    done = subprocess.run(
        ["make", "--no-print-directory", "epub", f"BUILD={build}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    with zipfile.ZipFile(next((build / "epub").glob("*.epub"))) as book:
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
    assert pages - hrefs == set()
    assert {href for href in hrefs if folder + href not in epub.namelist()} == set()


def test_metadata_names_the_book(epub):
    _, opf = package(epub)
    title = opf.find(".//{http://purl.org/dc/elements/1.1/}title").text
    assert title == "Orthopedic Trigger Point Injection Reference"
