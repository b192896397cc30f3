"""The figures (docs/figures/, tpi_sphinx/figures.py): every figure has alt text, a caption that cites its
source and a number the text refers to; its safety numbers equal the data file; and it appears in the
website, the PDF book and the EPUB."""

import itertools
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docutils import nodes

from tpi_sphinx import doses, figures, sources

FIGURES = sources.DOCS / "figures"
DATA = doses.load(sources.ROOT / doses.DATA_FILE)
BLOCK = re.compile(
    r"^(?P<indent> *)```\{(?P<kind>figure|flowchart)\} (?P<path>\S+)\n(?P<body>.*?)^(?P=indent)```$", re.S | re.M
)
OPTION = re.compile(r"^ *:(\w+): *(.*)$", re.M)


def blocks() -> list[dict]:
    """Every figure of the pages: page, kind, file, options and caption, read from the MyST source."""
    found = []
    for page in sources.pages():
        text = page.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            body = match["body"]
            options = dict(OPTION.findall(body))
            caption = options.get("caption") or OPTION.sub("", body).strip()
            found.append(
                {"page": page, "kind": match["kind"], "file": match["path"], "options": options, "caption": caption}
            )
    return found


FOUND = blocks()
NAMES = [block["options"].get("name", "") for block in FOUND]


def test_the_reference_has_twelve_to_fifteen_figures():
    assert 12 <= len(FOUND) <= 15, [b["file"] for b in FOUND]
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("block", FOUND, ids=NAMES)
def test_each_figure_has_alt_text_a_cited_caption_and_is_referred_to(block):
    options, text = block["options"], block["page"].read_text(encoding="utf-8")
    assert len(options.get("alt", "")) > 60, "alt text must describe what the figure shows"
    assert not re.search(r"\d", options["alt"]), "a number in alt text is typed by hand: the labels carry it"
    assert block["caption"] and "{cite:p}`" in block["caption"]
    assert options["name"].startswith("fig-")
    assert f"{{numref}}`{options['name']}`" in text, "the page's text must refer to the figure by number"
    assert (sources.DOCS / block["file"].lstrip("/")).is_file()


def test_every_file_in_docs_figures_is_on_a_page():
    used = {block["file"].lstrip("/") for block in FOUND}
    drawn = {f"figures/{path.name}" for path in FIGURES.iterdir() if path.suffix in {".svg", ".dot"}}
    assert drawn == used


# -- SVG drawings ----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIGURES.glob("*.svg")), ids=lambda p: p.name)
def test_each_drawing_has_title_and_description_and_numbers_from_the_data_file(path):
    assert figures.svg_problems(path.read_text(encoding="utf-8"), DATA) == []


def test_safety_numbers_on_the_drawings_are_the_data_files():
    labels = [
        (path.name, dose, text)
        for path in sorted(FIGURES.glob("*.svg"))
        for dose, text in figures.svg_dose_labels(ElementTree.parse(path).getroot())
    ]
    shown = {dose for _, dose, _ in labels}
    # The needle entry, the superficial needle and every pleura depth are drawn.
    assert {"technique.entry_from_point", "needles[0].gauge", "needles[0].length"} <= shown
    assert {p for p, _ in doses.quantities(DATA) if p.startswith("pleura.")} <= shown
    for name, dose, text in labels:
        assert doses.fmt(doses.lookup(DATA, dose)) in text, (name, dose, text)


def test_the_angle_on_the_needle_drawing_is_the_one_the_technique_page_states():
    svg = ElementTree.parse(FIGURES / "needle-entry.svg").getroot()
    angles = {m for el in svg.iter() for m in re.findall(r"\d+°", "".join(el.itertext())) if el.get("data-typed")}
    page = (sources.DOCS / "procedure" / "landmark-technique.md").read_text(encoding="utf-8")
    assert "about {dose}`technique.entry_angle` to the skin" in page
    assert angles == {doses.fmt(doses.lookup(DATA, "technique.entry_angle"))} == {"30°"}


SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'


@pytest.mark.parametrize(
    "svg, problem",
    [
        (f"{SVG_HEAD}<desc>d</desc></svg>", "no <title>"),
        (f"{SVG_HEAD}<title>t</title><desc>A 30 mm needle</desc></svg>", "<desc> has a number"),
        (
            f'{SVG_HEAD}<title>t</title><desc>d</desc><text data-dose="technique.entry_from_point">1–3 cm</text></svg>',
            "1–2 cm",
        ),
        (
            f'{SVG_HEAD}<title>t</title><desc>d</desc><text data-dose="technique.nowhere">1 cm</text></svg>',
            "no such quantity",
        ),
        (f"{SVG_HEAD}<title>t</title><desc>d</desc><text>Needle 38 mm</text></svg>", "typed by hand"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><title>t</title><desc>d</desc></svg>', "no viewBox"),
    ],
)
def test_a_drawing_with_a_wrong_or_typed_number_or_no_title_is_reported(svg, problem):
    assert any(problem in found for found in figures.svg_problems(svg, DATA))


def test_a_number_marked_with_its_reason_or_rendered_in_a_tspan_passes():
    svg = (
        f'{SVG_HEAD}<title>t</title><desc>d</desc><text data-typed="angle">about 30°</text>'
        '<text>Lung <tspan data-dose="pleura.bolster_added_depth">7 mm</tspan> deeper</text></svg>'
    )
    assert figures.svg_problems(svg, DATA) == []


# -- Graphviz flowcharts ---------------------------------------------------------

LABEL = re.compile(r'label="((?:[^"\\]|\\.)*)"')
STEP = re.compile(r"(?:^|\\n)\d\. ")


@pytest.mark.parametrize("path", sorted(FIGURES.glob("*.dot")), ids=lambda p: p.name)
def test_flowchart_numbers_come_from_the_data_file(path):
    code = path.read_text(encoding="utf-8")
    filled = figures.fill_placeholders(code, DATA)
    assert "{dose:" not in filled
    for label in LABEL.findall(figures.PLACEHOLDER.sub("", code)):
        assert not re.search(r"\d", STEP.sub("", label)), f"number typed in {path.name}: {label}"


def test_the_last_flowchart_shows_every_dose_of_the_action_card():
    filled = figures.fill_placeholders((FIGURES / "last-algorithm.dot").read_text(encoding="utf-8"), DATA)
    for path in (
        "last.seizure_midazolam_im",
        "last.seizure_midazolam_im_weight_min",
        "lipid_emulsion.concentration",
        "lipid_emulsion.bolus_per_kg",
        "lipid_emulsion.bolus_minutes",
        "lipid_emulsion.infusion_per_kg",
        "lipid_emulsion.repeat_bolus_max",
        "lipid_emulsion.repeat_bolus_interval",
        "lipid_emulsion.upper_limit",
        "lipid_emulsion.continue_after_stable",
        "last.epinephrine_max_per_kg",
        "last.monitoring_after_cns",
        "last.monitoring_after_cardiovascular_conservative",
    ):
        assert doses.fmt(doses.lookup(DATA, path)) in filled, path
        assert f"{{dose}}`{path}`" in (sources.DOCS / "safety" / "last.md").read_text(encoding="utf-8")


def test_an_unknown_placeholder_fails():
    with pytest.raises(KeyError):
        figures.fill_placeholders('a [label="{dose:lipid_emulsion.nowhere}"]', DATA)


def test_the_figure_check_reports_a_figure_without_alt_caption_citation_or_name():
    bare = nodes.figure("", nodes.image(uri="x.svg"))
    assert len(figures.figure_problems(bare)) == 3  # alt, caption, name
    uncited = nodes.figure("", nodes.image(uri="x.svg", alt="a drawing"), nodes.caption("", "Words only."))
    uncited["ids"] = ["fig-x"]
    assert figures.figure_problems(uncited) == ["figure caption without a {cite:p} citation of its source"]


# -- The figures in each format ----------------------------------------------------


def html_of(site, page: Path) -> str:
    return (site.outdir / sources.docname(page)).with_suffix(".html").read_text(encoding="utf-8")


def test_every_figure_is_on_its_page_of_the_website_with_alt_text_and_a_numbered_cited_caption(site):
    assert site.warnings == []
    for block in FOUND:
        html = html_of(site, block["page"])
        name = block["options"]["name"]
        figure = re.search(rf'<figure[^>]*id="{name}".*?</figure>', html, re.S)
        assert figure, name
        img = re.search(
            r'<img[^>]*alt="([^"]{60,})"[^>]*src="([^"]+\.svg)"'
            r'|<img[^>]*src="([^"]+\.svg)"[^>]*alt="([^"]{60,})"',
            figure[0],
        )
        assert img, name
        src = img[2] or img[3]
        assert (site.outdir / sources.docname(block["page"])).parent.joinpath(src).resolve().is_file()
        assert re.search(r'<span class="caption-number">Fig\. [\d.]+ </span>', figure[0])
        assert 'href="../bibliography.html#' in figure[0], f"{name}: no citation in the caption"
        assert f'href="#{name}"' in html, f"{name}: the text does not link to it"


def test_the_last_flowchart_on_the_website_shows_the_data_files_doses(site):
    html = html_of(site, sources.DOCS / "safety" / "last.md")
    src = re.search(r'<figure[^>]*id="fig-last-algorithm".*?<img[^>]*src="\.\./([^"]+)"', html, re.S)[1]
    svg = (site.outdir / src).read_text(encoding="utf-8")
    for path in ("last.seizure_midazolam_im", "lipid_emulsion.bolus_per_kg", "lipid_emulsion.upper_limit"):
        assert doses.fmt(doses.lookup(DATA, path)) in svg


def test_every_figure_is_in_the_epub_with_alt_text(epub_file):
    with zipfile.ZipFile(epub_file) as epub:
        names = epub.namelist()
        text = {name: epub.read(name).decode("utf-8") for name in names if name.endswith(".xhtml")}
        opf = next(epub.read(n).decode("utf-8") for n in names if n.endswith(".opf"))
    for block in FOUND:
        page = next(v for k, v in text.items() if k.endswith(f"{sources.docname(block['page'])}.xhtml"))
        figure = re.search(rf'<figure[^>]*id="{block["options"]["name"]}".*?</figure>', page, re.S)
        assert figure and re.search(r'<img[^>]*alt="[^"]{60,}"', figure[0]), block["options"]["name"]
        src = re.search(r'src="(?:\.\./)*([^"]+\.svg)"', figure[0])[1]
        assert any(n.endswith(src) for n in names)
        assert re.search(rf'href="[^"]*{re.escape(src)}"[^>]*media-type="image/svg\+xml"', opf) or re.search(
            rf'media-type="image/svg\+xml"[^>]*href="[^"]*{re.escape(src)}"', opf
        )


def test_every_figure_is_in_the_pdf_book_with_its_caption(plain_book):
    tex = plain_book.tex
    assert tex.count(r"\begin{figure}") == len(FOUND)
    assert tex.count(r"\sphinxincludegraphics") >= len(FOUND)
    text = " ".join(" ".join(page.split()) for page in plain_book.pages)
    for block in FOUND:
        assert re.search(r"\\label\{\\detokenize\{[^}]*:" + re.escape(block["options"]["name"]) + r"\}\}", tex)
        first_words = " ".join(re.sub(r"\{[^}]+\}`[^`]*`|[*_]", "", block["caption"]).split()[:4])
        assert "Fig. " in text or "Figure " in text
        assert first_words in text, first_words
    # The LAST flowchart is drawn into the book with the data file's numbers.
    assert doses.fmt(doses.lookup(DATA, "lipid_emulsion.bolus_per_kg")) in text


def _node_label(code, node):
    return re.search(rf'^\s*{node} \[label="(.*?)"', code, re.M)[1]


def _paths(code, start="signs", end="monitor"):
    """Every path through the flowchart from its first box to its last (the graph has no cycles)."""
    edges: dict[str, list[str]] = {}
    for line in code.splitlines():
        if "->" in line:
            chain = [part.split("[")[0].strip(" ;") for part in re.sub(r"\[.*?\]", "", line).split("->")]
            for a, b in itertools.pairwise(chain):
                edges.setdefault(a, []).append(b)

    def walk(node, path):
        if node == end:
            yield path
        for nxt in edges.get(node, []):
            yield from walk(nxt, [*path, nxt])

    return list(walk(start, [start]))


# What every patient gets, whichever way the chart is followed: the card's steps 1, 2, 4 (with its ceiling), 6-8.
CARD_STEPS = [
    "Stop injecting",
    "oxygen",
    "intravenous access",
    "{dose:lipid_emulsion.bolus_per_kg}",
    "{dose:lipid_emulsion.upper_limit}",
    "Drugs to avoid",
    "cardiopulmonary bypass",
    "Monitor in hospital",
]


def _paths_missing_a_step(code):
    missing = []
    for path in _paths(code):
        text = " ".join(_node_label(code, node) for node in path).lower()
        missing += [(" -> ".join(path), step) for step in CARD_STEPS if step.lower() not in text]
    return missing


def test_every_path_through_the_last_flowchart_names_the_cards_steps_1_2_4_6_7_8():
    code = (FIGURES / "last-algorithm.dot").read_text(encoding="utf-8")
    assert len(_paths(code)) >= 5  # seizure or not, stable or not, and cardiac arrest at any point
    assert _paths_missing_a_step(code) == []
    # negative cases: the ceiling only on the unstable branch, and a shortcut to box 5 that skips the first steps
    moved = code.replace("\\nNever more than {dose:lipid_emulsion.upper_limit} of lean body weight in total", "")
    assert any(step == "{dose:lipid_emulsion.upper_limit}" for _, step in _paths_missing_a_step(moved))
    shortcut = re.sub(r"If not yet done:.*?infusion_per_kg}\\n", "", code)
    assert any(path.startswith("signs -> arrest") for path, _ in _paths_missing_a_step(shortcut))


def test_graphviz_pdfs_of_the_book_carry_the_source_date_not_the_clock(tmp_path, monkeypatch):
    """Cairo 1.16 stamps Graphviz's PDF with the clock; the LaTeX build writes SOURCE_DATE_EPOCH's date over it."""
    import subprocess
    import time
    from types import SimpleNamespace

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")  # 2001-09-09 01:46:40 UTC
    made = []
    for name in ("graphviz-a.pdf", "graphviz-b.pdf"):
        subprocess.run(["dot", "-Tpdf", "-o", str(tmp_path / name)], input="digraph{a->b}", text=True, check=True)
        made.append((tmp_path / name).read_bytes())
        time.sleep(1.1)
    assert made[0] != made[1]  # the clock is in them
    html = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=tmp_path)
    figures.date_flowchart_pdfs(html, None)
    assert (tmp_path / "graphviz-a.pdf").read_bytes() == made[0]  # other builders: untouched
    latex = SimpleNamespace(builder=SimpleNamespace(format="latex"), outdir=tmp_path)
    figures.date_flowchart_pdfs(latex, None)
    a, b = (tmp_path / "graphviz-a.pdf").read_bytes(), (tmp_path / "graphviz-b.pdf").read_bytes()
    assert a == b and b"/CreationDate (D:20010909014640Z)" in a and len(a) == len(made[0])
