"""The clinical cases (docs/cases/): every step links to a page of the reference that exists and teaches it,
its answer is closed on the site until the reader opens it (a native <details>, so the keyboard opens it
too) and printed after its question in the book, and every number on a case page is checked by the
linter as on any clinical page (a dose typed by hand fails, inside an answer too)."""

import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup

from conftest import parsed
from tpi_sphinx import doses, sources
from tpi_sphinx.lint import lint

CASES = sorted(p for p in (sources.DOCS / "cases").glob("*.md") if p.name != "index.md")
DATA = doses.load(sources.DOCS / "data" / "doses.yaml")
NOT_TEACHING = {"glossary.html", "bibliography.html", "genindex.html", "search.html"}  # look-ups, not pages that teach


def steps(html: str | BeautifulSoup) -> dict[str, BeautifulSoup]:
    """Each step of a case page, by its heading: the sections whose heading starts with "Step"."""
    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, "html.parser")
    found = {}
    for section in soup.select("article section section"):
        heading = section.find(["h2", "h3"])
        if heading and heading.get_text(strip=True).startswith("Step"):
            found[heading.get_text(strip=True).rstrip("¶")] = section
    return found


def teaching_links(step: BeautifulSoup, page: Path, outdir: Path) -> tuple[list[str], list[str]]:
    """(links to a page that teaches, broken links) of one step: internal links other than the glossary and
    the references; a link is broken when its page is missing from the site or lacks the anchor it names."""
    good, broken = [], []
    for link in step.select("a.reference.internal[href]"):
        address, anchor = urldefrag(link["href"])
        target = (page.parent / address).resolve() if address else page
        if target.name in NOT_TEACHING:
            continue
        if not target.is_file() or not target.resolve().is_relative_to(outdir.resolve()):
            broken.append(link["href"])
            continue
        if anchor and not parsed(target).find(id=anchor):
            broken.append(link["href"])
            continue
        good.append(link["href"])
    return good, broken


def test_there_are_five_to_eight_cases():
    assert 5 <= len(CASES) <= 8, [p.name for p in CASES]


def test_each_case_is_a_clinical_page_in_the_cases_section():
    listed = (sources.DOCS / "cases" / "index.md").read_text(encoding="utf-8")
    for case in CASES:
        assert (sources.front_matter(case) or {}).get("kind") == "clinical", case.name
        assert f"\n{case.stem}\n" in listed, f"{case.stem} is missing from the toctree of cases/index.md"


def test_the_cases_come_after_the_chapters_and_before_the_back_matter():
    """In the contents (and so in the book) the cases follow the last teaching chapter (evidence) and come
    before resources; the appendices (glossary, checklists, references) come after them in the book."""
    toctree = re.search(r"```\{toctree\}(.*?)```", (sources.DOCS / "index.md").read_text(encoding="utf-8"), re.S)
    entries = [line.strip() for line in toctree.group(1).splitlines() if line.strip() and ":" not in line]
    assert entries.index("cases/index") == entries.index("evidence/index") + 1
    assert entries.index("cases/index") < entries.index("resources/index")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_step_links_a_page_that_exists(site, case):
    page = site.outdir / "cases" / f"{case.stem}.html"
    found = steps(parsed(page))
    assert len(found) >= 3, f"{case.name}: {len(found)} steps"
    for title, step in found.items():
        good, broken = teaching_links(step, page, site.outdir)
        assert broken == [], f"{case.name}, {title}: broken links {broken}"
        assert good, f"{case.name}, {title}: no link to the page that teaches it"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_answer_is_closed_until_opened(site, case):
    """One answer per step, in a <details> that is closed and opens from its <summary> (which the browser
    puts in the tab order and opens with Enter or Space)."""
    page = site.outdir / "cases" / f"{case.stem}.html"
    for title, step in steps(parsed(page)).items():
        answers = step.find_all("details")
        assert len(answers) == 1, f"{case.name}, {title}: {len(answers)} answers"
        answer = answers[0]
        assert not answer.has_attr("open"), f"{case.name}, {title}: the answer is open on arrival"
        summary = answer.find(True)
        assert summary.name == "summary" and summary.get_text(strip=True) == "Answer", (case.name, title)
        assert answer.select("a.reference.internal"), f"{case.name}, {title}: the answer links nothing"


def test_a_step_without_a_link_or_with_a_broken_one_is_found(tmp_path):
    """The check itself: a step with no link, or only a link to the glossary, fails; so does a link to a
    missing page or a missing anchor; a link to an existing section passes."""
    (tmp_path / "cases").mkdir()
    (tmp_path / "safety").mkdir()
    (tmp_path / "safety" / "last.html").write_text('<p id="last-checklist">card</p>', encoding="utf-8")
    page = tmp_path / "cases" / "case.html"
    html = (
        "<article><section><h1>Case</h1>"
        "<section><h2>Step 1: none</h2><p>No link at all.</p></section>"
        '<section><h2>Step 2: glossary only</h2><a class="reference internal" href="../glossary.html#x">t</a></section>'
        '<section><h2>Step 3: missing page</h2><a class="reference internal" href="../safety/gone.html">x</a></section>'
        '<section><h2>Step 4: missing anchor</h2><a class="reference internal" href="../safety/last.html#nope">x</a>'
        "</section>"
        '<section><h2>Step 5: good</h2><a class="reference internal" href="../safety/last.html#last-checklist">x</a>'
        "</section></section></article>"
    )
    found = steps(html)
    assert list(found) == [f"Step {n}: {t}" for n, t in enumerate(["none", "glossary only"], 1)] + [
        "Step 3: missing page",
        "Step 4: missing anchor",
        "Step 5: good",
    ]
    results = {title: teaching_links(step, page, tmp_path) for title, step in found.items()}
    assert results["Step 1: none"] == ([], [])
    assert results["Step 2: glossary only"] == ([], [])
    assert results["Step 3: missing page"] == ([], ["../safety/gone.html"])
    assert results["Step 4: missing anchor"] == ([], ["../safety/last.html#nope"])
    assert results["Step 5: good"] == (["../safety/last.html#last-checklist"], [])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_number_a_case_renders_is_the_data(site, case):
    """Each dose, size or time on a case page is rendered from docs/data/doses.yaml, as the data file has it
    (a case about a referral may render none)."""
    paths = re.findall(r"\{dose\}`([^`]+)`", case.read_text(encoding="utf-8"))
    soup = parsed(site.outdir / "cases" / f"{case.stem}.html")
    shown = [span.get_text() for span in soup.select("article span.dose")]
    assert shown == [doses.fmt(doses.lookup(DATA, path)) for path in paths]


def test_case_pages_lint_clean_numbers_included():
    """The linter runs on the case pages as clinical pages: no dose typed by hand (TPI201), no number
    without a source (TPI202), and the page conventions hold."""
    found = [str(f) for f in lint(CASES)]
    assert found == []


def test_a_dose_typed_inside_an_answer_is_caught(tmp_path):
    """The negative case: the same page with a volume typed by hand in an answer fails TPI201 at that line."""
    case = CASES[0]
    copy = tmp_path / "docs" / "cases" / case.name
    copy.parent.mkdir(parents=True)
    shutil.copytree(sources.DOCS / "data", tmp_path / "docs" / "data")
    shutil.copy(sources.DOCS / "references.bib", tmp_path / "docs" / "references.bib")
    lines = case.read_text(encoding="utf-8").splitlines()
    answer = lines.index(":::{dropdown} Answer")
    lines.insert(answer + 1, "Inject 1 mL at each point {cite:p}`roldan2020randomized`.\n")
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    typed = [(f.line, f.code) for f in lint([copy]) if f.code == "TPI201"]
    assert typed == [(answer + 2, "TPI201")]


def test_the_book_prints_each_answer_after_its_question(plain_book):
    """In the PDF the cases form a chapter of their own, and each answer is printed (the dropdown's title
    and body as plain text) after the step it answers."""
    text = "\n".join(plain_book.pages)
    for case in CASES:
        title = re.search(r"^# (.+)$", case.read_text(encoding="utf-8"), re.M).group(1)
        assert title.split(":")[1].strip()[:30] in " ".join(text.split()), f"{case.name} is not in the book"
    flat = " ".join(text.split())
    first = CASES[0].read_text(encoding="utf-8")
    question = re.search(r"^## (Step 1: .+)$", first, re.M).group(1)
    assert re.search(re.escape(question) + r".{0,600}Answer", flat), "the first answer follows its question"


def test_the_answers_are_closed_in_the_epub_too_without_the_icon_it_rejects(epub_file):
    """In the EPUB each answer is a closed <details> with its summary; sphinx-design's chevron, an inline SVG
    that an EPUB would have to declare (EPUBCheck OPF-014, RSC-005), is left out there."""
    with zipfile.ZipFile(epub_file) as epub:
        pages = {name: epub.read(name).decode("utf-8") for name in epub.namelist() if "cases/" in name}
    for case in CASES:
        page = next(text for name, text in pages.items() if name.endswith(f"cases/{case.stem}.xhtml"))
        soup = BeautifulSoup(page, "html.parser")
        answers = soup.select("details.sd-dropdown")
        assert len(answers) == len(re.findall(r"^## Step", case.read_text(encoding="utf-8"), re.M)), case.name
        assert all(not a.has_attr("open") and a.find("summary") for a in answers), case.name
        assert soup.find("svg") is None, case.name
