"""Pages that cite a source are written again when what they show of it changes (an edit to references.bib).

A page citing a source (``{cite:p}``, ``{cite:t}``) shows the entry's label ("Shah et al. 2015"), its
authors and year, and in the tooltip the whole formatted entry, title included; sphinxcontrib-bibtex fills
them in as the page is written. After an edit to ``docs/references.bib`` Sphinx reads again only the pages
that depend on the file (the bibliography page; a page with footnoted citations, formatted as it is read)
and writes those; every other page citing the edited entry kept its old title, label or authors until a
clean build (sphinxcontrib-bibtex's ``env-updated`` handler names no pages to write).

Here, after sphinxcontrib-bibtex has formatted the entries (``env-updated``), what a citing page shows of
each entry is summed up as a hash and kept in the environment; the pages citing an entry whose hash changed
since the last build (or that was added or removed) are written again, and no others. (When no page was read
and the .bib files are as before, as in a rebuild with nothing changed, the citations are the same: the
hashes are not worked out again.) Retitling one entry
writes the bibliography page and the pages citing that entry; an edit to an entry's ``note`` (never
printed) writes the bibliography page alone; a label that changes with another entry ("Neal et al. 2018a"
once a second Neal et al. 2018 is added) counts as a change of that entry too. Not a shortcut: it is on
with ``TPI_FULL_REBUILD=1`` as well (``tests/test_reproducible.py`` compares such a rebuild with a clean
build).
"""

import hashlib
from typing import cast

from pybtex.backends.plaintext import Backend as PlainTextBackend
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinxcontrib.bibtex.domain import BibtexDomain

logger = logging.getLogger(__name__)

_PLAIN_TEXT = PlainTextBackend()
UNPRINTED_FIELDS = {"note"}  # the editors' provenance record (tpi_sphinx.citations never prints it)


def _name_parts(person) -> tuple:
    return (person.first_names, person.middle_names, person.prelast_names, person.last_names, person.lineage_names)


def shown(domain: BibtexDomain) -> dict[str, str]:
    """{citation key: a hash of everything a citing page shows of the entry}: where its citation links to,
    its label, its tooltip (the formatted entry as sphinxcontrib-bibtex renders it into ``title``) and the
    fields and names the citation styles read (authors and year for "Shah et al. (2015)")."""
    parts: dict[str, list[str]] = {}
    for citation in domain.citations:
        entry = citation.entry
        bibliography = domain.bibliographies[citation.bibliography_key]
        tooltip = citation.tooltip_entry.text.render(_PLAIN_TEXT) if citation.tooltip_entry else None
        part = (
            citation.bibliography_key.docname,
            citation.citation_id,
            bibliography.list_,
            citation.formatted_entry.label,
            tooltip,
            entry.type,
            [(name, value) for name, value in entry.fields.items() if name.lower() not in UNPRINTED_FIELDS],
            [(role, [_name_parts(person) for person in people]) for role, people in entry.persons.items()],
        )
        parts.setdefault(citation.key, []).append(repr(part))
    return {key: hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest() for key, found in parts.items()}


def citing(domain: BibtexDomain, keys: set[str]) -> set[str]:
    """The pages that cite any of ``keys``."""
    return {ref.docname for ref in domain.citation_refs if any(target.key in keys for target in ref.targets)}


def note_pages_read(app: Sphinx, env, docnames: list[str]) -> None:
    env.tpi_citing_pages_read = bool(docnames)  # taken off before the environment is saved


def write_citing_pages(app: Sphinx, env) -> list[str]:
    """After sphinxcontrib-bibtex's ``env-updated`` handler: the pages citing an entry that changed."""
    domain = cast(BibtexDomain, env.get_domain("cite"))
    read = env.__dict__.pop("tpi_citing_pages_read", True)
    files = sorted((str(path), bibfile.mtime) for path, bibfile in domain.bibdata.bibfiles.items())
    before = getattr(env, "tpi_cited_entries", None)
    if not read and before is not None and getattr(env, "tpi_cited_files", None) == files:
        return []  # no page read and the same .bib files: the same citations (a rebuild with nothing changed)
    now = shown(domain)
    env.tpi_cited_entries, env.tpi_cited_files = now, files
    if before is None:  # an environment from before this module: what its pages show is unknown
        changed = set(now) | {target.key for ref in domain.citation_refs for target in ref.targets}
    else:
        changed = {key for key in now.keys() | before.keys() if now.get(key) != before.get(key)}
    pages = sorted(citing(domain, changed) & env.found_docs)
    if pages and before is not None:
        logger.info(f"{len(pages)} pages cite an edited source: {', '.join(pages)}")
    return pages


def setup(app: Sphinx) -> None:
    app.connect("env-before-read-docs", note_pages_read)
    app.connect("env-updated", write_citing_pages, priority=700)  # sphinxcontrib-bibtex's handler: 500
