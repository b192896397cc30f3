"""The make-up of the PDF book (issue 15): headings kept with their text, boxes kept whole, blank pages
blank, a comfortable measure, an index that points to the main discussion, and nothing of the website that
means nothing in print. Read back from the session's shared PDF builds (conftest.py), never a build of its own.
"""

import re
import subprocess
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from test_pdf import flat

from tpi_sphinx import figures, sources
from tpi_sphinx.book import WEB_ONLY_SECTIONS, fit_longest_words

SVG = "http://www.w3.org/2000/svg"
MEASURE_LIMIT = 88  # characters in a line of body text ("about 85"); the measure is set for about 72
MIN_INDEX_ENTRIES = 300


@pytest.fixture(scope="module")
def reader(book):
    return PdfReader(book.pdf)


@pytest.fixture(scope="module")
def headings(reader) -> list[tuple[str, int]]:
    """Every heading of the book (the PDF outline, all levels): (title, page index)."""
    found = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    return found


def body_lines(page: str) -> list[str]:
    """The lines of a page without its running foot (the last line: page number and chapter)."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in page.splitlines() if line.strip()]
    return lines[:-1]


def ends_with_heading(page: str, title: str) -> bool:
    """The page's last line of text is the heading (numbered or not; a long heading may take two lines)."""
    lines = body_lines(page)
    tail = [lines[-1:], lines[-2:]] if lines else []
    return any(re.sub(r"^[\d.]+ ", "", " ".join(last)) == title for last in tail if last)


def test_no_heading_is_the_last_line_of_a_page(book, headings):
    assert len(headings) > 200
    stranded = [(page + 1, title) for title, page in headings if ends_with_heading(book.pages[page], title)]
    assert stranded == []


def test_a_heading_at_the_foot_of_a_page_is_found():
    page = "text of the page\n\n3.5.1 When ultrasound is worth it\n\n\n68      Chapter 3. Procedure\n"
    assert ends_with_heading(page, "When ultrasound is worth it")
    assert not ends_with_heading(page.replace("3.5.1 When", "Read when"), "When ultrasound is worth it")


def boxes_split(log: str) -> dict[int, tuple[int, int]]:
    """The boxes kept whole (docs/_latex/tpi.sty, \\tpikeepmark) whose start and end are on different pages."""
    start, end = {}, {}
    for number, where, page in re.findall(r"^tpi-keep (\d+) (start|end) (\d+)$", log, re.MULTILINE):
        (start if where == "start" else end)[int(number)] = int(page)
    assert start.keys() == end.keys()
    return {n: (start[n], end[n]) for n in start if start[n] != end[n]}


def test_no_key_points_or_evidence_gaps_box_spans_two_pages(book):
    boxes = len(re.findall(r"^tpi-keep \d+ start", book.log, re.MULTILINE))
    written = sum(
        len(re.findall(r"^:::\{(?:key-points|evidence-gaps)\}", page.read_text(encoding="utf-8"), re.MULTILINE))
        for page in sources.pages()
    )
    assert boxes >= written > 40  # every box is marked (and the short literal blocks)
    assert boxes_split(book.log) == {}


def test_a_split_box_is_found():
    log = "tpi-keep 1 start 12\ntpi-keep 1 end 12\ntpi-keep 2 start 14\ntpi-keep 2 end 15\n"
    assert boxes_split(log) == {2: (14, 15)}


def looks_blank(page: str) -> bool:
    """Nothing on the page but a running head or foot: the title and release, a chapter name, a page number."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    furniture = re.compile(r"^(\d+|.*Release .*|.*Chapter \d+\..*|[\d.]+ .*\s{3,}\d+|\d+\s{3,}.*)$")
    return len(lines) <= 2 and all(furniture.match(line) for line in lines)


def test_no_blank_page_carries_a_running_head(book):
    blank = [i + 1 for i, page in enumerate(book.pages) if looks_blank(page)]
    assert [i for i in blank if book.pages[i - 1].strip()] == []


def test_a_running_head_on_a_blank_page_is_found():
    assert looks_blank("Orthopedic Trigger Point Injection Reference, Release 0.2.0\n\n\n90\n")
    assert looks_blank("")
    assert not looks_blank("Key points\nInject only a confirmed trigger point.\n12\n")


def printed_page_numbers(book) -> list[int | None]:
    """The number printed at the foot of each page (None where there is none)."""
    numbers = []
    for page in book.pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        found = re.fullmatch(r"(\d+)(?:\s.*)?|.*\s(\d+)", lines[-1]) if lines else None
        numbers.append(int(found.group(1) or found.group(2)) if found else None)
    return numbers


@pytest.fixture(scope="module")
def index_text(book, headings) -> str:
    """The index in reading order (pdftotext without -layout reads its two columns one after the other)."""
    first = next(page for title, page in headings if title == "Index")
    done = subprocess.run(
        ["pdftotext", "-f", str(first + 1), "-l", str(len(book.pages)), str(book.pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def index_pages(index_text: str, entry: str) -> set[int]:
    """The pages an index entry (a line of its own, any case) points to."""
    pages = set()
    for line in index_text.splitlines():
        found = re.match(rf"^{re.escape(entry)}, ([\d, ]+)$", line.strip(), re.IGNORECASE)
        if found:
            pages |= {int(n) for n in re.findall(r"\d+", found.group(1))}
    return pages


def test_the_index_has_300_entries_with_pages(index_text):
    entries = [line for line in index_text.splitlines() if re.search(r", \d+(, \d+)*$", line.strip())]
    assert len(entries) >= MIN_INDEX_ENTRIES


@pytest.mark.parametrize(
    ("entry", "section"),
    [
        ("Pneumothorax", "Pneumothorax"),
        ("LAST", "Local anesthetic systemic toxicity"),
        ("Local anesthetic systemic toxicity", "Local anesthetic systemic toxicity"),
        ("lidocaine", "Local anesthetics"),
        ("vasovagal reaction", "Vasovagal reaction"),
        ("informed consent", "Informed consent"),
        ("landmark technique", "Landmark technique"),
    ],
)
def test_key_topics_point_to_their_section_not_only_the_glossary(book, headings, index_text, entry, section):
    numbers = printed_page_numbers(book)
    page = next(page for title, page in headings if title == section)
    assert numbers[page] in index_pages(index_text, entry)


def test_an_index_entry_is_read_with_its_pages():
    text = "Pneumothorax, 99, 173\npneumothorax\nmanagement, 101\n"
    assert index_pages(text, "pneumothorax") == {99, 173}
    assert index_pages(text, "LAST") == set()


def injection_site_muscles() -> list[str]:
    """The muscles of the injection-sites table ("Gluteus medius and gluteus minimus" is two muscles;
    "... and other lumbar muscles" names a group, not a muscle)."""
    text = (sources.DOCS / "procedure" / "injection-sites.md").read_text(encoding="utf-8")
    table = text.split(":name: table-injection-sites", 1)[1].split("```", 1)[0]
    muscles = []
    for cell in re.findall(r"^\* - (.+)$", table, re.MULTILINE)[1:]:  # the first row is the header
        muscles += [name.strip() for name in cell.split(" and ") if not name.strip().startswith("other ")]
    return muscles


def test_every_muscle_of_the_injection_sites_is_in_the_index(index_text):
    muscles = injection_site_muscles()
    assert len(muscles) >= 12 and "Piriformis" in muscles
    index = flat(index_text).lower()
    assert [muscle for muscle in muscles if muscle.lower() not in index] == []


def long_body_lines(page: str) -> list[str]:
    """Lines of running text longer than the measure allows. Tables and forms (columns set apart by
    runs of spaces) and the running head and foot are not running text."""
    lines = [line.strip() for line in page.splitlines() if line.strip()][1:-1]
    return [line for line in lines if len(line) > MEASURE_LIMIT and not re.search(r"\S\s{3,}\S", line)]


def lists_references(page: str) -> bool:
    """The page holds entries of a reference list ("[Shah et al. 2015] ..."), set in a smaller size."""
    return bool(re.search(r"^\s*\[[^\]]+ (?:\d{4}[a-z]?|n\.d\.)\] ", page, re.MULTILINE))


def figure_text() -> str:
    """The words drawn inside the figures (docs/figures: SVG text, Graphviz labels), one space between words:
    pdftotext reads them from the page like text, but they are set in the figure's own size and width."""
    words = []
    for path in sorted((sources.DOCS / "figures").iterdir()):
        if path.suffix == ".svg":
            words += [figures._text(text) for text in ElementTree.parse(path).getroot().iter(f"{{{SVG}}}text")]
        elif path.suffix == ".dot":
            labels = re.findall(r'label="(.*?)"', path.read_text(encoding="utf-8"))
            words += [" ".join(label.replace("\\n", " ").split()) for label in labels]
    return " ".join(words)


def not_in_a_figure(lines: list[str], drawn: str) -> list[str]:
    return [line for line in lines if " ".join(line.split()) not in drawn]


def test_lines_of_body_text_fit_the_measure(book, headings):
    """Body text up to the references appendix, figures' own words left out. Footnotes, in a smaller size, hold
    more characters a line and cannot be told apart from the text by pdftotext: at most 1% of the lines may be
    longer, none over 100 characters but a web address."""
    references = next(page for title, page in headings if title == "References")
    lines = [line.strip() for page in book.pages[:references] for line in page.splitlines()[1:-1] if line.strip()]
    drawn = figure_text()
    long = not_in_a_figure([line for page in book.pages[:references] for line in long_body_lines(page)], drawn)
    assert len(long) <= len(lines) // 100
    assert [line for line in long if len(line) > 100 and "://" not in line] == []


def test_a_line_of_100_characters_is_found():
    line = "word " * 20
    assert long_body_lines(f"head\n{line}\nfoot") == [line.strip()]
    # a long line of a figure is its own; the same words in the text are not
    assert not_in_a_figure([line.strip()], figure_text()) == [line.strip()]
    drawn = figure_text().split(". ")[0]
    assert drawn and not_in_a_figure([drawn], figure_text()) == []
    assert long_body_lines(f"head\n{'cell   ' * 15}\nfoot") == []


def repeated_link_texts(text: str) -> list[str]:
    """ "local anesthetic systemic toxicity (Local anesthetic systemic toxicity (page 56))": the text of a
    link repeated by the page reference after it."""
    return re.findall(r"\b(\w[\w -]{3,}) \(\1 \(page \d+\)\)", text, re.IGNORECASE)


def test_no_link_text_is_repeated(book):
    assert repeated_link_texts(flat("\n".join(book.pages))) == []


def test_a_repeated_link_text_is_found():
    text = "can cause local anesthetic systemic toxicity (Local anesthetic systemic toxicity (page 73)) (El"
    assert repeated_link_texts(text) == ["local anesthetic systemic toxicity"]
    assert repeated_link_texts("can cause local anesthetic systemic toxicity (page 73)") == []


def test_no_website_only_list_in_the_book(book):
    text = flat("\n".join(book.pages))
    assert [name for name in WEB_ONLY_SECTIONS if name in text] == []
    site_pages = sum("## Related pages" in page.read_text(encoding="utf-8") for page in sources.pages())
    assert site_pages > 20  # the site keeps them


def test_every_page_shows_its_review_line_under_its_title(book):
    text = flat("\n".join(book.pages))
    checked = [p for p in sources.pages() if "kind: clinical" in p.read_text(encoding="utf-8")]
    assert len(re.findall(r"Sources checked \d{4}-\d\d-\d\d · Clinical sign-off: ", text)) >= len(checked) > 20


def test_a_narrow_column_is_widened_to_hold_its_longest_word():
    rows = [["Epinephrine in toxicity", "a long sentence " * 10]]
    widths = fit_longest_words([10, 90], rows)
    assert widths[0] > 10 and sum(widths) == 100
    assert fit_longest_words([40, 60], rows) == [40, 60]  # wide enough already: kept
