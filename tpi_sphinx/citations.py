"""Author-year citations and bibliography for sphinxcontrib-bibtex.

Clinicians scan a bibliography by author and year, so entries are sorted and
labelled that way ("Shah et al. 2015", "Neal et al. 2018a"), and a
parenthetical citation shows the same label in round brackets:
"(Shah et al. 2015; Kishner 2022)". A textual citation reads
"Shah et al. (2015)". Identifiers are shown as links (DOI, PMID); a URL only
where the source has no identifier. The ``note`` field is the editors'
provenance record and is never printed. Titles print as written in the .bib file. DOIs are printed as their
``https://doi.org/`` address, which needs no footnote in the PDF.

An entry names its first three authors, then "et al." (a paper with 30 authors otherwise fills a
paragraph), on the site, in the book and in the e-book alike; the DOI or PubMed record names them all.
"""

import dataclasses
import functools
import hashlib
import importlib.metadata
import unicodedata
from collections import Counter
from pathlib import Path

import pybtex.plugin
from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import FieldIsMissing, field, href, join, node, optional, sentence
from sphinx.application import Sphinx
from sphinxcontrib.bibtex import domain as bibtex_domain
from sphinxcontrib.bibtex import plugin as bibtex_plugin
from sphinxcontrib.bibtex.domain import BibtexDomain
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, GroupReferenceStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import BasicAuthorYearTextualReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_label import BasicLabelParentheticalReferenceStyle

from .incremental import enabled

_PLAIN_TEXT = PlainTextBackend()  # render_as("text") would look the backend up among entry points on every call


@functools.cache
def _installed_entry_points() -> importlib.metadata.EntryPoints:
    """Every installed package's entry points, read once (each look-up reads every package's metadata)."""
    found = (point for dist in importlib.metadata.distributions() for point in dist.entry_points)
    return importlib.metadata.EntryPoints(found)


@functools.cache
def _entry_points(**selection) -> tuple:
    return tuple(_installed_entry_points().select(**selection))


# pybtex looks its plugins up among the installed packages' entry points on every call (sphinxcontrib-bibtex
# asks for the plain-text backend once per citation), and so does sphinxcontrib-bibtex for its own plugins;
# the installed packages do not change during a build, so all of them read the packages' metadata once.
# (Set when this module is imported, unless the shortcuts are switched off: tpi_sphinx.incremental.)

# Names in plain text, converted from their LaTeX form (latexcodec's parser: most of the time the sorting and
# the labels take). Kept between builds with the formatted entries (below), as the conversion never changes.
_PLAIN: dict[str, str] = {}


def _plain(latex: str) -> str:
    if latex not in _PLAIN:
        _PLAIN[latex] = Text.from_latex(latex).render(_PLAIN_TEXT)
    return _PLAIN[latex]


def _surname(person) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names))


def _authors(entry: Entry) -> str:
    """ "Alvarez", "Alvarez & Rockwell" or "Neal et al."; the title if no author."""
    people = entry.persons.get("author") or entry.persons.get("editor")
    if not people:
        return entry.fields.get("title", "Anon.").split(":")[0]
    if len(people) == 1:
        return _surname(people[0])
    if len(people) == 2 and _surname(people[1]) != "others":  # "and others" in BibTeX
        return f"{_surname(people[0])} & {_surname(people[1])}"
    return f"{_surname(people[0])} et al."


MAX_NAMES = 3  # authors named in a bibliography entry before "et al."


def printed_persons(people: list) -> list:
    """The people an entry names: all of up to three, else the first three (then "et al.")."""
    people = [person for person in people if _surname(person) != "others"]  # "and others" in BibTeX
    return people if len(people) <= MAX_NAMES else people[:MAX_NAMES]


@node
def _names(children, context, role, **kwargs):
    """pybtex's ``names``, with the first three names, then "et al." when there are more."""
    if children:
        raise ValueError(children)
    try:
        people = context["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, context["entry"]) from None
    style = context["style"]
    shown = printed_persons(people)
    formatted = [style.format_name(person, style.abbreviate_names) for person in shown]
    if len(shown) < len(people):
        return join(sep=", ")[formatted + ["et al."]].format_data(context)
    return join(**kwargs)[formatted].format_data(context)


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels such as "Alvarez & Rockwell 2002" or "Neal et al. 2018a"."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        bases = [f"{_authors(e)} {e.fields.get('year', 'n.d.')}" for e in entries]
        totals = Counter(bases)
        seen: Counter = Counter()
        for base in bases:
            if totals[base] == 1:
                yield base
            else:
                yield base + "abcdefghijklmnopqrstuvwxyz"[seen[base]]
                seen[base] += 1


class AuthorYearSorting(BaseSortingStyle):
    """Sorted as the labels read, so "Lidocaine n.d." (no author) files under L."""

    def sorting_key(self, entry):
        base = unicodedata.normalize("NFKD", _authors(entry)).encode("ascii", "ignore").decode().lower()
        return (base, entry.fields.get("year", ""), entry.fields.get("title", "").lower())


class AuthorYearStyle(UnsrtStyle):
    default_sorting_style = AuthorYearSorting
    default_label_style = AuthorYearLabelStyle

    def format_entry(self, label, entry, bib_data=None):
        fields = {k: v for k, v in entry.fields.items() if k.lower() != "note"}
        if not _FORMATTED.active:
            clean = Entry(entry.type, fields=fields, persons=entry.persons)
            clean.key = entry.key
            return super().format_entry(label, clean, bib_data=bib_data)
        key = (_CODE, label, entry.key, entry.type, repr(sorted(fields.items())), repr(entry.persons))
        _FORMATTED.used.add(key)
        if key not in _FORMATTED.entries:
            clean = Entry(entry.type, fields=fields, persons=entry.persons)
            clean.key = entry.key
            _FORMATTED.entries[key] = super().format_entry(label, clean, bib_data=bib_data)
        return _FORMATTED.entries[key]

    def format_names(self, role, as_sentence=True):
        formatted = _names(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted

    def format_web_refs(self, e):
        has_identifier = any(k in e.fields for k in ("doi", "pmid"))
        return sentence[
            optional[self.format_doi(e)],
            optional[self.format_pmid(e)],
            optional[self.format_url(e)] if not has_identifier else "",
        ]

    def format_title(self, e, which_field, as_sentence=True):
        """The title as written in references.bib: sentence-casing it would lowercase
        acronyms and names ("MRI", "Simons'", "Delphi")."""
        title = field(which_field)
        return sentence[title] if as_sentence else title

    def format_doi(self, e):
        """The DOI as its address, so print shows where it leads (APA style)."""
        url = join["https://doi.org/", field("doi", raw=True)]
        return href(url)[url]

    def format_pmid(self, e):
        url = join["https://pubmed.ncbi.nlm.nih.gov/", field("pmid", raw=True), "/"]
        return href(url)[join["PMID: ", field("pmid", raw=True)]]


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclasses.dataclass
class AuthorYearReferences(GroupReferenceStyle):
    """{cite:p} -> "(Shah et al. 2015; Kishner 2022)"; {cite:t} -> "Shah et al. (2015)"."""

    bracket: BracketStyle = dataclasses.field(default_factory=_round)
    person: PersonStyle = dataclasses.field(default_factory=PersonStyle)

    def __post_init__(self):
        self.styles.extend(
            [
                BasicLabelParentheticalReferenceStyle(bracket=self.bracket),
                BasicAuthorYearTextualReferenceStyle(bracket=self.bracket, person=self.person),
            ]
        )
        super().__post_init__()


if enabled():  # before the registrations below, which look the plugins up too
    pybtex.plugin.entry_points = _entry_points
    bibtex_plugin.entry_points = _entry_points
register_plugin("pybtex.style.formatting", "tpi", AuthorYearStyle)
register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "tpi", AuthorYearReferences)


# -- Formatted entries kept between builds ---------------------------------------------------------
# sphinxcontrib-bibtex formats every entry on every build, changed or not; formatting is most of a
# no-change rebuild. Each formatted entry is kept in the Sphinx environment (pickled with it), keyed by
# everything that shapes it: this module's code, the label, and the entry's type, fields and names.


@dataclasses.dataclass
class _Formatted:
    entries: dict = dataclasses.field(default_factory=dict)
    used: set = dataclasses.field(default_factory=set)
    active: bool = False  # switched on in setup


_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
_FORMATTED = _Formatted()


def _restore_formatted(app: Sphinx, env) -> None:
    """Before sphinxcontrib-bibtex formats: hand the style the entries of the last build."""
    _FORMATTED.entries = getattr(env, "tpi_formatted_entries", {})
    _FORMATTED.used = set()
    code, plain = getattr(env, "tpi_plain_names", (None, {}))
    if code == _CODE:
        _PLAIN.update(plain)


def _keep_formatted(app: Sphinx, env) -> None:
    """After it: keep what this build used, for the next one."""
    env.tpi_formatted_entries = {k: v for k, v in _FORMATTED.entries.items() if k in _FORMATTED.used}
    env.tpi_plain_names = (_CODE, dict(_PLAIN))


# -- Which pages cite each entry, found once per bibliography --------------------------------------
# sphinxcontrib-bibtex (2.6) finds the pages citing an entry by scanning every citation for every entry,
# on every build; with 140 entries and 230 citations that is a sizeable share of a rebuild. The same
# method with the pages found in one pass (a patch that could go upstream); the result is the same.


def _filtered_entries(self: BibtexDomain, bibliography_key):
    bibliography = self.bibliographies[bibliography_key]
    citing: dict[str, set[str]] = {}
    for citation_ref in self.citation_refs:
        for key in {target.key for target in citation_ref.targets}:
            citing.setdefault(key, set()).add(citation_ref.docname)
    for entry in self.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        cited_docnames = set(citing.get(key, ()))
        visitor = bibtex_domain._FilterVisitor(
            entry=entry, docname=bibliography_key.docname, cited_docnames=cited_docnames
        )
        try:
            success = visitor.visit(bibliography.filter_)
        except ValueError as err:
            bibtex_domain.logger.warning(
                f"syntax error in :filter: expression; {err}",
                location=(bibliography_key.docname, bibliography.line),
                type="bibtex",
                subtype="filter_syntax_error",
            )
            success = bool(cited_docnames)
        if success or entry.key in bibliography.keys:
            yield key, entry


def setup(app: Sphinx) -> None:
    """Importing this module registers the style. Unless switched off (``TPI_FULL_REBUILD=1``, see
    tpi_sphinx.incremental), the shortcuts: formatted entries kept (the handlers wrap sphinxcontrib-bibtex's
    own, priority 500), citing pages found in one pass; and, set on import, plugin look-ups cached."""
    _FORMATTED.active = enabled()
    if not enabled():
        return
    BibtexDomain.get_filtered_entries = _filtered_entries
    app.connect("env-updated", _restore_formatted, priority=400)
    app.connect("env-updated", _keep_formatted, priority=600)
