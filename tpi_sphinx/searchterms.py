"""Search that understands clinicians: search terms fed into Sphinx's own search index.

``docs/data/search-terms.yaml`` maps the words readers type (abbreviations, brand and
drug-class names, anatomy, lay words for symptoms, billing codes, common misspellings,
short questions) to the page that owns the subject. When Sphinx feeds a page to its
search index (``sphinx.search.IndexBuilder.feed``), the page's terms are added

- word by word as title words (they score like a word of the page's title), and
- whole, as index entries of the page (a query that is, or nearly is, the term lists
  the page first, as Sphinx's ``{index}`` entries do; codes such as 20552 are found
  only this way, since the search ignores numbers in the full text).

The search language is Sphinx's English with a few more question words ignored
(``can``, ``soon``, ``vs``), so that "how soon can the patient exercise" asks for the words that
matter. ``searchscorer.js`` (``html_search_scorer``, Sphinx's hook for ranking) keeps
the glossary and the references list below the topic pages and adds to a page's score
for every further query word it has in its title or search terms.

Measured side by side on the query set (``tests/test_search_quality.py`` lists the
figures): Pagefind, with or without these terms, ranked worse and needs WebAssembly;
weighting the words of the key points as title words lowered the reciprocal rank
(0.961 against 0.974), so titles and search terms carry the weight.

A page whose terms change in the data file is read again on the next incremental
build, so its index entries and words stay in step (``tpi_sphinx.searchindex`` keeps
the others'). ``tests/test_search_quality.py`` measures the search in Chromium on
``tests/data/search-queries.yaml``; ``make bench`` prints the figures.
"""

from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.search import IndexBuilder
from sphinx.search.en import SearchEnglish
from sphinx.util import logging

logger = logging.getLogger(__name__)

DATA = Path("data") / "search-terms.yaml"  # under the source folder (docs/)
SCORER = Path(__file__).parent / "searchscorer.js"
EXTRA_STOPWORDS = frozenset({"can", "soon", "vs", "versus"})

_terms: dict[str, list[str]] = {}  # docname -> terms, for the build in progress


class SearchClinicalEnglish(SearchEnglish):
    """Sphinx's English search, with question words that carry no topic ignored."""

    stopwords = SearchEnglish.stopwords | EXTRA_STOPWORDS


def load(path: Path) -> dict[str, list[str]]:
    """The data file as {docname: [term, ...]}; raises ValueError on a malformed file."""
    from .sources import data_file

    data = data_file(path) or {}
    if not isinstance(data, dict):
        raise ValueError("expected a mapping of page -> list of terms")
    terms = {}
    for page, items in data.items():
        if not isinstance(items, list) or not all(isinstance(t, (str, int)) and str(t).strip() for t in items):
            raise ValueError(f"{page}: expected a list of non-empty terms")
        terms[str(page)] = [str(t).strip() for t in items]
    return terms


def problems(terms: dict[str, list[str]], docnames: set[str]) -> list[str]:
    """Pages that do not exist and terms listed twice for a page."""
    found = [f"{page}: no such page" for page in terms if page not in docnames]
    for page, items in terms.items():
        lowered = [t.lower() for t in items]
        found += [f"{page}: {t!r} listed twice" for t in sorted({t for t in lowered if lowered.count(t) > 1})]
    return found


def _shown(app: Sphinx) -> str:
    """The data file's path as the build reports it (relative to the project)."""
    path = Path(app.srcdir) / DATA
    return str(path.relative_to(app.confdir)) if path.is_relative_to(app.confdir) else str(path)


def _read(app: Sphinx) -> dict[str, list[str]]:
    path = Path(app.srcdir) / DATA
    if not path.exists():
        return {}
    try:
        return load(path)
    except (ValueError, yaml.YAMLError) as error:
        logger.warning(str(error), location=f"{_shown(app)}:1", type="tpi", subtype="searchterms")
        return {}


def _outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Pages whose terms changed since the last build are read (and indexed) again."""
    global _terms
    _terms = _read(app)
    before = getattr(env, "tpi_search_terms", {})
    env.tpi_search_terms = _terms
    return sorted(d for d in set(before) | set(_terms) if before.get(d) != _terms.get(d) and d in env.found_docs)


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    path = Path(app.srcdir) / DATA
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for problem in problems(_terms, set(env.found_docs)):
        page = problem.split(":", 1)[0]
        line = next((i for i, text in enumerate(lines, 1) if text.startswith(f"{page}:")), 1)
        logger.warning(problem, location=f"{_shown(app)}:{line}", type="tpi", subtype="searchterms")


def add_terms(index: IndexBuilder, docname: str, terms: list[str]) -> None:
    """Index ``terms`` for ``docname`` as title words and as index entries."""
    for term in terms:
        add_title_words(index, docname, term)
    entries = set(index._index_entries.get(docname, ()))
    entries |= {(term, "", "main") for term in terms}
    index._index_entries[docname] = sorted(entries)


def add_title_words(index: IndexBuilder, docname: str, text: str) -> None:
    """Index the words of ``text`` for ``docname`` as Sphinx indexes the words of a title."""
    lang = index.lang
    for word in lang.split(text):
        stemmed = lang.stem(word).lower()
        if lang.word_filter(stemmed):
            index._title_mapping.setdefault(stemmed, set()).add(docname)
        elif lang.word_filter(word.lower()):
            index._title_mapping.setdefault(word.lower(), set()).add(docname)


_feed = IndexBuilder.feed


def _feed_with_terms(self: IndexBuilder, docname, filename, title, doctree) -> None:
    _feed(self, docname, filename, title, doctree)
    if docname in _terms:
        add_terms(self, docname, _terms[docname])


def _use_scorer(app: Sphinx, config) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = str(SCORER)


def setup(app: Sphinx) -> None:
    IndexBuilder.feed = _feed_with_terms
    app.add_search_language(SearchClinicalEnglish)
    app.connect("config-inited", _use_scorer)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-updated", _check)
