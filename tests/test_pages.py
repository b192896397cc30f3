"""Clinical pages meet the page conventions of CONTRIBUTING.md."""

import re

import pytest

from tpi_sphinx import sources

CLINICAL = [p for p in sources.pages() if (sources.front_matter(p) or {}).get("kind") in {"clinical", "patient"}]


def _words(text: str) -> int:
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " ", text)  # roles
    text = re.sub(r"^[:`(].*$", " ", text, flags=re.M)  # directive and label lines
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))


def test_there_are_clinical_pages():
    assert len(CLINICAL) >= 25


@pytest.mark.parametrize("page", CLINICAL, ids=lambda p: sources.docname(p))
def test_clinical_page_conventions(page):
    body = sources.body(page)
    assert ":::{key-points}" in body
    assert len(set(sources.cited_keys(body))) >= 3
    assert _words(body) >= 300
    assert "## Related pages" in body or sources.front_matter(page)["kind"] == "patient"


def test_red_flags_are_listed_once_and_linked_elsewhere():
    """One red-flag table (indications/referral, label red-flags); other pages link to it."""
    listing = [sources.docname(p) for p in CLINICAL + [sources.DOCS / "glossary.md"]
               if "saddle anesthesia" in p.read_text(encoding="utf-8").lower()]
    assert listing == ["indications/referral"]
    assert "(red-flags)=" in (sources.DOCS / "indications" / "referral.md").read_text(encoding="utf-8")
    linking = [sources.docname(p) for p in sources.pages() if "{ref}`red-flags`" in p.read_text(encoding="utf-8")]
    assert len(linking) >= 3, linking
