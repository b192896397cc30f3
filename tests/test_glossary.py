"""Every glossary term is defined once, in order, and used somewhere."""

from collections import Counter

from tpi_sphinx import sources


def _all_term_refs(exclude_glossary: bool) -> set[str]:
    refs = set()
    for page in sources.pages():
        if exclude_glossary and page.name == "glossary.md":
            continue
        refs.update(sources.term_targets(page.read_text(encoding="utf-8")))
    return refs


def test_glossary_has_at_least_15_terms():
    assert len(sources.glossary()) >= 15


def test_each_term_is_defined_once():
    names = Counter(name.lower() for entry in sources.glossary() for name in entry.names)
    assert [name for name, count in names.items() if count > 1] == []


def test_terms_are_in_alphabetical_order():
    firsts = [entry.names[0].lower() for entry in sources.glossary()]
    assert firsts == sorted(firsts)


def test_each_term_is_referenced_from_a_page():
    used = _all_term_refs(exclude_glossary=True)
    unused = [entry.names[0] for entry in sources.glossary() if not {n.lower() for n in entry.names} & used]
    assert unused == []
