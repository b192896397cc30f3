"""Work that a rebuild skips when it would give the same result (a writer's loop under a second).

Sphinx does some work on every build whether or not anything changed, or for more pages than changed;
these pieces of it are skipped here without changing a byte of the output (``tests/test_reproducible.py``
compares rebuilds with clean builds):

- Figure numbers (``numfig``): Sphinx numbers figures, tables and code blocks by unpickling and walking
  every page's doctree on every build. The walk only looks at sections, toctrees and numbered nodes, so
  each page's outline of those (a small tree, kept in the environment when the page is read) is walked
  instead; Sphinx's own numbering code runs unchanged on it. A page without an outline (an environment
  from before this module) is walked as before.
- Pages that are not documents (the general index, the search page, the 404 page): Sphinx renders them
  on every build. They depend only on the environment, the configuration and the templates, and a change
  to any of those makes Sphinx write at least one document; so when no document is written they are
  kept as they are (when they exist). They show of the environment only the navigation and the index
  entries: so they are kept too when the documents written are only those read again (or named by an
  extension) and those showed the same navigation and index entries before.
- Pages that list a page (below): not written again when what they show of it is as before.
- Compiled templates (below): kept between builds.

``TPI_FULL_REBUILD=1`` in the environment switches them off, for comparison, and with them the shortcuts
of other modules: the bibliography's kept formatted entries and cached look-ups (``citations``) and its
kept checks (``bibliography``), the glossary tips written only with the glossary page
(``glossarytips``), the garbage collector's frozen objects (``gcfreeze``) and Furo's navigation module
imported when first used (``lazyfuro``).
"""

import os
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.environment.collectors.toctree import TocTreeCollector

SWITCH = "TPI_FULL_REBUILD"
HTML_BUILDERS = {"html", "dirhtml"}


def enabled() -> bool:
    return os.environ.get(SWITCH, "") in {"", "0"}


# -- Figure numbers from outlines ------------------------------------------------------------------


def _figtype(env, node: nodes.Element) -> str | None:
    """Sphinx's test (TocTreeCollector.assign_figure_numbers.get_figtype): is the node numbered, as what?"""
    for domain in env.domains.sorted():
        figtype = domain.get_enumerable_node_type(node)
        if isinstance(domain, StandardDomain) and not domain.get_numfig_title(node):
            continue
        if figtype:
            return figtype
    return None


def outline(env, doctree: nodes.Element) -> nodes.Element:
    """A copy of ``doctree`` with only what the numbering walk looks at, in document order: sections,
    toctrees and numbered nodes (with their title or caption, by which Sphinx decides they are numbered).
    Other elements are left out and their children take their place: the walk passes through them
    unchanged."""

    def kept(node: nodes.Element) -> list[nodes.Element]:
        inner = [k for child in node.children if isinstance(child, nodes.Element) for k in kept(child)]
        if isinstance(node, nodes.section | addnodes.toctree):
            copy = node.copy()
        elif node["ids"] and _figtype(env, node):
            copy = node.copy()
            copy.extend(c.deepcopy() for c in node.children if isinstance(c, nodes.caption | nodes.title))
        else:
            return inner
        copy.extend(inner)
        return [copy]

    root = nodes.Element()
    root.extend(k for child in doctree.children if isinstance(child, nodes.Element) for k in kept(child))
    for node in root.findall():
        node.document = None  # a copy refers to the whole document, which would be pickled with it
    return root


def keep_outline(app: Sphinx, doctree: nodes.document) -> None:
    if not hasattr(app.env, "tpi_outlines"):
        app.env.tpi_outlines = {}
    app.env.tpi_outlines[app.env.docname] = outline(app.env, doctree)


def purge_outline(app: Sphinx, env, docname: str) -> None:
    getattr(env, "tpi_outlines", {}).pop(docname, None)


def merge_outlines(app: Sphinx, env, docnames, other) -> None:
    if not hasattr(env, "tpi_outlines"):
        env.tpi_outlines = {}
    for docname in docnames:
        if docname in getattr(other, "tpi_outlines", {}):
            env.tpi_outlines[docname] = other.tpi_outlines[docname]


_assign_figure_numbers = TocTreeCollector.assign_figure_numbers


def assign_figure_numbers(self: TocTreeCollector, env) -> list[str]:
    """Sphinx's numbering, walking the outlines instead of the doctrees."""
    outlines = getattr(env, "tpi_outlines", {})
    if not enabled() or not outlines:
        return _assign_figure_numbers(self, env)
    get_doctree = env.get_doctree
    env.get_doctree = lambda docname: outlines[docname] if docname in outlines else get_doctree(docname)
    try:
        return _assign_figure_numbers(self, env)
    finally:
        del env.get_doctree  # the method of the class again


# -- Pages that are not documents --------------------------------------------------------------------


def keep_unchanged_pages(app: Sphinx) -> None:
    builder = app.builder
    if builder.name not in HTML_BUILDERS or not enabled():
        return
    builder.tpi_documents_written = 0
    builder.tpi_written_for_their_sources = False
    handle_page, write_documents, write = builder.handle_page, builder.write_documents, builder.write

    def write_and_note_why(build_docnames, updated_docnames, method="update") -> None:
        # Sphinx writes a page that was not read again (build_docnames alone) when the configuration, a
        # template or the page's own output file changed; then the other pages are written too.
        sources = build_docnames is not None and set(build_docnames) <= set(updated_docnames)
        builder.tpi_written_for_their_sources = sources and method == "update"
        write(build_docnames, updated_docnames, method)

    def write_and_count_documents(docnames) -> None:  # in the main process, with -j too
        builder.tpi_documents_written += len(docnames)
        write_documents(docnames)

    def handle_page_unless_unchanged(pagename, addctx, templatename="page.html", **kwargs):
        same = builder.tpi_documents_written == 0 or (
            builder.tpi_written_for_their_sources and getattr(builder, "tpi_same_index_and_navigation", False)
        )
        unchanged = same and pagename not in builder.env.all_docs
        target = kwargs.get("outfilename") or builder.get_output_path(pagename)
        if unchanged and Path(target).is_file():
            return
        handle_page(pagename, addctx, templatename, **kwargs)

    builder.handle_page = handle_page_unless_unchanged
    builder.write_documents = write_and_count_documents
    builder.write = write_and_note_why


# -- Pages that list a page -------------------------------------------------------------------------
# When a page is read again, Sphinx writes again every page whose table of contents lists it
# (``env.files_to_rebuild``), as its title or headings may have changed. What such a page shows of it
# is its title, its outline (its headings and its own tables of contents) and its section numbers, all
# in the environment; when none of them changed, the listing pages are not written on its account.
# Sphinx does the same for a page written again without being read (one citing an edited source:
# ``citingpages``), whose title, outline and numbers cannot have changed: not on its account either.
# Furo writes the whole navigation (every page's title, as the tables of contents arrange them) into
# every page; when a title or a table of contents changed, or a page was added or removed, every page
# is written again, so that no page keeps an old navigation (Sphinx would write only the listing pages).


def _navigation(env, docname: str) -> tuple:
    """What every page's navigation shows of a page: its title and its tables of contents."""
    title, toc = env.titles.get(docname), env.tocs.get(docname)
    toctrees = [node.pformat() for node in toc.findall(addnodes.toctree)] if toc is not None else []
    return (title.pformat() if title is not None else None, toctrees)


def _listed(env, docname: str) -> tuple:
    """What a table of contents that lists a page shows of it: its title, its outline, its numbers."""
    toc = env.tocs.get(docname)
    numbers = sorted(env.toc_secnumbers.get(docname, {}).items())
    return (_navigation(env, docname), toc.pformat() if toc is not None else None, repr(numbers))


def _index_entries(env, docname: str) -> str:
    return repr(env.domains.index_domain.entries.get(docname, []))


def note_pages_read(app: Sphinx, env, docnames: list[str]) -> None:
    """Before the pages are read again (and their entries in the environment cleared): what others show of them."""
    read_before = [name for name in docnames if name in env.all_docs]
    env.tpi_listed_before = {name: (_listed(env, name), _index_entries(env, name)) for name in read_before}


def note_pages_added_or_removed(app: Sphinx, env, added, changed, removed) -> list[str]:
    env.tpi_pages_added_or_removed = bool(added or removed)
    return []


def rewrite_navigation(app: Sphinx, env) -> list[str]:
    """Every page, when what the navigation shows changed."""
    before = app.builder.tpi_listed_before = env.__dict__.pop("tpi_listed_before", {})  # not pickled with env
    changed = env.__dict__.pop("tpi_pages_added_or_removed", True) or any(
        _navigation(env, name) != listed[0][0] for name, listed in before.items()
    )
    # for keep_unchanged_pages: the general index, search and 404 pages show only the navigation and the
    # index entries of the pages (and the configuration and templates, for a change of which Sphinx writes
    # every page)
    app.builder.tpi_same_index_and_navigation = not changed and all(
        _index_entries(env, name) == listed[1] for name, listed in before.items()
    )
    return sorted(env.found_docs) if changed and app.builder.name in HTML_BUILDERS else []


def skip_unchanged_listings(app: Sphinx, builder) -> None:
    """At the start of writing: the pages that others show as before (read again and unchanged there, or not
    read again) are left out of ``files_to_rebuild`` while Sphinx adds the listing pages, and put back before
    the pages are written. (A page added or removed changes the navigation: then every page is written.)"""
    env, before = builder.env, getattr(builder, "tpi_listed_before", {})
    if builder.name not in HTML_BUILDERS:
        return
    hidden = {
        name: env.files_to_rebuild.pop(name)
        for name in list(env.files_to_rebuild)
        if name not in before or _listed(env, name) == before[name][0]
    }
    prepare_writing = builder.prepare_writing

    def put_back_and_prepare(docnames) -> None:
        env.files_to_rebuild.update(hidden)
        del builder.prepare_writing  # the method of the class again
        prepare_writing(docnames)

    builder.prepare_writing = put_back_and_prepare


# -- Compiled templates ------------------------------------------------------------------------------
# Each build compiles the page templates (Furo's and the site's) from Jinja to Python again, which takes
# as long as writing a page or two. Jinja keeps compiled templates in a folder of its own when asked to
# (a bytecode cache: each template under its name and the checksum of its source, so an edited template
# is compiled again); it is kept with the doctrees of the build, which `make clean` removes.


def cache_compiled_templates(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if app.builder.name not in HTML_BUILDERS or environment is None or environment.bytecode_cache is not None:
        return
    from jinja2 import FileSystemBytecodeCache

    folder = Path(app.doctreedir) / "compiled-templates"
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def setup(app: Sphinx) -> None:
    app.connect("env-get-outdated", note_pages_added_or_removed)
    app.connect("env-before-read-docs", note_pages_read)
    app.connect("env-get-updated", rewrite_navigation)
    if not enabled():
        return
    app.connect("write-started", skip_unchanged_listings)
    TocTreeCollector.assign_figure_numbers = assign_figure_numbers
    app.connect("doctree-read", keep_outline, priority=900)  # after the other handlers changed the doctree
    app.connect("env-purge-doc", purge_outline)
    app.connect("env-merge-info", merge_outlines)
    app.connect("builder-inited", keep_unchanged_pages)
    app.connect("builder-inited", cache_compiled_templates)
