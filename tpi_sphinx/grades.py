"""The ``{sort}`` role: a SORT evidence grade linked to the page that explains it.

    Massage and physical therapy come first. {sort}`B`

renders "SORT B" as a link to the ``sort-grades`` label (docs/evidence/grading.md).
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxRole

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
            "", label, refdomain="std", reftype="ref", reftarget=TARGET, refexplicit=True, refwarn=True,
            refdoc=self.env.docname,
        )
        self.set_source_info(xref)
        return [xref], []


class UnlinkGradesInPrint(SphinxPostTransform):
    """In the PDF a grade is plain text: a link would add "(page N)" after every grade."""

    default_priority = 5  # before the references are resolved (priority 10)
    formats = ("latex",)

    def run(self, **kwargs):
        for xref in list(self.document.findall(addnodes.pending_xref)):
            if xref.get("reftarget") == TARGET and "sort-grade" in xref[0].get("classes", []):
                xref.replace_self(xref.children)


def setup(app: Sphinx) -> None:
    app.add_role("sort", SortGrade())
    app.add_post_transform(UnlinkGradesInPrint)
