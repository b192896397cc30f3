"""Read the reference's sources without building them.

Used by the tests (and by anything else that checks the sources): the pages
under ``docs/``, their front matter, the citations and glossary terms they
use, the glossary itself and the bibliography.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pybtex.database import BibliographyData, parse_file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_CITE = re.compile(r"\{(?:foot)?cite(?::\w+)?\}`([^`]+)`")
_TERM = re.compile(r"\{term\}`([^`]+)`")


def data_file(path: Path):
    """A YAML data file of the reference, read safely (with libyaml's C loader where it is installed)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def pages(docs: Path = DOCS) -> list[Path]:
    """Every MyST page of the reference, sorted."""
    return sorted(p for p in docs.rglob("*.md") if not any(part.startswith("_") for part in p.relative_to(docs).parts))


def docname(path: Path, docs: Path = DOCS) -> str:
    return path.relative_to(docs).with_suffix("").as_posix()


def front_matter(path: Path) -> dict | None:
    """The page's front matter as MyST hands it to Sphinx (values as strings), or None."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        return None
    data = yaml.safe_load(match.group(1)) or {}
    return {key: str(value) for key, value in data.items()}


def body(path: Path) -> str:
    """The page text after its front matter."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    return text[match.end() :] if match else text


def cited_keys(text: str) -> list[str]:
    """Citation keys used in ``{cite:p}`` / ``{cite:t}`` roles, in order."""
    return [key.strip() for group in _CITE.findall(text) for key in group.split(",")]


def term_targets(text: str) -> list[str]:
    """Glossary terms referenced with ``{term}``, lower-cased (``text <target>`` gives target)."""
    targets = []
    for ref in _TERM.findall(text):
        match = re.search(r"<([^>]+)>\s*$", ref)
        targets.append((match.group(1) if match else ref).strip().lower())
    return targets


@dataclass
class GlossaryEntry:
    names: list[str]  # the term and its synonyms, as written
    line: int


def glossary(path: Path = DOCS / "glossary.md") -> list[GlossaryEntry]:
    """Entries of the ``{glossary}`` directive: consecutive unindented lines name one entry."""
    entries: list[GlossaryEntry] = []
    inside, previous_was_term = False, False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```{glossary}"):
            inside = True
            continue
        if not inside:
            continue
        if line.startswith("```"):
            break
        if not line.strip() or line.startswith(":") or line.startswith(" "):
            previous_was_term = False
            continue
        if previous_was_term:
            entries[-1].names.append(line.strip())
        else:
            entries.append(GlossaryEntry([line.strip()], number))
        previous_was_term = True
    return entries


def bibliography(path: Path = DOCS / "references.bib") -> BibliographyData:
    """The parsed .bib file; parsed once per version of the file (the build reads it twice:
    for the dose sources and for the bibliography checks)."""
    return _parse_bib(str(path), Path(path).stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _parse_bib(path: str, _mtime_ns: int) -> BibliographyData:
    return parse_file(path, bib_format="bibtex")
