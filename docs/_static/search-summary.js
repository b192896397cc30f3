/* Sphinx's search (searchtools.js) appends Search.makeSearchSummary(...) to each result,
   but that function returns null when the result's anchor points at an empty element
   (the target of an index entry), and appendChild(null) throws: the result loses its
   summary and the console shows an error. Summarise the anchored part when it has text,
   else the whole page, and never return null. Loaded deferred on the search page only
   (tpi_sphinx/accessibility.py); a no-op if a later Sphinx renames the function. */
(() => {
  if (typeof Search === "undefined" || typeof Search.makeSearchSummary !== "function") return;
  const summarise = Search.makeSearchSummary;
  Search.makeSearchSummary = (htmlText, keywords, anchor) =>
    (anchor && summarise(htmlText, keywords, anchor)) ||
    summarise(htmlText, keywords, "") ||
    document.createDocumentFragment();
})();
