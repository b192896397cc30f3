"""Clinically significant changes inside pages: Sphinx's ``versionadded`` and ``versionchanged``
mark them where they happen, and ``{page-changes}`` lists them all, newest version first, each with
a link to its page (the versions page uses it, so a reader of the changelog reaches every change).

    :::{versionchanged} 0.2.0
    Bupivacaine has a ceiling: ...
    :::

Sphinx's changeset domain already records every such note; this module only renders the list and
writes the page that holds it again when a page read again has other notes or another title than before
(every time any page is read, with ``TPI_FULL_REBUILD=1``: tpi_sphinx.incremental).
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from .incremental import enabled
from .release import key

LABELS = {"versionadded": "New", "versionchanged": "Changed", "versionremoved": "Removed", "deprecated": "Deprecated"}


class page_changes(nodes.General, nodes.Element):
    """Replaced by the list once every page has been read."""


class PageChanges(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.tpi_page_changes_docs = getattr(self.env, "tpi_page_changes_docs", set()) | {self.env.docname}
        return [page_changes()]


def _sort_key(version: str) -> tuple:
    try:
        return key(version)
    except AttributeError:  # not MAJOR.MINOR.PATCH
        return (0, 0, 0)


class RenderPageChanges(SphinxPostTransform):
    """Replace the placeholder by the list, before Sphinx resolves the links to the pages."""

    default_priority = 5  # Sphinx's reference resolver runs at 10

    def run(self, **kwargs) -> None:
        changesets = self.env.domains["changeset"].changesets
        for placeholder in self.document.findall(page_changes):
            placeholder.replace_self(self.changes(changesets) or [nodes.paragraph(text="No page has a change note.")])

    def changes(self, changesets: dict) -> list[nodes.Node]:
        out = []
        for version in sorted(changesets, key=_sort_key, reverse=True):
            items = nodes.bullet_list()
            for change in sorted(changesets[version], key=lambda c: (c.docname, c.lineno or 0)):
                link = addnodes.pending_xref(
                    "",
                    refdomain="std",
                    reftype="doc",
                    reftarget="/" + change.docname,
                    refexplicit=False,
                    refdoc=self.env.docname,
                    refwarn=True,
                )
                link += nodes.inline(text=change.docname)
                text = change.content.split(":", 1)[1].strip() if ":" in change.content else change.content
                paragraph = nodes.paragraph("", "", nodes.strong(text=f"{LABELS.get(change.type, change.type)}: "))
                paragraph += [nodes.Text(f"{text} ("), link, nodes.Text(")")]
                items += nodes.list_item("", paragraph)
            if len(items):
                out += [nodes.rubric(text=f"Version {version}"), items]
        return out


def _shown(env) -> tuple:
    """What the list shows: every note, and the titles of the pages with notes (the text of the links)."""
    changesets = env.domains["changeset"].changesets
    notes = sorted(
        (version, change.docname, change.lineno or 0, change.type, change.content)
        for version, changes in changesets.items()
        for change in changes
    )
    titles = [env.titles[name].pformat() if name in env.titles else None for name in sorted({n[1] for n in notes})]
    return notes, titles


def note_reading(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Before pages are removed or read again: what the list shows now."""
    env.tpi_page_changes_before = _shown(env) if enabled() else None
    return []


def reread_the_list(app: Sphinx, env) -> list[str]:
    """Write the page with the list again when it would show other notes or titles than before."""
    before = env.__dict__.pop("tpi_page_changes_before", None)  # not pickled with the environment
    if before is not None and _shown(env) == before:
        return []
    return sorted(getattr(env, "tpi_page_changes_docs", set()))


def forget(app: Sphinx, env, docname: str) -> None:
    if hasattr(env, "tpi_page_changes_docs"):
        env.tpi_page_changes_docs.discard(docname)


def setup(app: Sphinx) -> None:
    app.add_node(page_changes)
    app.add_directive("page-changes", PageChanges)
    app.add_post_transform(RenderPageChanges)
    app.connect("env-get-outdated", note_reading)
    app.connect("env-get-updated", reread_the_list)
    app.connect("env-purge-doc", forget)
