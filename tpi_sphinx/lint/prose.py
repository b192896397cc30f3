"""The language of the pages: abbreviations, links, editing history and copy sites.

- TPI301: an abbreviation (2 to 6 capitals) used before the page defines it, as
  "Full Name (ABBR)" or with the glossary: {term}`ABBR`. :data:`COMMON` needs no definition.
- TPI302/TPI303: ``http://`` links, and bare web addresses in prose.
- TPI304: the phrases that narrate the editing process, the build's own list
  (:data:`tpi_sphinx.evidencegaps.NARRATION`), outside the evidence-gaps box.
- TPI305: links to copy or mirror sites, the bibliography's own list
  (:data:`tpi_sphinx.bibliography.COPY_HOSTS`, through ``copy_host``).
"""

import re

from ..bibliography import copy_host
from ..evidencegaps import CHECKED_KINDS as NARRATION_KINDS
from ..evidencegaps import NARRATION
from . import html
from .findings import Finding
from .markdown import Block, Page

COMMON = set("US USA UK EU MRI CT HIV ST PDF HTML EPUB URL DOI PMID ISBN OK II III IV VI VII VIII IX XI XII".split())
ABBREVIATION_KINDS = {"clinical", "patient", "reference", "section", "review"}
NOT_ABBREVIATED = {"glossary", "bibliography"}  # the glossary defines them; the bibliography quotes titles
_ABBREVIATION = re.compile(r"(?<![\w-])([A-Z]{2,6})(?:s|-\d+)?(?!\w)")  # NICE, RCTs, SF-36
_BARE_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()]+", re.I)
_LOCAL = re.compile(r"^http://(?:localhost|127\.0\.0\.1)\b")
_STOP_WORDS = {"of", "and", "for", "the", "in", "on", "to", "with", "de", "la", "&"}


def _initials(words: str) -> str:
    return "".join(word[0] for word in re.findall(r"[\w'-]+", words) if word.lower() not in _STOP_WORDS).upper()


def _contains_in_order(letters: str, abbreviation: str) -> bool:
    rest = iter(letters)
    return all(char in rest for char in abbreviation)


def _defines(text: str, start: int, end: int, abbreviation: str) -> bool:
    """True if the occurrence at text[start:end] is a definition: "Full Name (ABBR)" or "ABBR (Full Name)"."""
    if text[:start].rstrip().endswith("("):
        return True
    after = re.match(r"s?\s*\(([^)]*)\)", text[end:])
    return bool(after) and _contains_in_order(_initials(after.group(1)), abbreviation)


def abbreviations(page: Page, rel: str, glossary: dict[str, str]) -> list[Finding]:
    """TPI301, in reading order: the first use of each abbreviation must define it or follow its definition."""
    if page.kind not in ABBREVIATION_KINDS or page.path.stem in NOT_ABBREVIATED:
        return []
    defined, found = set(COMMON), []
    for block in page.blocks:
        for span in block.spans:
            if span.kind == "role" and span.name == "term":
                shown = re.sub(r"\s*<[^>]*>\s*$", "", span.text).strip()
                defined |= {shown, re.sub(r".*<([^>]*)>\s*$", r"\1", span.text).strip()}
            if span.kind != "text":
                continue
            for match in _ABBREVIATION.finditer(span.text):
                abbreviation = match.group(1)
                if abbreviation in defined:
                    continue
                defined.add(abbreviation)
                if not _defines(span.text, match.start(), match.end(), abbreviation):
                    full = glossary.get(abbreviation)
                    fix = (
                        f"write '{full} ({abbreviation})' or {{term}}`{abbreviation}`"
                        if full
                        else f"write the full name first: '<full name> ({match.group(0).removesuffix('s')})'"
                    )
                    found.append(
                        Finding(
                            rel,
                            span.line,
                            "TPI301",
                            f"'{match.group(0)}' is used before it is defined on this page",
                            fix,
                        )
                    )
    return found


def _addresses(block: Block):
    """(line, address, kind) for the links, images and bare addresses of a block."""
    for span in block.spans:
        if span.kind in {"link", "image"}:
            yield span.line, span.text, "autolink" if span.autolink else span.kind
        elif span.kind == "text":
            for match in _BARE_URL.finditer(span.text):
                yield span.line, match.group(0), "bare"
        elif span.kind == "html":
            for element in html.elements(span.text):
                for name in ("href", "src"):
                    if element.attrs.get(name):
                        yield span.line + element.line, element.attrs[name], "html"


def links(page: Page, rel: str) -> list[Finding]:
    """TPI302, TPI303 and TPI305."""
    found = []
    addresses = [a for block in page.blocks for a in _addresses(block)]
    for line, fragment in page.html:
        for element in html.elements(fragment):
            for name in ("href", "src"):
                if element.attrs.get(name):
                    addresses.append((line + element.line, element.attrs[name], "html"))
    for line, address, kind in addresses:
        if address.lower().startswith("http://") and not _LOCAL.match(address):
            found.append(
                Finding(rel, line, "TPI302", f"'{address}' is not encrypted", f"use '{'https://' + address[7:]}'")
            )
        if kind in {"bare", "autolink"}:
            found.append(Finding(rel, line, "TPI303", f"'{address}' is a bare web address"))
        if host := copy_host(address if "//" in address else "https://" + address):
            found.append(Finding(rel, line, "TPI305", f"'{address}' is on a copy or mirror site ({host})"))
    return found


def narration(page: Page, rel: str) -> list[Finding]:
    """TPI304: the build's list of editing-history phrases, outside the evidence-gaps box."""
    if page.kind not in NARRATION_KINDS:
        return []
    found = []
    for block in page.blocks:
        if "evidence-gaps" in block.within:
            continue
        for span in block.spans:
            if span.kind == "text" and (match := NARRATION.search(span.text)):
                found.append(Finding(rel, span.line, "TPI304", f"'{match.group(0)}' narrates the editing process"))
    return found


def check(page: Page, rel: str, glossary: dict[str, str]) -> list[Finding]:
    return abbreviations(page, rel, glossary) + links(page, rel) + narration(page, rel)
