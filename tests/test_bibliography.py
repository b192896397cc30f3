"""The bibliography holds exactly the cited sources, each identifiable."""

from tpi_sphinx import doses, sources

WEB_TYPES = {"misc", "online"}  # labels, coverage documents, web pages: no DOI/PMID/ISBN exists


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


def test_every_entry_is_identifiable():
    """Articles and books need a DOI, PMID or ISBN; web documents (misc) at least a URL."""
    bad = []
    for key, entry in BIB.entries.items():
        fields = {name.lower() for name in entry.fields}
        if entry.type.lower() in WEB_TYPES and not fields & {"doi", "pmid", "isbn"}:
            if "url" not in fields:
                bad.append(f"{key}: web document needs a url")
        elif not fields & {"doi", "pmid", "isbn"}:
            bad.append(f"{key}: needs doi, pmid or isbn")
    assert bad == []


def test_every_entry_records_where_it_was_verified():
    missing = [key for key, entry in BIB.entries.items()
               if not entry.fields.get("note", "").startswith("verified:")]
    assert missing == []
