"""What the linter reports: the rules, one finding per problem, silencing and "did you mean".

Every rule has a stable ID, what it catches and a one-line fix (:data:`RULES`,
documented in CONTRIBUTING.md). A writer silences one finding on one line, with
a reason, by a comment that starts ``lint: ignore[ID]``:

- at the end of the line: ``... 52% of patients <!-- lint: ignore[TPI201] quote: the trial's own figure -->``
  (in YAML: ``# lint: ignore[TPI401] reason``);
- or alone on the line before: ``% lint: ignore[TPI105] reason`` (a MyST comment; in YAML ``# ...``).

A silence without a reason, with an unknown ID or that silences nothing is itself a finding.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    catches: str  # what the rule catches, one line
    fix: str  # how to fix it, one line


RULES = {
    rule.code: rule
    for rule in [
        # Safety of the site: raw HTML and images
        Rule(
            "TPI101",
            "raw HTML that runs code: <script>, an on...= event attribute, a javascript: address",
            "delete it: a page runs no code; link with [text](https://...)",
        ),
        Rule(
            "TPI102",
            "raw HTML that embeds or sends to another document: <iframe>, <object>, <embed>, <form>, <base>...",
            "delete it: link to the document with [text](https://...) instead",
        ),
        Rule("TPI103", "a data: address in a link or image", "save the file under docs/ and link or show that file"),
        Rule(
            "TPI104",
            "an image, script, stylesheet, font or media loaded from another site",
            "save the file under docs/ (with its license) and use the local copy",
        ),
        Rule(
            "TPI105",
            "an image without alt text",
            'say what the image shows: ![what it shows](file.png), :alt: or alt="..."',
        ),
        Rule(
            "TPI106",
            "an image file over the size budget (a clinical page must stay light on a phone)",
            "shrink the image (PNG/JPEG, about 1200 px wide at most) below the budget",
        ),
        # Numbers on clinical and patient pages
        Rule(
            "TPI201",
            "a dose, concentration, volume or needle size typed in the prose of a clinical or patient page",
            "add the number to docs/data/doses.yaml with its source and write {dose}`its.path`",
        ),
        Rule(
            "TPI202",
            "a paragraph, table row or key point with a number and no citation",
            "cite the source of the number: {cite:p}`key`, or link the page that owns it with {ref}`label`",
        ),
        # Language and links
        Rule(
            "TPI301",
            "an abbreviation used on a page before the page defines it",
            "write the full name first: 'Full Name (ABBR)', or link the glossary term: {term}`ABBR`",
        ),
        Rule("TPI302", "an http:// link", "use the https:// address"),
        Rule("TPI303", "a bare web address in prose", "give the link words: [what it is](https://...)"),
        Rule(
            "TPI304",
            "a note about the editing process in clinical text ('not retrieved', 'could not be verified'...)",
            "say what is unknown in the {evidence-gaps} box; keep source history in the bibliography note",
        ),
        Rule(
            "TPI305",
            "a link to a document-copy or mirror site",
            "link the publisher, PubMed or https://doi.org/... instead",
        ),
        Rule(
            "TPI306",
            "a misspelt word (codespell)",
            "correct it; a correct medical word goes in tpi_sphinx/lint/words.txt",
        ),
        Rule(
            "TPI307",
            "British spelling of a medical word (the reference uses US spelling)",
            "use the US spelling: anesthetic, orthopedic, hematoma, edema, pediatric",
        ),
        # The dose data file
        Rule(
            "TPI401",
            "a physically implausible number in docs/data/doses.yaml: zero or negative, a percentage over 100, "
            "a range whose low end exceeds its high end, a per-kg limit whose cap needs an implausible weight",
            "correct the number against its source",
        ),
        Rule(
            "TPI402",
            "any other fault in docs/data/doses.yaml the build rejects (unit, source, missing cap)",
            "correct the entry as the message says (see 'Doses and other safety numbers')",
        ),
        # Page conventions
        Rule(
            "TPI501",
            "a clinical or patient page without a {key-points} box of 3 to 6 bullets",
            "open the page with :::{key-points} holding 3 to 6 bullets a clinician can act on",
        ),
        Rule("TPI502", "a clinical page citing fewer than 3 distinct sources", "cite at least 3 distinct sources"),
        Rule(
            "TPI503",
            "a clinical page of fewer than 300 words",
            "write at least 300 words, or merge the page into another",
        ),
        Rule(
            "TPI504",
            "a clinical page without the exact heading '## Related pages' at its end",
            "end the page with '## Related pages' and a bulleted list of {doc} links",
        ),
        # Cross-references
        Rule("TPI601", "an unknown glossary term in {term}", "use a term of docs/glossary.md, or add it there"),
        Rule("TPI602", "an unknown citation key", "use a key of docs/references.bib, or add the entry there"),
        Rule(
            "TPI603", "an unknown label in {ref} or {numref}", "use an existing label, e.g. (label)= before a heading"
        ),
        Rule("TPI604", "an unknown page in {doc}", "use the page's path under docs/ without .md, e.g. /safety/last"),
        Rule("TPI605", "an unknown quantity in {dose}", "use a path of docs/data/doses.yaml, e.g. last.onset_latest"),
        # Silences
        Rule(
            "TPI901",
            "a lint silence without a reason or with an unknown rule ID",
            "write lint: ignore[TPI123] and why, e.g. 'quote: the trial's own figure'",
        ),
        Rule("TPI902", "a lint silence that silences nothing", "remove the silence"),
    ]
}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    code: str
    message: str
    fix: str = ""  # a fix for this finding ("did you mean ..."); the rule's fix otherwise

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message} (fix: {self.fix or RULES[self.code].fix})"


def suggest(word: str, choices: Iterable[str]) -> str:
    """ "did you mean 'x'?" for the closest choice, or "" when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else ""


# -- Silencing one line ----------------------------------------------------------

MARKER = re.compile(r"lint:\s*ignore\[([^\]]*)\]\s*(.*?)\s*(?:-->)?\s*$")


@dataclass
class Silence:
    line: int  # where the comment is
    target: int  # the line it silences
    codes: list[str]
    reason: str
    used: bool = False


def silences(lines: list[str], skip: set[int] = frozenset()) -> list[Silence]:
    """The silences in a file's lines (1-based line numbers), except on the ``skip`` lines (code blocks)."""
    found = []
    for number, line in enumerate(lines, start=1):
        if number in skip or not (match := MARKER.search(line)) or line[: match.start()].count("`") % 2:
            continue  # in a code block, no silence; in `code`, an example of one
        codes = [code.strip() for code in match.group(1).split(",") if code.strip()]
        alone = line[: match.start()].strip() in {"%", "#", "<!--"}  # a comment line of its own
        found.append(Silence(number, number + 1 if alone else number, codes, match.group(2)))
    return found


def apply(findings: list[Finding], path: str, marks: list[Silence]) -> list[Finding]:
    """The findings left once the silences of one file are applied, plus the faults of the silences."""
    left = []
    for finding in findings:
        mark = next((m for m in marks if m.target == finding.line and finding.code in m.codes and m.reason), None)
        if mark:
            mark.used = True
        else:
            left.append(finding)
    for mark in marks:
        unknown = [code for code in mark.codes if code not in RULES]
        if not mark.codes or unknown:
            hint = suggest(unknown[0], RULES) if unknown else ""
            left.append(
                Finding(
                    path,
                    mark.line,
                    "TPI901",
                    f"unknown rule ID {', '.join(unknown) or '(none)'}",
                    hint and f"{hint} ({RULES['TPI901'].fix})",
                )
            )
        elif not mark.reason:
            left.append(Finding(path, mark.line, "TPI901", f"the silence of {', '.join(mark.codes)} gives no reason"))
        elif not mark.used:
            left.append(
                Finding(
                    path,
                    mark.line,
                    "TPI902",
                    f"nothing to silence: no {', '.join(mark.codes)} finding on line {mark.target}",
                )
            )
    return left
