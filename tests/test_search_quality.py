"""Search that understands clinicians: the site's own search, run in Chromium on the
query set in tests/data/search-queries.yaml (acronyms, drug and brand names, anatomy,
lay words, misspellings, codes, questions), must put a page that owns the answer in
the first three results. `make bench` prints the same figures (scripts/bench.py).

Figures are per page: a result list is read as the pages in the order they first
appear (a page listed again for a section or an index entry counts once).

The test ranks every query in one loaded search page, through the functions the page
itself calls (a second each for the whole set); `make bench` loads the search page for
each query, as a reader does, to time it. A test checks that the two give the same lists.

Measured on this set (115 queries, headless Chromium, 2026-11-26), side by side:

- Sphinx 9.0.4's stock search: top-3 63.5%, mean reciprocal rank 0.528, median 307 ms;
- Pagefind 1.5.2 (``pagefind[extended]``, article text only): 73.0%, 0.675, 505 ms;
- Pagefind with the same search terms (hidden, weighted): 96.5%, 0.938, 404 ms;
- Sphinx with tpi_sphinx.searchterms (kept): 100%, 0.974, 245-350 ms, with no WebAssembly
  (Pagefind needs 'wasm-unsafe-eval' in the Content-Security-Policy) and 10 KB more index.

The last 15 queries were written after the terms were tuned: stock Sphinx 10 of 15 in the
top three, with the search terms 15 of 15.
"""

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import yaml

from tpi_sphinx import searchterms

ROOT = Path(__file__).resolve().parent.parent

QUERIES = Path(__file__).parent / "data" / "search-queries.yaml"
TOP3_GOAL = 0.95  # issue 11: at least 95% of the queries with a right page in the first three
MRR_GOAL = 0.90  # and a mean reciprocal rank of at least 0.9

# Sphinx's search writes one of these in the summary line when it has listed every result.
FINISHED = """() => {
  const s = document.querySelector('#search-results .search-summary');
  return s !== null && /Search finished|did not match/.test(s.textContent);
}"""
RESULT_LINKS = "() => [...document.querySelectorAll('#search-results ul.search > li > a')].map(a => a.href)"


@dataclass
class Outcome:
    query: str
    kind: str
    expect: list[str]
    pages: list[str]  # result pages (docnames), best first, each once
    seconds: float | None  # from asking for the search page to the finished result list (bench: measure)

    @property
    def rank(self) -> int | None:
        """Rank (1-based) of the first expected page, or None."""
        return next((i + 1 for i, page in enumerate(self.pages) if page in self.expect), None)


@dataclass
class Figures:
    outcomes: list[Outcome]

    @property
    def top3(self) -> float:
        return sum(1 for o in self.outcomes if o.rank is not None and o.rank <= 3) / len(self.outcomes)

    @property
    def mrr(self) -> float:
        return sum(1 / o.rank for o in self.outcomes if o.rank) / len(self.outcomes)

    @property
    def median_ms(self) -> float | None:
        timed = [o.seconds for o in self.outcomes if o.seconds is not None]
        return statistics.median(timed) * 1000 if timed else None

    def summary(self) -> str:
        timed = f", median time to results {self.median_ms:.0f} ms" if self.median_ms is not None else ""
        return f"{len(self.outcomes)} queries: top-3 {self.top3:.1%}, mean reciprocal rank {self.mrr:.3f}{timed}"

    def misses(self) -> list[str]:
        return [
            f"{o.query!r} ({o.kind}): expected {o.expect}, rank {o.rank}, got {o.pages[:3]}"
            for o in self.outcomes
            if o.rank is None or o.rank > 3
        ]


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def docname(base: str, href: str) -> str:
    """'http://127.0.0.1:8000/safety/last.html#x' -> 'safety/last'."""
    path = urlsplit(href).path[len(urlsplit(base).path) :].lstrip("/")
    return path.removesuffix(".html")


def search(page, base: str, query: str) -> tuple[list[str], float]:
    """Run one query through the site's search page; the result pages in order and the time taken."""
    start = time.perf_counter()
    page.goto(f"{base}/search.html?q={quote(query)}", wait_until="commit")
    page.wait_for_function(FINISHED, polling=10, timeout=15000)
    seconds = time.perf_counter() - start
    pages = []
    for href in page.evaluate(RESULT_LINKS):
        if (name := docname(base, href)) not in pages:
            pages.append(name)
    return pages, seconds


def measure(page, base: str, queries: list[dict]) -> Figures:
    """Each query as a reader asks it (the search page loaded with it), timed."""
    outcomes = []
    for q in queries:
        pages, seconds = search(page, base, str(q["query"]))
        outcomes.append(Outcome(str(q["query"]), q["kind"], q["expect"], pages, seconds))
    return Figures(outcomes)


# What the search page does with the query in its address (searchtools.js: Search.query), without writing the
# list: the results in the order the page lists them (it pops them from the end). The ranking
# (tpi_sphinx/searchscorer.js) reads the query from the address, so the address is set first.
RANK = """queries => queries.map(query => {
  history.replaceState(null, "", "?q=" + encodeURIComponent(query));
  const [searchQuery, searchTerms, excludedTerms, highlightTerms, objectTerms] = Search._parseQuery(query);
  const results = Search._performSearch(searchQuery, searchTerms, excludedTerms, highlightTerms, objectTerms);
  return results.map(result => result[0]).reverse();
})"""


def rank(page, base: str, queries: list[dict]) -> Figures:
    """Every query ranked in one loaded search page, untimed."""
    page.goto(f"{base}/search.html")
    page.wait_for_function("() => Search.hasIndex()", polling=10, timeout=15000)
    listed = page.evaluate(RANK, [str(q["query"]) for q in queries])
    return Figures(
        [
            Outcome(str(q["query"]), q["kind"], q["expect"], list(dict.fromkeys(names)), None)
            for q, names in zip(queries, listed, strict=True)
        ]
    )


def test_the_query_set_is_realistic_and_points_at_real_pages(site):
    queries = load_queries()
    assert len(queries) >= 60
    assert {q["kind"] for q in queries} >= {"acronym", "drug", "anatomy", "lay", "misspelling", "code", "question"}
    for q in queries:
        for name in q["expect"]:
            assert (site.outdir / f"{name}.html").is_file(), f"{q['query']!r}: no page {name}"


def test_search_puts_the_owning_page_in_the_first_three(served, page):
    figures = rank(page, served, load_queries())
    print("\nsearch:", figures.summary())
    print("\n".join(figures.misses()))
    assert figures.top3 >= TOP3_GOAL, figures.summary() + "\n" + "\n".join(figures.misses())
    assert figures.mrr >= MRR_GOAL, figures.summary()
    # the glossary defines, the topic pages treat: it never comes first
    assert [o.query for o in figures.outcomes if o.pages[:1] == ["glossary"]] == []


def test_the_measure_counts_a_wrong_page_as_a_miss(served, page):
    """Negative case: the same search, with expectations no search could meet, scores zero."""
    wrong = [
        {"kind": "drug", "query": "lidocaine", "expect": ["about/license"]},
        {"kind": "topic", "query": "pneumothorax", "expect": ["no/such-page"]},
    ]
    figures = rank(page, served, wrong)
    assert figures.top3 == 0 and figures.mrr == 0
    assert all(o.pages for o in figures.outcomes), "the search found nothing at all"


def test_ranking_in_one_page_lists_what_a_reader_sees(served, page):
    """The test's shortcut (rank) and the reader's search page (measure) give the same pages in the same order,
    on a query of each kind (the first of each in the set)."""
    sample = list({q["kind"]: q for q in reversed(load_queries())}.values())
    assert len(sample) >= 7
    read = measure(page, served, sample)
    ranked = rank(page, served, sample)
    assert [o.pages for o in ranked.outcomes] == [o.pages for o in read.outcomes]
    assert sum(len(o.pages) >= 3 for o in read.outcomes) >= 5  # lists long enough for their order to matter


def _search_index(site) -> dict:
    text = (site.outdir / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def test_search_terms_reach_the_index_of_the_page_that_owns_them(site):
    index = _search_index(site)
    documentation = index["docnames"].index("procedure/documentation")
    assert documentation in {doc for doc, _, _ in index["indexentries"]["20552"]}
    special = index["docnames"].index("safety/special-populations")
    doac = index["titleterms"]["doac"]  # a word of a search term weighs as a title word
    assert special in (doac if isinstance(doac, list) else [doac])
    assert special in {doc for doc, _, _ in index["indexentries"]["apixaban"]}


def test_the_search_terms_data_names_real_pages_once(site):
    terms = searchterms.load(ROOT / "docs" / searchterms.DATA)
    docnames = set(_search_index(site)["docnames"])
    assert searchterms.problems(terms, docnames) == []
    # negative case: a page that does not exist and a term listed twice are reported
    bad = {"safety/no-such-page": ["x"], "safety/last": ["LAST", "last"]}
    assert searchterms.problems(bad, docnames) == [
        "safety/no-such-page: no such page",
        "safety/last: 'last' listed twice",
    ]


def test_a_malformed_search_terms_file_is_refused(tmp_path):
    bad = tmp_path / "search-terms.yaml"
    bad.write_text("safety/last: LAST\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list of non-empty terms"):
        searchterms.load(bad)
