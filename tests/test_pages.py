"""Clinical pages meet the page conventions of CONTRIBUTING.md. The conventions are lint rules
(tpi_sphinx/lint/pages.py: key points, sources, length, Related pages), reported at path:line with a fix."""

import pytest

from tpi_sphinx import sources
from tpi_sphinx.lint import lint

CLINICAL = [p for p in sources.pages() if (sources.front_matter(p) or {}).get("kind") in {"clinical", "patient"}]
PAGE_RULES = {"TPI501", "TPI502", "TPI503", "TPI504"}


@pytest.fixture(scope="module")
def conventions() -> dict[str, list[str]]:
    """The page-convention findings of every clinical page, by path, from one run of the linter."""
    found: dict[str, list[str]] = {}
    for finding in lint(CLINICAL):
        if finding.code in PAGE_RULES:
            found.setdefault(finding.path, []).append(str(finding))
    return found


def test_there_are_clinical_pages():
    assert len(CLINICAL) >= 25


@pytest.mark.parametrize("page", CLINICAL, ids=lambda p: sources.docname(p))
def test_clinical_page_conventions(page, conventions):
    problems = [f for path, found in conventions.items() if page.samefile(path) for f in found]
    assert problems == [], "\n".join(problems)


def test_red_flags_are_listed_once_and_linked_elsewhere():
    """One red-flag table (indications/referral, label red-flags); other pages link to it."""
    listing = [
        sources.docname(p)
        for p in CLINICAL + [sources.DOCS / "glossary.md"]
        if "saddle anesthesia" in p.read_text(encoding="utf-8").lower()
    ]
    assert listing == ["indications/referral"]
    assert "(red-flags)=" in (sources.DOCS / "indications" / "referral.md").read_text(encoding="utf-8")
    linking = [sources.docname(p) for p in sources.pages() if "{ref}`red-flags`" in p.read_text(encoding="utf-8")]
    assert len(linking) >= 3, linking
