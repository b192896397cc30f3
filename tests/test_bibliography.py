"""The bibliography holds exactly the cited sources, each identifiable, at its publisher, and once."""

import pytest
from pybtex.database import BibliographyData, Entry

from tpi_sphinx import bibliography, doses, sources

BIB = sources.bibliography()


def _cited() -> set[str]:
    """Keys cited in the pages, plus the sources of the numbers the dose tables render."""
    in_pages = {key for page in sources.pages() for key in sources.cited_keys(page.read_text(encoding="utf-8"))}
    return in_pages | doses.source_keys(doses.load(sources.DOCS / "data" / "doses.yaml"))


def test_every_entry_is_cited():
    uncited = sorted(set(BIB.entries) - _cited())
    assert uncited == []


def test_every_citation_has_an_entry():
    unknown = sorted(_cited() - set(BIB.entries))
    assert unknown == []


def test_the_bibliography_keeps_every_hygiene_rule():
    """Identifiers, publisher addresses, years and access dates, no duplicates, a verified note."""
    assert [f"{key}: {message}" for key, message in bibliography.problems(BIB)] == []


def _entry(kind="article", **fields) -> Entry:
    return Entry(
        kind, fields={"title": "T", "year": "2020", "note": "verified: https://pubmed.ncbi.nlm.nih.gov/1/", **fields}
    )


@pytest.mark.parametrize(
    "entries, expected",
    [
        ({"a": _entry(url="https://pubmed.ncbi.nlm.nih.gov/1/")}, "needs a doi or pmid"),
        ({"a": _entry(pmid="1", url="https://www.scribd.com/document/1")}, "copy or mirror (www.scribd.com)"),
        ({"a": _entry(pmid="1", url="http://47.251.13.51:8081/pubmed/1")}, "copy or mirror (47.251.13.51)"),
        ({"a": _entry(pmid="1", url="https://www.staging.medscape.com/answers/1")}, "copy or mirror"),
        ({"a": _entry("misc", url="https://test-ndf-staging.isomer.gov.sg/p", urldate="2026-11-26")}, "copy or mirror"),
        ({"a": _entry(doi="10.1/x"), "b": _entry(doi="10.1/X")}, "same doi as a"),
        ({"a": _entry(pmid="123"), "b": _entry(pmid="123")}, "same pmid as a"),
        (
            {
                "a": _entry("misc", url="https://x.org/a", urldate="2026-11-26"),
                "b": _entry("misc", url="http://www.x.org/a/", urldate="2026-11-26"),
            },
            "same url as a",
        ),
        (
            {
                "a": Entry(
                    "misc",
                    fields={"title": "T", "url": "https://x.org", "urldate": "2026-11-26", "note": "verified: x"},
                )
            },
            "web document needs a year",
        ),
        ({"a": _entry("misc", url="https://x.org")}, "web document needs a urldate"),
        ({"a": _entry(pmid="1", note="seen somewhere")}, "note must say where"),
        ({"a": _entry("misc", year="n.d.", url="https://x.org", urldate="2026-11-26")}, "say 'undated' in the note"),
    ],
)
def test_each_rule_catches_its_fault(entries, expected):
    found = bibliography.problems(BibliographyData(entries=entries))
    assert len(found) == 1 and expected in found[0][1], found


def test_publisher_pubmed_and_doi_addresses_pass():
    for url in (
        "https://doi.org/10.1136/rapm-2020-101986",
        "https://pubmed.ncbi.nlm.nih.gov/33148630/",
        "https://www.medicines.org.uk/emc/product/11612/smpc",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC1/",
    ):
        assert bibliography.copy_host(url) is None, url


def add_mirror_entry(project) -> int:
    """An entry whose address is on a copy site, at the end of the copy's references.bib; its line."""
    bib = project / "docs" / "references.bib"
    text = bib.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    bib.write_text(
        text + "@article{copy2020entry,\n  title = {T},\n  year = {2020},\n  pmid = {99999999},\n"
        "  url = {https://www.scribd.com/document/1},\n  note = {verified: x}\n}\n",
        encoding="utf-8",
    )
    return text.count("\n") + 1


def test_a_mirror_address_fails_the_build_naming_the_line(faulty_build):
    build, expected = faulty_build  # conftest.py: one copy, every injected fault of the suite, one build
    line = expected["mirror address"]
    assert any(f"docs/references.bib:{line}" in w and "scribd" in w for w in build.warnings), build.warnings


def test_the_fast_surname_renders_every_name_as_pybtex_does():
    """citations._surname renders with a cached plain-text backend (looking the backend up on every call
    cost seconds a build); every name in the bibliography comes out as pybtex's own render_as("text")."""
    from pybtex.plugin import find_plugin
    from pybtex.richtext import Text

    from tpi_sphinx import citations

    # render_as("text") is render(find_plugin("pybtex.backends", "text")()): the plugin found once, not per name
    backend = find_plugin("pybtex.backends", "text")
    assert Text.from_latex('van {\\"U}ber').render(backend()) == Text.from_latex('van {\\"U}ber').render_as("text")
    people = [p for e in sources.bibliography().entries.values() for ps in e.persons.values() for p in ps]
    assert len(people) > 300
    for person in people:
        latex = " ".join(person.prelast_names + person.last_names)
        assert citations._surname(person) == Text.from_latex(latex).render(backend()), latex


TITLE = "Local anesthetic systemic toxicity: current perspectives"


def retitle_an_entry(project) -> None:
    """Give one entry of the copy's references.bib a new title (test_reproducible's shared edited copy)."""
    bib = project / "docs" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    assert TITLE in text
    bib.write_text(text.replace(TITLE, "a retitled entry", 1), encoding="utf-8")


def test_formatted_entries_are_kept_between_builds_and_redone_when_an_entry_changes(edited):
    """A rebuild reuses the formatted entries of the last build (tpi_sphinx.citations) and renders the
    same bibliography as a clean build, and as a build without any of the shortcuts (TPI_FULL_REBUILD=1);
    an edited entry is formatted again. (test_reproducible's shared copy: built clean, written again with
    -a, pages edited and rebuilt, the edited sources built clean without the shortcuts, then an entry
    retitled and rebuilt.)"""
    import pickle

    from pybtex.richtext import Text

    from tpi_sphinx import citations

    def bibliography_page(folder) -> str:
        return (folder / "bibliography.html").read_text(encoding="utf-8")

    clean = bibliography_page(edited.first)
    assert bibliography_page(edited.written_again) == clean  # every page written again from the kept entries
    env = pickle.loads((edited.first / "environment.pickle").read_bytes())
    assert len(env.tpi_formatted_entries) == len(sources.bibliography().entries)
    code, names = env.tpi_plain_names  # the names in plain text, kept for the sorting and labels of the rebuild
    assert code == citations._CODE and len(names) >= 100
    assert all(plain == Text.from_latex(latex).render_as("text") for latex, plain in names.items())
    # The reference: sphinxcontrib-bibtex and pybtex as released, every entry formatted afresh.
    assert bibliography_page(edited.clean / "html") == bibliography_page(edited.rebuilt / "html") == clean
    reference = pickle.loads((edited.clean / "doctrees" / "environment.pickle").read_bytes())
    assert not hasattr(reference, "tpi_formatted_entries") and not hasattr(reference, "tpi_plain_names")
    assert TITLE in clean and "a retitled entry" not in clean
    rebuilt = bibliography_page(edited.retitled / "html")
    assert "a retitled entry" in rebuilt and TITLE not in rebuilt
