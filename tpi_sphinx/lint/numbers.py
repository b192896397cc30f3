"""Numbers on clinical and patient pages: doses come from the data file, and every number has a source.

- TPI201: a dose, concentration, volume or needle size typed in prose (:data:`TYPED`)
  instead of rendered with ``{dose}`path```. A study's own figure quoted as a
  result ("42% of patients") is not a dose; a quoted dose is silenced on its line
  with the reason ``quote: ...``.
- TPI202: a paragraph, table row or key point that holds a number (a ``{dose}``
  counts) but no citation; a ``{ref}`` or ``{doc}`` link to the page that owns
  the number will do. Years, version numbers (0.2.0) and numbers that are part of a name (SF-36) are not
  numbers here.
"""

import re

from .findings import Finding
from .markdown import Block, Page

CHECKED_KINDS = {"clinical", "patient", "review"}
_NUMBER = r"\d+(?:[.,]\d+)*"
_RANGE = rf"{_NUMBER}(?:\s*(?:–|-|to)\s*{_NUMBER})?"
# Agents and solutions a percentage is the concentration of ("1% lidocaine", "lipid emulsion 20%").
_AGENTS = (
    r"(?:lidocaine|lignocaine|xylocaine|bupivacaine|levobupivacaine|marcaine|sensorcaine|ropivacaine|"
    r"mepivacaine|prilocaine|procaine|chloroprocaine|articaine|tetracaine|lipid|intralipid|emulsion|dextrose|"
    r"saline|sodium chloride|solution|epinephrine|adrenaline|triamcinolone|methylprednisolone|dexamethasone|"
    r"betamethasone|ketorolac|chlorhexidine|povidone|w/v)"
)
TYPED = re.compile(
    rf"(?<![\w.])(?:{_RANGE}\s*(?:mg\b(?!/(?:d?l|dL)\b)(?:/(?:kg|mL|ml))?|mg/kg|(?:µg|μg|mcg)\b(?:/kg)?"
    rf"|micrograms?\b|milligrams?\b|mL\b(?:/kg)?|ml\b|milliliters?\b|millilitres?\b|cc\b|cm\b(?![²³2])"
    rf"|mm\b(?![²³2]|\s*Hg)|-?gauge\b|G\b|-?inch(?:es)?\b)"  # a number with a unit of dose, volume or size
    rf"|{_AGENTS}\s+(?:hydrochloride\s+|HCl\s+)?{_RANGE}\s*(?:%|percent\b)"  # lidocaine 1%
    rf"|{_RANGE}\s*(?:%|percent\b)\s+(?:\w+\s+)?{_AGENTS}"  # 1% lidocaine, 0.5% plain bupivacaine
    rf"|1\s*:\s*\d{{1,3}}(?:,\d{{3}})+)",  # 1:100,000 epinephrine
    re.I,
)
_GAUGE = re.compile(r"^\d+\s*G$")
# A number in prose, not part of a name (SF-36, HbA1c, ICHD-3) and not a year.
_ANY_NUMBER = re.compile(r"(?<![\w.,/-])\d+(?:[.,]\d+)*(?!\w)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")  # a version of the reference, as in a versionchanged note
CITING = ("cite", "footcite")
LINKING = {"ref", "numref", "doc"}
EXEMPT = {"action-card", "dose-table", "question"}  # an action card carries no citations: its sources follow it;
# a question's stem and options carry none either: its rationale cites (the build checks it, tpi_sphinx.questions)


def typed(block: Block) -> list[tuple[int, str]]:
    """(line, text) for each dose, concentration, volume or size typed by hand in a block."""
    found = []
    for span in block.spans:
        if span.kind == "text":
            for match in TYPED.finditer(span.text):
                gauge = _GAUGE.match(match.group(0))
                if not gauge or 14 <= int(match.group(0).split()[0].rstrip("G")) <= 34:
                    found.append((span.line, match.group(0)))
    return found


def numbers(block: Block) -> list[tuple[int, str]]:
    """(line, number) for each number in a block, a {dose} included."""
    found = []
    for span in block.spans:
        if span.kind == "role" and span.name == "dose":
            found.append((span.line, f"{{dose}}`{span.text}`"))
        elif span.kind == "text":
            found += [
                (span.line, m.group(0))
                for m in _ANY_NUMBER.finditer(span.text)
                if not _YEAR.match(m.group(0)) and not _VERSION.match(m.group(0))
            ]
    return found


def sourced(blocks: list[Block]) -> bool:
    return any(
        span.kind == "role" and (span.name.startswith(CITING) or span.name in LINKING)
        for block in blocks
        for span in block.spans
    )


def check(page: Page, rel: str) -> list[Finding]:
    if page.kind not in CHECKED_KINDS:
        return []
    found = []
    for block in page.blocks:
        for line, text in typed(block):
            found.append(Finding(rel, line, "TPI201", f"'{text}' is typed by hand"))
    units: dict[int, list[Block]] = {}
    cited_columns = {(b.table, b.column) for b in page.blocks if b.header and sourced([b])}
    for block in page.blocks:
        if block.part != "paragraph" or block.header or EXEMPT & set(block.within):
            continue
        if (block.table, block.column) in cited_columns:
            continue  # the column's header cites the source of its numbers
        units.setdefault(block.unit, []).append(block)
    for blocks in units.values():
        first = next((n for block in blocks for n in numbers(block)), None)
        if first and not sourced(blocks):
            found.append(
                Finding(
                    rel,
                    first[0],
                    "TPI202",
                    f"'{first[1]}' has no citation in its {'table row' if blocks[0].table else 'paragraph'}",
                )
            )
    return found
