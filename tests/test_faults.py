"""A fault injected into a copy of the sources fails the strict build and names the file."""

import pytest

from conftest import copy_project, sphinx_build

# A well-formed single-best-answer question; each question fault changes one thing in it.
QUESTION = (
    "\n::::{question}\n:answer: B\n\nWhich option?\n\n1. First option\n2. Second option\n3. Third option\n"
    "4. Fourth option\n\n:::{rationale}\nBecause ({ref}`the card <last-checklist>`) {cite:p}`long2022local`.\n"
    ":::\n::::\n"
)


def _append(project, relpath, text) -> int:
    """Append ``text`` to a page; return the line number of its first non-blank line."""
    path = project / relpath
    before = path.read_text(encoding="utf-8")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1 + (len(text) - len(text.lstrip("\n")))


def _replace(project, relpath, old, new) -> int:
    """Replace the first ``old`` on a page; return its line number."""
    path = project / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text, (relpath, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _new_page(project, relpath, text) -> int:
    (project / relpath).write_text(text, encoding="utf-8")
    return 1


def _bib_entry(project, text) -> int:
    return _append(project, "docs/references.bib", text)


def question_fault(chapter, old, new):
    """A fault in a review question appended to ``docs/<chapter>/review.md``: QUESTION with ``old``
    replaced by ``new``."""
    page = f"docs/{chapter}/review.md"
    return page, lambda p: _append(p, page, QUESTION.replace(old, new)), "tpi.questions"


# Each fault: the file it goes into, how to inject it (returning the line the build must name, or None where
# Sphinx itself names only the file: a page outside every toctree, the second instance of a label), and the
# warning type or message the build gives it. All are injected into one copy of the sources, each into its own page,
# and the copy is built once.
FAULTS = {
    "broken ref": (
        "docs/background/diagnosis.md",
        lambda p: _append(p, "docs/background/diagnosis.md", "\nSee {ref}`no-such-label`.\n"),
        "ref.ref",
    ),
    "unknown term": (
        "docs/background/differential-diagnosis.md",
        lambda p: _append(p, "docs/background/differential-diagnosis.md", "\nA {term}`no such term`.\n"),
        "ref.term",
    ),
    "unknown citation": (
        "docs/indications/referral.md",
        lambda p: _append(p, "docs/indications/referral.md", "\nA claim {cite:p}`nosuchkey2099`.\n"),
        "bibtex.key_not_found",
    ),
    "page outside every toctree": (
        "docs/background/orphan-page.md",
        lambda p: (
            _new_page(
                p,
                "docs/background/orphan-page.md",
                "---\nreviewed: 2026-01-01\nstatus: draft\nkind: about\n---\n# Orphan\n\nText.\n",
            )
            and None
        ),
        "toc.not_included",
    ),
    "missing front matter": (
        "docs/about/how-to-cite.md",
        lambda p: _new_page(
            p, "docs/about/how-to-cite.md", "# How to cite this reference\n\nCite the version you read.\n"
        ),
        "tpi.frontmatter",
    ),
    "invalid front matter": (
        "docs/about/disclaimer.md",
        lambda p: _replace(p, "docs/about/disclaimer.md", "status: draft", "status: finished") and 1,
        "tpi.frontmatter",
    ),
    "skipped heading level": (
        "docs/about/license.md",
        lambda p: _append(p, "docs/about/license.md", "\n#### Too deep a heading\n\nText.\n"),
        "myst.header",
    ),
    "duplicate label": (
        "docs/about/editorial-policy.md",
        lambda p: (
            _append(
                p,
                "docs/about/editorial-policy.md",
                "\n(myofascial-pain)=\n## A second target with the same label\n\nText.\n",
            )
            and None
        ),
        "duplicate label myofascial-pain",
    ),
    "editing history in clinical text": (
        "docs/background/myofascial-pain.md",
        lambda p: _append(p, "docs/background/myofascial-pain.md", "\nThe 2017 wording was not seen.\n"),
        "tpi.narration",
    ),
    "number typed by hand on a checklist": (
        "docs/resources/checklists/time-out.md",
        lambda p: _append(p, "docs/resources/checklists/time-out.md", "\nGive at most 300 mg.\n"),
        "tpi.doses",
    ),
    "quantity typed by hand on the patient sheet": (
        "docs/resources/patient-information.md",
        lambda p: _append(p, "docs/resources/patient-information.md", "\nRest for 2 days.\n"),
        "tpi.doses",
    ),
    "citation inside an action card": (
        "docs/safety/last.md",
        lambda p: _append(p, "docs/safety/last.md", "\n:::{action-card} Test\n1. Step {cite:p}`long2022local`.\n:::\n"),
        "tpi.keypoints",
    ),
    "clinical page without key points": (
        "docs/background/what-is-a-trigger-point-injection.md",
        lambda p: (
            _replace(p, "docs/background/what-is-a-trigger-point-injection.md", ":::{key-points}", ":::{note}") and 1
        ),
        "tpi.keypoints",
    ),
    "unknown dose path": (
        "docs/procedure/documentation.md",
        lambda p: _append(p, "docs/procedure/documentation.md", "\nAt most {dose}`lidocaine.no_such_limit`.\n"),
        "no quantity 'lidocaine.no_such_limit'",
    ),
    "dose data with an unknown unit": (
        "docs/data/doses.yaml",
        lambda p: _replace(
            p, "docs/data/doses.yaml", "per_kg: {value: 7, unit: mg/kg", "per_kg: {value: 7, unit: mg/kgg"
        ),
        "tpi.doses",
    ),
    "negative dose": (
        "docs/data/doses.yaml",
        lambda p: _replace(
            p, "docs/data/doses.yaml", "per_kg: {value: 2, unit: mg/kg", "per_kg: {value: -2, unit: mg/kg"
        ),
        "tpi.doses",
    ),
    "bibliography entry from a copy site": (
        "docs/references.bib",
        lambda p: _bib_entry(
            p,
            "\n@misc{faultcopy2020,\n  title = {A copied label},\n  year = {2020},\n  urldate = {2026-01-01},\n"
            "  url = {https://www.scribd.com/document/1/label},\n  note = {verified: somewhere}\n}\n",
        ),
        "tpi.bibliography",
    ),
    "raw script on a page": (
        "docs/evidence/controversies.md",
        lambda p: _append(p, "docs/evidence/controversies.md", "\n<script>alert(1)</script>\n"),
        "tpi.rawhtml",
    ),
    # Review questions (tpi_sphinx.questions): each fault is reported at the question's first line.
    "question with two keyed answers": question_fault("background", ":answer: B", ":answer: B, C"),
    "question with three options": question_fault("indications", "4. Fourth option\n", ""),
    "question whose rationale cites nothing": question_fault("procedure", " {cite:p}`long2022local`", ""),
    "question with a dose typed by hand": question_fault("safety", "Second option", "Inject 2 mL"),
}


HEAD = (
    "---\nreviewed: 2026-01-01\nstatus: draft\nkind: clinical\norphan: true\n---\n# Fault test\n\n"
    ":::{key-points}\n- A point {cite:p}`long2022local`.\n:::\n\nText.\n"
)
BODY_LINE = HEAD.count("\n") + 1  # where the body of a test page starts
CARD = ":::{action-card} Emergency\n1. **Stop.** Call for help.\n:::\n\nSources: {cite:t}`long2022local`.\n\n"


def clinical_page(body: str) -> str:
    """A small clinical page (outside every toctree) ending with ``body``."""
    return HEAD + body + "\n## Related pages\n\n- {doc}`/safety/last`\n"


# Small clinical pages, each its own file (docs/background/fault-test-NAME.md) in the faulty copy.
TEST_PAGES = {
    "not-retrieved": clinical_page("\nThis figure was not retrieved.\n"),
    "not-verified": clinical_page("\nA claim.\n\nSee {doc}`/safety/last`; the label could not be verified.\n"),
    "unknown-in-gaps-box": clinical_page("\n:::{evidence-gaps}\n- The trial's full text was not retrieved.\n:::\n"),
    "two-gaps-boxes": clinical_page("\n:::{evidence-gaps}\n- One.\n:::\n\n:::{evidence-gaps}\n- Two.\n:::\n"),
    "gaps-box-not-last": clinical_page("\n:::{evidence-gaps}\n- Unknown.\n:::\n\n## Dosing\n\nMore text.\n"),
    "card-before-key-points": clinical_page("").replace(":::{key-points}", CARD + ":::{key-points}"),
}


def page_path(name: str) -> str:
    return f"docs/background/fault-test-{name}.md"


AS_RELEASED = {"TPI_RELEASE": "9.9.9", "TPI_RELEASE_DATE": "2026-12-01"}  # a copy is told its version (release.py)


def build_faulty_copy(folder):
    """Every fault injected into one copy of the sources, each where it names, the small test pages added
    to it, the faults that test_bibliography, test_doses and test_lint inject, and a page's review overdue
    (test_pagehistory); the copy built once (conftest.py's ``faulty_build``: each test reads the warnings of
    its own file or line), as a release (AS_RELEASED): the suite's other builds are development versions, and this
    one shows test_release what a released version's pages say."""
    from test_bibliography import add_mirror_entry
    from test_doses import give_a_wrong_unit
    from test_lint import add_raw_html_page
    from test_pagehistory import make_a_review_overdue

    project = copy_project(folder / "project")
    expected = {name: (path, inject(project), code) for name, (path, inject, code) in FAULTS.items()}
    for name, text in TEST_PAGES.items():
        (project / page_path(name)).write_text(text, encoding="utf-8")
    expected["mirror address"] = add_mirror_entry(project)
    expected["wrong unit"] = give_a_wrong_unit(project)
    expected["raw html page"] = add_raw_html_page(project)
    make_a_review_overdue(project)  # not a fault of the build: a notice on the page (test_pagehistory)
    return sphinx_build(project, folder / "html", environ=AS_RELEASED), expected


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_fails_the_build_at_its_file_and_line(fault, faulty_build):
    build, expected = faulty_build
    path, line, code = expected[fault]
    where = f"{path.removeprefix('docs/')}:{line}:" if line else path.removeprefix("docs/")
    at_line = [w for w in build.warnings if where in w]
    assert at_line, f"{fault}: nothing at {path}:{line} in {build.warnings}"
    assert any(code in w for w in at_line), at_line


def _warnings_about(faulty_build, name: str) -> list[str]:
    build, _ = faulty_build
    return [w for w in build.warnings if page_path(name).removeprefix("docs/") + ":" in w]


def test_the_test_pages_are_built(faulty_build):
    """Each test page is read by the build (a page that was not would have no warning to find)."""
    build, _ = faulty_build
    assert all((build.outdir / "background" / f"fault-test-{name}.html").is_file() for name in TEST_PAGES)


@pytest.mark.parametrize("name, offset", [("not-retrieved", 1), ("not-verified", 3)])
def test_editing_history_is_reported_at_its_line(name, offset, faulty_build):
    found = _warnings_about(faulty_build, name)
    assert len(found) == 1 and f"fault-test-{name}.md:{BODY_LINE + offset}:" in found[0], found
    assert "narrates the editing process" in found[0]


def test_what_is_unknown_may_be_said_in_the_evidence_gaps_box(faulty_build):
    assert _warnings_about(faulty_build, "unknown-in-gaps-box") == []


@pytest.mark.parametrize(
    "name, message",
    [("two-gaps-boxes", "one {evidence-gaps} box"), ("gaps-box-not-last", "goes at the end of the page")],
)
def test_one_evidence_gaps_box_at_the_end(name, message, faulty_build):
    found = _warnings_about(faulty_build, name)
    assert len(found) == 1 and message in found[0], found


def test_action_card_may_come_before_the_key_points(faulty_build):
    assert _warnings_about(faulty_build, "card-before-key-points") == []
