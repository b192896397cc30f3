"""Cross-references a strict build would reject, found in seconds and with "did you mean":
unknown glossary terms (TPI601), citation keys (TPI602), labels (TPI603), pages (TPI604)
and dose quantities (TPI605).
"""

import posixpath
import re

from .. import doses
from .findings import Finding, suggest
from .markdown import Page

_TARGET = re.compile(r"<([^<>]+)>\s*$")
SPHINX_LABELS = {"genindex", "modindex", "search"}


def target(text: str) -> str:
    """ "shown text <target>" -> "target"; "target" -> "target"."""
    match = _TARGET.search(text)
    return (match.group(1) if match else text).strip()


def check(page: Page, rel: str, docname: str, project) -> list[Finding]:
    found = []

    def unknown(line: int, code: str, what: str, name: str, choices) -> None:
        found.append(Finding(rel, line, code, f"{what} '{name}' does not exist", suggest(name, choices)))

    for block in page.blocks:
        for span in (s for s in block.spans if s.kind == "role"):
            name, role = target(span.text), span.name
            if role == "term" and name.lower() not in project.terms:
                unknown(span.line, "TPI601", "glossary term", name, project.terms)
            elif role.startswith(("cite", "footcite")):
                for key in (k.strip() for k in span.text.split(",")):
                    if key not in project.bib_keys:
                        unknown(span.line, "TPI602", "citation key", key, project.bib_keys)
            elif role in {"ref", "numref"} and name.lower() not in project.labels:
                unknown(span.line, "TPI603", "label", name, project.labels)
            elif role == "doc":
                path = (
                    name.lstrip("/")
                    if name.startswith("/")
                    else posixpath.normpath(posixpath.join(posixpath.dirname(docname), name))
                )
                if path not in project.docnames:
                    unknown(span.line, "TPI604", "page", name, ["/" + d for d in project.docnames])
            elif role == "dose":
                try:
                    doses.lookup(project.dose_data, name)
                except (KeyError, TypeError, IndexError, ValueError):
                    unknown(span.line, "TPI605", "dose quantity", name, project.dose_paths)
    return found
