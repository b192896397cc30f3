"""The study apparatus (tpi_sphinx.questions): learning objectives at each chapter's opening, a summary
and review questions at its end; answers hidden on the site and in an appendix of the book.

The faults (two keyed answers, three options, a rationale without a citation, a dose typed in a question)
are injected into the faulty copy in test_faults.py and fail the build there, each at its file and line.
"""

import math
import re
from pathlib import Path

import pytest
import yaml

from conftest import parsed
from tpi_sphinx import doses, questions
from tpi_sphinx.lint import markdown, numbers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The chapters: the sections of the book that teach (resources and about are reference matter).
CHAPTERS = ["background", "indications", "procedure", "safety", "rehabilitation", "evidence"]
PER_CHAPTER = (6, 10)
# Verbs a learning objective may open with (measurable, as in Bloom's taxonomy).
ACTION_VERBS = {
    "apply", "adapt", "calculate", "choose", "decide", "define", "describe", "discuss", "distinguish", "document",
    "evaluate", "examine", "explain", "give", "identify", "interpret", "list", "manage", "measure", "perform",
    "plan", "prepare", "recognize", "select", "summarize", "weigh",
}  # fmt: skip
EXTENSIONS = frozenset(markdown.myst_extensions(ROOT))


def page(path: Path) -> markdown.Page:
    return markdown.read(path, EXTENSIONS)


def review_questions(chapter: str) -> list[markdown.Directive]:
    return [d for d in page(DOCS / chapter / "review.md").directives if d.name == "question"]


def rationale(question: markdown.Directive) -> str:
    match = re.search(r"^:::\{rationale\}\n(.*?)^:::$", question.body, re.S | re.M)
    assert match, question.line
    return match.group(1)


def options(question: markdown.Directive) -> list[str]:
    return re.findall(r"^\d+\. (.*)$", question.body, re.M)


def sentences(text: str) -> int:
    """Sentences in MyST text: roles reduced to a word, then ends of sentences counted."""
    plain = re.sub(r"\{[\w:-]+\}`[^`]*`", "X", text)
    return len(re.findall(r"[.?!](?=\s+[A-Z(]|\s*$)", plain.strip()))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_opens_with_three_to_six_learning_objectives(chapter):
    index = page(DOCS / chapter / "index.md")
    boxes = [d for d in index.directives if d.name == "learning-objectives"]
    assert len(boxes) == 1, chapter
    bullets = re.findall(r"^- (\w+)", boxes[0].body, re.M)
    assert 3 <= len(bullets) <= 6, bullets
    assert {verb.lower() for verb in bullets} <= ACTION_VERBS, bullets
    first_heading = next(b.line for b in index.blocks if b.part == "heading")
    assert boxes[0].line < min(b.line for b in index.blocks if b.part == "paragraph" and b.line > first_heading)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_ends_with_its_summary_and_review_questions(chapter):
    toctree = re.search(r"```\{toctree\}(.*?)```", (DOCS / chapter / "index.md").read_text(), re.S).group(1)
    assert toctree.split()[-1] == "review", "the review page is the chapter's last page"
    review = page(DOCS / chapter / "review.md")
    assert review.meta["kind"] == "review"
    headings = [b.text() for b in review.blocks if b.part == "heading"]
    assert headings[:2] == ["Summary and review questions", "Summary"] and headings[-1] == "Review questions"
    text = (DOCS / chapter / "review.md").read_text()
    summary = text.split("## Summary\n", 1)[1].split("\n## ", 1)[0].strip()
    assert "\n\n" not in summary and "{cite:p}" in summary, "one cited paragraph"
    found = review_questions(chapter)
    assert PER_CHAPTER[0] <= len(found) <= PER_CHAPTER[1], len(found)
    kinds = {q.options.get("type", "sba") for q in found}
    assert kinds == {"sba", "short"}, "single best answer and short answer both"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_question_has_one_key_four_or_five_options_and_a_cited_linked_rationale(chapter):
    for question in review_questions(chapter):
        where = f"{chapter}/review.md:{question.line}"
        if question.options.get("type", "sba") == "sba":
            assert 4 <= len(options(question)) <= 5, where
            assert re.fullmatch(r"[A-E]", question.options["answer"]), where
            assert "ABCDE".index(question.options["answer"]) < len(options(question)), where
        else:
            assert options(question) == [] and len(question.options["answer"]) > 20, where
        reason = rationale(question)
        assert "{cite:p}`" in reason or "{cite:t}`" in reason, where
        assert re.search(r"\{(ref|doc|numref)\}`", reason), where
        assert 2 <= sentences(reason) <= 4, (where, sentences(reason))


def test_the_sentence_count_reads_roles_and_abbreviations_as_words():
    assert sentences("One {ref}`a <b>` {cite:p}`x`. Two (page 3).") == 2
    assert sentences("Only one sentence here {dose}`last.onset_latest`.") == 1


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_dose_or_size_is_typed_in_a_question(chapter):
    """Every number with a unit in a question comes from the data file through {dose} (lint's TPI201 check)."""
    review = page(DOCS / chapter / "review.md")
    in_questions = [b for b in review.blocks if "question" in b.within]
    assert in_questions
    assert [typed for block in in_questions for typed in numbers.typed(block)] == []


def test_the_typed_number_check_finds_a_typed_dose():
    bad = markdown.Page(Path("x.md"), "", blocks=[markdown.Block(1, [markdown.Span("text", 1, "Inject 2 mL")], (), 1)])
    assert numbers.typed(bad.blocks[0]) == [(1, "2 mL")]


def test_the_build_finds_typed_doses_but_not_rendered_ones():
    from docutils import nodes

    typed = nodes.container("", nodes.paragraph("", "Give 5 mL of lidocaine 1% now."))
    rendered = nodes.container("", nodes.paragraph("", "", nodes.inline("3 mg/kg", "3 mg/kg", classes=["dose"])))
    assert questions.hand_typed(typed) == ["5 mL", "lidocaine 1%"]
    assert questions.hand_typed(rendered) == []


# -- No length cue: the key is not picked out by being the longest option ----------------------------------

KEY_LONGEST_SHARE = 0.5  # a chapter's keys are the strictly longest option in at most half its questions
KEY_LENGTH_RATIO = 1.5  # and no key is longer than this times its longest distractor
DATA = yaml.safe_load((DOCS / "data" / "doses.yaml").read_text())


def shown(text: str) -> str:
    """An option as the reader sees it: {dose} rendered from the data file, other roles as their text."""

    def role(match: re.Match) -> str:
        name, body = match.groups()
        if name == "dose":
            return doses.fmt(doses.lookup(DATA, body.strip()))
        titled = re.fullmatch(r"(.*?)\s*<[^>]*>", body, re.S)
        return titled.group(1) if titled else body

    return re.sub(r"\{([\w:-]+)\}`([^`]*)`", role, text).replace("*", "")


def length_cues(items: list[tuple[list[str], int]]) -> list[str]:
    """Length cues in a chapter's single-best-answer questions, given as (options, index of the key)."""
    found, longest = [], 0
    for number, (given, key) in enumerate(items, 1):
        lengths = [len(shown(option)) for option in given]
        distractor = max(length for index, length in enumerate(lengths) if index != key)
        longest += lengths[key] > distractor
        if lengths[key] > KEY_LENGTH_RATIO * distractor:
            found.append(f"question {number}: key {lengths[key]} characters, longest distractor {distractor}")
    if longest > KEY_LONGEST_SHARE * len(items):
        found.append(f"the key is the longest option in {longest} of {len(items)} questions")
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_test_wise_reader_cannot_pick_the_key_by_its_length(chapter):
    items = [
        (options(q), "ABCDE".index(q.options["answer"]))
        for q in review_questions(chapter)
        if q.options.get("type", "sba") == "sba"
    ]
    assert length_cues(items) == []


def test_the_length_check_finds_a_key_picked_out_by_its_length():
    fair = (["Short one", "A longer distractor here", "The key, of middle size", "Another"], 2)
    long_key = (["Stop", "Wait", "Stop, withdraw and redirect away from the nerve, or abandon the point", "Go on"], 2)
    assert length_cues([fair, fair]) == []
    assert length_cues([fair, long_key]) == ["question 2: key 69 characters, longest distractor 5"]
    slightly = (["Short one", "A longer one here", "The key, a bit longer", "Tiny"], 2)
    assert length_cues([fair, slightly, slightly]) == ["the key is the longest option in 2 of 3 questions"]
    # a dose counts as the reader sees it, not as its path in the data file
    assert (
        shown("At most {dose}`last.epinephrine_max_per_kg`")
        == f"At most {doses.fmt(DATA['last']['epinephrine_max_per_kg'])}"
    )


# -- The site: the answer hidden until asked ----------------------------------------------------------


@pytest.fixture(scope="module")
def review_pages(site):
    return {chapter: parsed(site.outdir / chapter / "review.html") for chapter in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_on_the_site_each_answer_is_in_a_closed_details_element_under_its_question(review_pages, chapter):
    soup = review_pages[chapter]
    found = soup.select("div.tpi-question")
    assert len(found) == len(review_questions(chapter))
    for question in found:
        answers = question.select("details.tpi-answer")
        assert len(answers) == 1 and not answers[0].has_attr("open"), question["id"]
        summary = answers[0].find(True)  # its first element: the control a reader tabs to and opens
        assert summary.name == "summary" and summary.get_text(strip=True) == "Show the answer"
        key = " ".join(answers[0].select_one(".tpi-answer-key").get_text().split())
        assert re.fullmatch(r"Answer: [A-E]\.", key) or len(key) > 30, key
        links = [a["href"] for a in answers[0].select("a.reference.internal")]
        assert any("bibliography.html#" in href for href in links), question["id"]
        assert any("bibliography.html" not in href for href in links), question["id"]
        options = question.select("ol.tpi-options > li")
        assert len(options) in (0, 4, 5)
        assert not question.select("ol.tpi-options details"), "the answer is not among the options"


def test_the_options_are_lettered_by_the_stylesheet():
    css = (DOCS / "_static" / "tpi.css").read_text()
    assert re.search(r"ol\.tpi-options\s*\{\s*list-style-type:\s*upper-alpha", css)


# -- The book: answers in an appendix, with page references both ways --------------------------------


def test_in_the_book_every_question_points_to_its_answer_and_back(plain_book):
    tex = plain_book.tex
    appendix = tex.index(r"\chapter{Answers to review questions}")
    assert appendix < tex.index(r"\chapter{References}")
    labels = re.findall(r"\\label\{\\detokenize\{([\w/-]+):(question-[\w-]+)\}\}", tex)
    assert len(labels) == sum(len(review_questions(c)) for c in CHAPTERS)
    for docname, qid in labels:
        answer = rf"review-answers:answer-{qid}"
        forward = (
            rf"\hyperref[\detokenize{{{answer}}}]{{\sphinxcrossref{{Answer and rationale}}}}}}"
            rf" (\autopageref*{{\detokenize{{{answer}}}}})"
        )
        back = rf"\hyperref[\detokenize{{{docname}:{qid}}}]"
        assert tex.index(forward) < appendix, qid
        assert tex.index(rf"\label{{\detokenize{{{answer}}}}}") > appendix, qid
        assert tex.index(back) > appendix and rf"(\autopageref*{{\detokenize{{{docname}:{qid}}}}})" in tex, qid


def test_in_the_book_no_answer_is_printed_under_its_question(plain_book):
    text = re.sub(r"\s+", " ", "\n".join(plain_book.pages))
    start = text.index("Each answer names its question and the page it is on")
    before, after = text[:start], text[start:]
    assert "Show the answer" not in text
    assert len(re.findall(r"Answer and rationale \(page \d+\)", before)) == sum(
        len(review_questions(c)) for c in CHAPTERS
    )
    assert "Answer: " not in before
    total = sum(len(review_questions(c)) for c in CHAPTERS)
    assert len(re.findall(r"Question \d+ \(page \d+\)", after)) == total
    assert len(re.findall(r"Answer: ", after)) == total


# -- Worked dose examples: the arithmetic, redone here from the data file ------------------------------


def test_the_worked_dose_examples_match_the_data_file(site):
    data = yaml.safe_load((DOCS / "data" / "doses.yaml").read_text())
    source = (DOCS / "procedure" / "review.md").read_text()
    examples = re.findall(r":::\{dose-example\}\n:weight: (\d+)\n(.*?)\n:::", source, re.S)
    soup = parsed(site.outdir / "procedure" / "review.html")
    boxes = soup.select("div.dose-example")
    assert len(boxes) == len(examples) >= 4
    assert any(len(body.splitlines()) > 1 for _, body in examples), "an example of two agents (the mixing rule)"
    for box, (weight, body) in zip(boxes, examples, strict=True):
        shown, weight, fractions = " ".join(box.get_text().split()), int(weight), []
        for line in body.splitlines():
            key, percent, points = line.split()
            name, prep = key.split(".")
            agent = data["local_anesthetics"][name]
            per_kg, cap = agent[prep]["per_kg"]["value"], agent[prep]["total"]["value"]
            maximum = min(per_kg * weight, cap)
            strength = next(
                c["strength"]["value"] for c in agent["concentrations"] if c["percent"]["value"] == float(percent)
            )
            mg = int(points) * data["volume_per_point"]["value"] * strength
            fraction = math.ceil(round(mg / maximum * 100, 6)) / 100
            assert f"the maximum is {maximum:g} mg" in shown or f"the cap, {cap:g} mg" in shown, shown
            assert f"that is {mg:g} mg, {fraction:.2f} of the maximum" in shown, shown
            fractions.append(fraction)
        assert f"{sum(fractions):.2f}, at or below 1" in shown, shown


# -- In a browser: the answer opens from the keyboard ----------------------------------------------------


def test_an_answer_opens_from_the_keyboard_and_is_hidden_until_then(browser, served):
    from test_browser import open_tab, visit

    context, page, _ = open_tab(browser, served)
    visit(page, f"{served}/safety/review.html")
    first = page.locator("div.tpi-question").first
    rationale = first.locator("details.tpi-answer > p").nth(1)
    assert not rationale.is_visible(), "the answer is hidden until asked"
    summary = first.locator("details.tpi-answer > summary")
    assert summary.evaluate("e => e.tabIndex") == 0, "in the tab order by itself"
    summary.focus()  # where Tab brings the reader
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert rationale.is_visible() and first.locator("details.tpi-answer").get_attribute("open") is not None
    page.keyboard.press("Space")
    assert not rationale.is_visible(), "and closes again"
    context.close()
