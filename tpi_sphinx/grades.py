"""The ``{sort}`` role: a SORT evidence grade linked to the page that explains it.

    Massage and physical therapy come first. {sort}`B`

renders "SORT B" as a link to the ``sort-grades`` label (docs/evidence/grading.md).
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import make_refnode

GRADES = ("A", "B", "C")
TARGET = "sort-grades"


class SortGrade(SphinxRole):
    def run(self):
        grade = self.text.strip().upper()
        if grade not in GRADES:
            message = self.inliner.reporter.error(
                f"SORT grade must be one of {', '.join(GRADES)}, not {self.text!r}", line=self.lineno
            )
            return [self.inliner.problematic(self.rawtext, self.rawtext, message)], [message]
        label = nodes.inline(f"SORT {grade}", f"SORT {grade}", classes=["sort-grade", f"sort-{grade.lower()}"])
        xref = addnodes.pending_xref(
            "",
            label,
            refdomain="std",
            reftype="ref",
            reftarget=TARGET,
            refexplicit=True,
            refwarn=True,
            refdoc=self.env.docname,
        )
        self.set_source_info(xref)
        return [xref], []


class LinkGrades(SphinxPostTransform):
    """Link each grade to the scale, keeping its "sort-grade" classes for the CSS badge.

    Sphinx's own resolver would rebuild the link text and drop the classes. In
    the PDF a grade stays plain text: a link would print "(page N)" after every
    grade. An unknown target is left to Sphinx, which warns.
    """

    default_priority = 5  # before Sphinx resolves references (priority 10)

    def run(self, **kwargs):
        target = self.env.domains.standard_domain.labels.get(TARGET)
        for xref in list(self.document.findall(addnodes.pending_xref)):
            if xref.get("reftarget") != TARGET or "sort-grade" not in xref[0].get("classes", []):
                continue
            if self.app.builder.format == "latex":
                xref.replace_self(xref.children)
            elif target is not None:
                docname, labelid, _title = target
                xref.replace_self(make_refnode(self.app.builder, xref["refdoc"], docname, labelid, xref.children))


def setup(app: Sphinx) -> None:
    app.add_role("sort", SortGrade())
    app.add_post_transform(LinkGrades)
