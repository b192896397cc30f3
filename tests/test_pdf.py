"""The PDF book, built with `make pdf` and read back with pypdf and pdftotext."""

import itertools
import pickle
import re
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import IndirectObject
from test_print import action_card

import conf
from conftest import ARTIFACTS, parsed
from tpi_sphinx import citations, sources

APPENDICES = [
    "Glossary",
    "Pre-procedure checklist",
    "Time-out checklist",
    "Post-procedure checklist",
    "Skills checklist for supervised practice",
    "Answers to review questions",  # tpi_sphinx.questions, before the references
    "References",
]
OVERFULL_LIMIT_PT = 10


def flat(text: str) -> str:
    """Text with line-end hyphenation undone and all whitespace collapsed, for searching."""
    text = unicodedata.normalize("NFKC", re.sub(r"(\w)-\n\s*(\w)", r"\1\2", text))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def reader(book):
    return PdfReader(book.pdf)


@pytest.fixture(scope="module")
def env(book):
    return pickle.loads((book.doctreedir / "environment.pickle").read_bytes())


@pytest.fixture(scope="module")
def chapters(reader):
    """Top-level outline entries: (title, first page index)."""
    return [
        (item.title, reader.get_destination_page_number(item)) for item in reader.outline if not isinstance(item, list)
    ]


def chapter_pages(book, chapters, title) -> str:
    """The text of one chapter or appendix, from its first page to the next chapter's."""
    starts = [page for _, page in chapters] + [len(book.pages)]
    i = [name for name, _ in chapters].index(title)
    return "\n".join(book.pages[starts[i] : starts[i + 1]])


def test_title_page_names_the_book_version_date_license_and_disclaimer(book):
    title_page = flat(book.pages[0])
    for expected in [
        conf.project,
        f"Version {conf.release}",
        conf.release_line,
        conf.content_license,
        "not medical advice",
    ]:
        assert expected in title_page


def test_metadata_names_title_author_version_subject_and_keywords(reader):
    meta = reader.metadata
    assert meta.title == f"{conf.project}, version {conf.release}"
    assert meta.author == conf.author
    assert "trigger point injection" in meta.subject.lower()
    assert conf.release in meta["/Keywords"]


def language_and_title_display(reader: PdfReader) -> tuple[str | None, bool]:
    """The document language (/Lang of the catalog) and whether viewers show the title, not the file name."""
    catalog = reader.trailer["/Root"]
    preferences = catalog.get("/ViewerPreferences", {})
    return catalog.get("/Lang"), bool(preferences.get("/DisplayDocTitle", False))


def test_the_book_declares_its_language_and_shows_its_title(reader):
    assert language_and_title_display(reader) == (conf.language, True)


def test_a_pdf_without_them_is_reported(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(tmp_path / "plain.pdf")
    assert language_and_title_display(PdfReader(tmp_path / "plain.pdf")) == (None, False)


def test_outline_has_every_chapter_then_the_appendices_and_index(chapters, env):
    sections = [env.titles[doc].astext() for doc in env.toctree_includes["index"]]
    assert [title for title, _ in chapters] == sections + APPENDICES + ["Index"]


def test_outline_chapters_start_on_increasing_pages(chapters):
    pages = [page for _, page in chapters]
    assert pages == sorted(pages) and len(set(pages)) == len(pages)


def test_table_of_contents_lists_chapters_with_page_numbers(book, chapters):
    contents = flat("\n".join(book.pages[1:6]))
    for title, _page in chapters[:-1]:
        assert re.search(rf"{re.escape(title)} (\. )*\d+", contents, re.IGNORECASE), title


def test_every_page_title_of_the_site_is_in_the_book(book, env):
    text = flat("\n".join(book.pages)).lower()
    missing = [
        title
        for doc, node in env.titles.items()
        if doc != "index" and doc not in conf.tpi_book_leaves_out and (title := node.astext()).lower() not in text
    ]
    assert missing == []


def test_every_glossary_term_is_in_the_glossary_appendix(book, chapters):
    glossary = flat(chapter_pages(book, chapters, "Glossary"))
    missing = [entry.names[0] for entry in sources.glossary() if entry.names[0] not in glossary]
    assert missing == []


def test_index_lists_every_glossary_term_with_a_page(book, chapters):
    index = flat(chapter_pages(book, chapters, "Index")).lower()
    missing = [
        e.names[0] for e in sources.glossary() if not re.search(rf"{re.escape(e.names[0].lower())}[^,]*, \d+", index)
    ]
    assert missing == []


def test_index_lists_every_index_entry_of_the_pages(book, chapters):
    index = flat(chapter_pages(book, chapters, "Index")).lower()
    entries = {
        m.strip().lower()
        for page in sources.pages()
        for m in re.findall(r"^```\{index\} (?:! )?single: ([^;\n]+)", page.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert len(entries) >= 30
    assert sorted(entry for entry in entries if entry not in index) == []


def test_references_appendix_lists_every_source_once_by_its_label(book, chapters):
    bib = sources.bibliography()
    style = citations.AuthorYearStyle()
    entries = style.sort(bib.entries.values())
    labels = list(style.label_style.format_labels(entries))
    references = flat(chapter_pages(book, chapters, "References"))
    counts = {label: references.count(f"[{label}]") for label in labels}
    assert {label: n for label, n in counts.items() if n != 1} == {}


def test_no_unresolved_references(book):
    assert [i + 1 for i, page in enumerate(book.pages) if "??" in page] == []


def test_cross_references_show_page_numbers(book):
    assert len(re.findall(r"\(page \d+\)", flat("\n".join(book.pages)))) > 100


@pytest.fixture(scope="module")
def links(reader) -> list:
    """Every link annotation in the book, read once."""
    found = []
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                found.append(annot)
    return found


def test_links_are_clickable_inside_the_book_and_to_the_web(links):
    internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    web = [a for a in links if a.get("/A", {}).get("/S") == "/URI"]
    assert len(internal) > 500 and len(web) > 100


def test_citations_link_to_their_reference_entry(links):
    names = [str(a.get("/A", {}).get("/D", a.get("/Dest", ""))) for a in links]
    assert sum(name.startswith("cite.") for name in names) > 300


def printed_across_pages(uri: str, pages: list[str]) -> bool:
    """The address is printed whole on a page, or its start ends one page's text and the rest follows on
    the next page (where footnotes and the running head and foot come between the two parts)."""
    if any(uri in page for page in pages):
        return True
    for page, following in itertools.pairwise(pages):
        for cut in range(len(uri) - 8, 7, -1):  # both parts long enough not to match by chance
            if uri[:cut] in page and following.find(uri[cut:]) != -1:
                return True
    return False


def test_every_web_link_shows_its_address_in_print(book, links):
    """A printed page shows where each link leads (in the text, a footnote or the reference entry)."""
    pages = [re.sub(r"\s+", "", page) for page in book.pages]
    uris = {str(a["/A"]["/URI"]) for a in links if a.get("/A", {}).get("/S") == "/URI"}
    assert len(uris) > 100
    assert sorted(uri for uri in uris if not printed_across_pages(uri, pages)) == []


def test_an_address_split_by_a_page_break_still_counts_as_printed():
    uri = "https://www.example.org/drug/label/0123456789"
    assert printed_across_pages(
        uri, ["Label. URL: https://www.example.org/drug/la", "29 Chapter 8 bel/0123456789. Next"]
    )
    assert not printed_across_pages(uri, ["Label. URL: https://www.example.org/drug/la", "Next entry"])


def test_tables_are_numbered_with_captions(book):
    text = flat("\n".join(book.pages))
    assert len(set(re.findall(r"Table (\d+\.\d+):", text))) >= 20


def test_all_fonts_are_embedded(reader):
    not_embedded = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {}) or {}
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # drawn with PDF operators, nothing to embed
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if isinstance(descriptor, IndirectObject) else descriptor
            if not descriptor or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                not_embedded.add(str(font.get("/BaseFont")))
    assert not_embedded == set()


def test_no_overfull_box_wider_than_10pt(book):
    boxes = [float(pt) for pt in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", book.log)]
    assert [pt for pt in boxes if pt > OVERFULL_LIMIT_PT] == []


def test_no_label_is_defined_twice(book):
    """A label printed twice sends "(page N)" to whichever copy LaTeX read last (0.3.0.dev: the labels of two
    headings that start with a table were printed once before the room kept for the table, once with the
    heading)."""
    assert re.findall(r"Label `([^']+)' multiply", book.log) == []
    assert "multiply-defined labels" not in book.log


def _printed_sources() -> str:
    """Everything the book prints from: page bodies, the dose data, the bibliography (notes are never printed)."""
    parts = [sources.body(page) for page in sources.pages()]
    data = (sources.DOCS / "data" / "doses.yaml").read_text(encoding="utf-8")
    parts.append(re.sub(r"#.*", "", data))  # its comments (sources' wording) are never printed
    for entry in sources.bibliography().entries.values():
        parts += [value for field, value in entry.fields.items() if field.lower() != "note"]
        parts += [str(person) for people in entry.persons.values() for person in citations.printed_persons(people)]
    return "\n".join(parts)


def test_every_non_ascii_character_of_the_sources_is_printed(book):
    """XeLaTeX with FreeFont prints what pdfLaTeX stops on (≥, µ, accented names), and no glyph is missing."""
    assert "Missing character" not in book.log
    text = "\n".join(book.pages)
    used = {c for c in _printed_sources() if ord(c) > 127}
    assert len(used) >= 5
    assert sorted(c for c in used if c not in text) == []


def test_weight_tables_in_the_book_match_the_site(book, site):
    """Every row of every dose-by-weight table prints in the book as on the site."""
    soup = parsed(site.outdir / "procedure" / "maximum-doses.html")
    tables = soup.select("table[id^=table-weight-]")
    rows = [
        " ".join(c.get_text(" ", strip=True) for c in tr.select("td")) for t in tables for tr in t.select("tbody tr")
    ]
    lines = {re.sub(r"\s+", " ", line.strip()) for page in book.pages for line in page.splitlines()}
    assert len(tables) >= 2 and len(rows) >= 12
    assert [row for row in rows if row not in lines] == []


def test_last_action_card_is_one_page_of_the_book(book, site):
    """The emergency card, all its steps and the doses by weight are on one page, and the page ends with it."""
    title, steps, last_line = action_card((site.outdir / "safety" / "last.html").read_text(encoding="utf-8"))
    # the card's own page: its title and its first step (the quick reference also names the card)
    holding = [flat(page) for page in book.pages if title in flat(page) and steps[0] in flat(page)]
    assert len(holding) == 1
    page = holding[0]
    assert [step for step in steps if step not in page] == []
    # the doses by weight: the table's caption (its column heads wrap in the card's narrow columns)
    assert "epinephrine by lean body weight" in page and "Epinephrine" in page
    assert "Key points" not in page  # the key points and everything else start on the next page
    assert last_line.replace(" ", "")[-20:] in page.replace(" ", "")


def test_render_title_page_and_a_table_page_for_review(book):
    """Pictures in _build/test-artifacts/ for a human to look at; the test checks they were made."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    table_page = next(i for i, page in enumerate(book.pages) if "Table 4.1:" in page) + 1
    for name, page in [("book-title-page", 1), ("book-table-page", table_page)]:
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                str(book.pdf),
                str(ARTIFACTS / name),
            ],
            check=True,
        )
        assert (ARTIFACTS / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
