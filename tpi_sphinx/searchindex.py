"""Index entries stay in the search index on incremental builds.

Sphinx collects the ``{index}`` entries for ``searchindex.js`` while it writes
pages, after it has saved the environment, and does not read them back from
the previous ``searchindex.js``; so a rebuild that rewrites few pages publishes
an index without them (sphinx-doc/sphinx issue 12599). Until that is fixed
upstream, the entries of the pages that are not rewritten are read back from
the previous index, as Sphinx already does for their words and titles.
``tests/test_search.py`` checks that a rebuild with nothing changed gives the
same search index as a clean build.
"""

import io

from sphinx.application import Sphinx
from sphinx.search import IndexBuilder

_load = IndexBuilder.load


def _load_with_index_entries(self: IndexBuilder, stream, format) -> None:
    data = stream.read()
    _load(self, io.StringIO(data) if isinstance(data, str) else io.BytesIO(data), format)
    frozen = (self.formats[format] if isinstance(format, str) else format).loads(data)
    docnames = frozen["docnames"]
    restored: dict[str, set[tuple[str, str, str]]] = {}
    for entry, places in frozen.get("indexentries", {}).items():
        for doc, target_id, main in places:
            restored.setdefault(docnames[doc], set()).add((entry, target_id, "main" if main else ""))
    for docname in sorted(restored):  # pages that are rewritten replace theirs when they are fed again
        self._index_entries[docname] = sorted(restored[docname])


def setup(app: Sphinx) -> None:
    IndexBuilder.load = _load_with_index_entries
