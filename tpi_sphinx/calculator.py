"""The dose calculator: ``{dose-calculator}`` renders a form that works out, for one weight, the
maximum dose and volume of each local anesthetic, the fractions of a mixture and the lipid emulsion
doses, in the browser, from the published ``data/doses.json``.

The arithmetic is that of :mod:`tpi_sphinx.doses` (``maximum_mg``, ``ceiling``, ``mixture``,
``last_by_weight``), repeated in ``docs/_static/calculator.js``; ``tests/test_calculator.py`` runs
both over a grid of weights in Chromium and compares every figure. The page carries no number of its
own: the script fills the agents, concentrations and results from the data file.

- The form is written only into the website (HTML builders ``html`` and ``dirhtml``): the PDF and the
  EPUB have the tables. It is ``hidden`` until the script has loaded the data; until then, and
  without JavaScript, a sentence says that the tables give the same figures.
- ``calculator.js`` is a file (the Content-Security-Policy allows no inline script), added only to the
  pages that hold a calculator, with ``defer``.
- The notes under the form (a ceiling, not a dose; which weight) are MyST, so their links are checked
  by the strict build.
"""

from html import escape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

SCRIPT = "calculator.js"
DATA_URL = "data/doses.json"  # where tpi_sphinx.doses.publish_json writes the data
WEBSITE_BUILDERS = {"html", "dirhtml"}

NOTES = """\
**A ceiling, not a dose to give.** The results are the most this weight allows in the whole session, \
counting every point injected, from the same data and arithmetic as the tables \
({ref}`maximum-doses-by-weight`, {ref}`mixing-local-anesthetics`); confirm against the label of the \
preparation in hand ({ref}`maximum-doses`).

**Which weight.** In a patient with obesity, enter the lower of ideal and lean body weight for the local \
anesthetic maximum \
({ref}`maximum-doses-by-weight`); the lipid emulsion and resuscitation epinephrine doses of the toxicity \
card use lean body weight ({ref}`local-anesthetic-toxicity`).

**Adults only.** The tables and the calculator are for adults; for children, older or frail patients and \
cardiac or liver disease, see {ref}`children-low-weight`.
"""


class dose_calculator(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """The form; its children are the notes printed under it."""


def _form(node: dose_calculator, data_url: str) -> str:
    """The form's HTML, up to the notes: inputs with their labels and an empty results region."""
    n = node["calculator_id"]

    def solution(index: int, legend: str, optional: bool) -> str:
        return (
            f'<fieldset class="dose-calculator-solution" data-solution="{index}"'
            f"{' data-optional' if optional else ''}>\n"
            f"<legend>{legend}</legend>\n"
            f'<div class="dose-calculator-field"><label for="{n}-agent-{index}">Agent</label>\n'
            f'<select id="{n}-agent-{index}" data-role="agent"></select></div>\n'
            f'<div class="dose-calculator-field"><label for="{n}-concentration-{index}">Concentration</label>\n'
            f'<select id="{n}-concentration-{index}" data-role="concentration"></select></div>\n'
            f'<div class="dose-calculator-field"><label for="{n}-volume-{index}">'
            "Planned volume in mL (optional, for the fraction)</label>\n"
            f'<input id="{n}-volume-{index}" data-role="volume" type="number" inputmode="decimal" '
            'min="0" step="any" autocomplete="off"></div>\n'
            "</fieldset>\n"
        )

    return (
        f'<p class="dose-calculator-nojs" id="{n}-nojs">The dose calculator needs JavaScript; '
        "the tables on this page give the same figures.</p>\n"
        f'<div class="dose-calculator" id="{n}" data-doses="{escape(data_url)}" '
        f'role="group" aria-labelledby="{n}-title" hidden>\n'
        f'<p class="dose-calculator-title" id="{n}-title">Dose calculator: the maximum for one weight</p>\n'
        '<div class="dose-calculator-inputs">\n'
        '<fieldset class="dose-calculator-weight"><legend>Patient</legend>\n'
        f'<div class="dose-calculator-field"><label for="{n}-weight">Weight</label>\n'
        f'<input id="{n}-weight" data-role="weight" type="number" inputmode="decimal" min="0" step="any" '
        'autocomplete="off"></div>\n'
        f'<div class="dose-calculator-field"><label for="{n}-unit">Unit</label>\n'
        f'<select id="{n}-unit" data-role="unit"><option value="kg" selected>kg</option>'
        '<option value="lb">lb</option></select></div>\n'
        "</fieldset>\n"
        + solution(1, "Local anesthetic", optional=False)
        + solution(2, "Second local anesthetic (optional)", optional=True)
        + "</div>\n"
        f'<div class="dose-calculator-results" id="{n}-results" aria-live="polite">\n'
        "<p>Enter a weight to see the maximum.</p>\n</div>\n"
        '<div class="dose-calculator-notes">\n'
    )


def visit_html(self, node: dose_calculator) -> None:
    if self.builder.name not in WEBSITE_BUILDERS:  # the EPUB runs no script: it has the tables
        raise nodes.SkipNode
    page = self.builder.get_target_uri(self.builder.current_docname)
    self.body.append(_form(node, relative_uri(page, DATA_URL)))


def depart_html(self, node: dose_calculator) -> None:
    self.body.append("</div>\n</div>\n")


def skip(self, node: dose_calculator) -> None:
    raise nodes.SkipNode


class DoseCalculator(SphinxDirective):
    """``{dose-calculator}``: the form, on the website only (the tables stay for the PDF and without
    JavaScript)."""

    def run(self) -> list[nodes.Node]:
        node = dose_calculator()
        node["calculator_id"] = f"dose-calculator-{self.env.new_serialno('dose-calculator')}"
        self.set_source_info(node)
        node += self.parse_text_to_nodes(NOTES)
        return [node]


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Only the pages with a calculator load its script (``add_js_file`` here adds to this page only)."""
    if app.builder.name in WEBSITE_BUILDERS and doctree is not None and doctree.next_node(dose_calculator):
        app.add_js_file(SCRIPT, loading_method="defer")


def setup(app: Sphinx) -> None:
    app.add_node(
        dose_calculator,
        html=(visit_html, depart_html),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_directive("dose-calculator", DoseCalculator)
    app.connect("html-page-context", add_script)
