"""The content linter: ``python -m tpi_sphinx.lint [paths...]`` (``make lint``).

It reports ``path:line: CODE message (fix: ...)`` for each problem in the pages
and the dose data, in a couple of seconds, and exits 1 if there is any. The
rules, with their IDs and fixes, are :data:`findings.RULES` (documented in
CONTRIBUTING.md, "Lint rules"). One module a concern:

- ``findings``: the rules, a finding, silencing one line, "did you mean";
- ``markdown``: a page read the way MyST reads it, with lines;
- ``html``: raw HTML and images (its detection is also the build's: ``tpi_sphinx.rawhtml``);
- ``numbers``: typed doses and uncited numbers on clinical pages;
- ``prose``: abbreviations, links, editing history, copy sites;
- ``spelling``: codespell with the project's word list, US spelling;
- ``pages``: the conventions of a clinical page;
- ``xrefs``: unknown terms, citations, labels, pages and doses;
- ``data``: the dose data file.
"""

import functools
import os
import re
from pathlib import Path

import yaml

from .. import doses
from .. import sources as project_sources
from . import data, html, markdown, numbers, pages, prose, spelling, xrefs
from .findings import Finding, apply, silences

DOCS = project_sources.DOCS
_LABEL_NAME = re.compile(r"^:name:\s*(\S+)", re.M)


class Project:
    """What the pages may refer to: glossary terms, citation keys, labels, pages, doses."""

    def __init__(self, docs: Path):
        self.docs = docs
        self.extensions = frozenset(
            markdown.myst_extensions(docs.parent)
            if (docs.parent / "conf.py").exists()
            else markdown.myst_extensions(DOCS.parent)
        )

    @functools.cached_property
    def pages(self) -> dict[Path, markdown.Page]:
        return {path: markdown.read(path, self.extensions) for path in project_sources.pages(self.docs)}

    def page(self, path: Path) -> markdown.Page:
        return self.pages.get(path.resolve()) or markdown.read(path, self.extensions)

    @functools.cached_property
    def glossary(self) -> dict[str, str]:
        """Abbreviation -> full name, from the glossary's entries ("Local anesthetic systemic toxicity" / "LAST")."""
        expansions = {}
        for entry in project_sources.glossary(self.docs / "glossary.md"):
            full = next((name for name in entry.names if not name.isupper()), entry.names[0])
            expansions.update({name: full for name in entry.names if name.isupper()})
        return expansions

    @functools.cached_property
    def terms(self) -> set[str]:
        return {name.lower() for entry in project_sources.glossary(self.docs / "glossary.md") for name in entry.names}

    @functools.cached_property
    def bib_keys(self) -> set[str]:
        text = (self.docs / "references.bib").read_text(encoding="utf-8")
        return set(re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, re.M))

    @functools.cached_property
    def dose_data(self) -> dict:
        try:
            return doses.load(self.docs / "data" / "doses.yaml") or {}
        except (OSError, yaml.YAMLError):
            return {}  # reported by the data file's own check

    @functools.cached_property
    def dose_paths(self) -> list[str]:
        return [path for path, _ in doses.quantities(self.dose_data)]

    @functools.cached_property
    def labels(self) -> set[str]:
        found = set(xrefs.SPHINX_LABELS)
        for page in self.pages.values():
            found |= {label.lower() for _, label in page.targets}
            found |= {d.options["name"].lower() for d in page.directives if "name" in d.options}
        for render in doses.TABLES.values():
            try:
                found |= set(_LABEL_NAME.findall(render(self.dose_data)))
            except (KeyError, TypeError, ValueError, ZeroDivisionError, StopIteration):
                pass  # a broken data file: its own check reports it
        return found

    @functools.cached_property
    def docnames(self) -> set[str]:
        return {project_sources.docname(path, self.docs) for path in self.pages}


def project(docs: Path, _cache: dict = {}) -> Project:  # noqa: B006 (a cache on purpose)
    """The project of a docs/ folder, read again only when one of its files changed."""
    state = tuple((p, p.stat().st_mtime_ns) for p in sorted(docs.rglob("*")) if p.suffix in {".md", ".bib", ".yaml"})
    if docs not in _cache or _cache[docs][0] != state:
        _cache[docs] = (state, Project(docs))
    return _cache[docs][1]


def docs_of(path: Path) -> Path:
    """The docs/ folder a file belongs to (the reference's own for a file outside any)."""
    for parent in path.resolve().parents:
        if (parent / "references.bib").exists() and (parent / "glossary.md").exists():
            return parent
    return DOCS


def shown(path: Path) -> str:
    """The path as the report shows it: relative to the current folder where it is inside it."""
    absolute = path.resolve()
    return os.path.relpath(absolute) if absolute.is_relative_to(Path.cwd()) else str(path)


def files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        found += [*project_sources.pages(path), *path.rglob("doses.yaml")] if path.is_dir() else [path]
    return sorted({path.resolve() for path in found})


def _check_page(path: Path, context: Project, rel: str) -> tuple[list[Finding], list]:
    page = context.page(path)
    docname = project_sources.docname(path, context.docs) if path.is_relative_to(context.docs) else path.stem
    found = (
        html.check(page, context.docs, rel)
        + numbers.check(page, rel)
        + prose.check(page, rel, context.glossary)
        + spelling.british(page, rel)
        + pages.check(page, rel)
        + xrefs.check(page, rel, docname, context)
    )
    return found, silences(page.lines, page.code_lines)


def lint(paths: list[Path] | None = None) -> list[Finding]:
    """Every finding in the given pages, folders and data files (by default docs/ and docs/data/doses.yaml)."""
    targets = files(paths or [DOCS, DOCS / "data" / "doses.yaml"])
    rel = {path: shown(path) for path in targets}
    misspelt: dict[str, list[Finding]] = {}
    for finding in spelling.codespell([p for p in targets if p.suffix == ".md"], rel):
        misspelt.setdefault(finding.path, []).append(finding)
    found: list[Finding] = []
    for path in targets:
        context = project(docs_of(path))
        if path.suffix in {".yaml", ".yml"}:
            result = data.check(path, rel[path], context.bib_keys)
            marks = silences(path.read_text(encoding="utf-8").splitlines())
        else:
            result, marks = _check_page(path, context, rel[path])
        found += apply(result + misspelt.get(rel[path], []), rel[path], marks)
    return sorted(found)
