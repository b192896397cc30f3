/*
 * Ranking for the reference's search (Sphinx's html_search_scorer hook; see
 * tpi_sphinx/searchterms.py). Sphinx's own weights, plus:
 * - a page gains for every query word it has in its titles or search terms
 *   (Sphinx alone scores a page by its single best word), a little more for
 *   a word of its own title, and a little for every query word in its text;
 * - the glossary and the references list never outrank a topic page that has
 *   the word in a title or a search term: they define and list, the topic
 *   pages treat.
 */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,

  // Added for every further query word in the page's titles or search terms, and in its text.
  titleWordBonus: 5,
  pageTitleWordBonus: 2,
  textWordBonus: 1,
  // Highest score of the pages that define or list rather than treat.
  ceilings: { glossary: 12, bibliography: 4 },

  _words: null,
  _query: null,
  _pageTitleWords: new Map(),

  pageTitleWords: (file) => {
    if (!Scorer._pageTitleWords.has(file)) {
      const stemmer = new Stemmer();
      const title = Search._index.titles[file] || "";
      Scorer._pageTitleWords.set(
        file,
        new Set(splitQuery(title.toLowerCase()).map((w) => stemmer.stemWord(w))),
      );
    }
    return Scorer._pageTitleWords.get(file);
  },

  queryWords: () => {
    const query = new URLSearchParams(window.location.search).get("q") || "";
    if (Scorer._query !== query) {
      const stemmer = new Stemmer();
      Scorer._query = query;
      Scorer._words = [
        ...new Set(
          splitQuery(query.toLowerCase())
            .filter((w) => !stopwords.has(w) && !/^\d+$/.test(w))
            .map((w) => stemmer.stemWord(w)),
        ),
      ];
    }
    return Scorer._words;
  },

  has: (mapping, word, file) => {
    if (!Object.prototype.hasOwnProperty.call(mapping, word)) return false;
    const files = mapping[word];
    return Array.isArray(files) ? files.includes(file) : files === file;
  },

  score: (result) => {
    const [docname, , , , score] = result;
    const index = Search._index;
    const file = index.docnames.indexOf(docname);
    let bonus = 0;
    for (const word of Scorer.queryWords()) {
      if (Scorer.pageTitleWords(file).has(word)) bonus += Scorer.pageTitleWordBonus;
      if (Scorer.has(index.titleterms, word, file)) bonus += Scorer.titleWordBonus;
      else if (Scorer.has(index.terms, word, file)) bonus += Scorer.textWordBonus;
    }
    const total = score + bonus;
    const ceiling = Scorer.ceilings[docname];
    return ceiling === undefined ? total : Math.min(total, ceiling);
  },
};
