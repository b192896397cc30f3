"""A fault injected into a copy of the sources fails the strict build and names the file."""

import pytest

from conftest import sphinx_build

PAGE = "docs/background/what-is-a-trigger-point-injection.md"


def _append(project, relpath, text):
    path = project / relpath
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


FAULTS = {
    "broken ref": (PAGE, lambda p: _append(p, PAGE, "\nSee {ref}`no-such-label`.\n")),
    "unknown term": (PAGE, lambda p: _append(p, PAGE, "\nA {term}`no such term`.\n")),
    "unknown citation": (PAGE, lambda p: _append(p, PAGE, "\nA claim {cite:p}`nosuchkey2099`.\n")),
    "page outside every toctree": (
        "docs/background/orphan-page.md",
        lambda p: (p / "docs/background/orphan-page.md").write_text(
            "---\nreviewed: 2026-01-01\nstatus: draft\nkind: about\n---\n# Orphan\n\nText.\n"),
    ),
    "missing front matter": (
        "docs/about/how-to-cite.md",
        lambda p: (p / "docs/about/how-to-cite.md").write_text(
            "# How to cite this reference\n\nCite the version you read.\n"),
    ),
    "invalid front matter": (
        "docs/about/disclaimer.md",
        lambda p: (p / "docs/about/disclaimer.md").write_text(
            (p / "docs/about/disclaimer.md").read_text().replace("status: draft", "status: finished")),
    ),
    "editing history in clinical text": (PAGE, lambda p: _append(p, PAGE, "\nThe 2017 wording was not seen.\n")),
    "number typed by hand on a checklist": (
        "docs/resources/checklists/time-out.md",
        lambda p: _append(p, "docs/resources/checklists/time-out.md", "\nGive at most 300 mg.\n")),
    "quantity typed by hand on the patient sheet": (
        "docs/resources/patient-information.md",
        lambda p: _append(p, "docs/resources/patient-information.md", "\nRest for 2 days.\n")),
    "citation inside an action card": (
        "docs/safety/last.md",
        lambda p: _append(p, "docs/safety/last.md", "\n:::{action-card} Test\n1. Step {cite:p}`long2022local`.\n:::\n")),
    "clinical page without key points": (
        PAGE,
        lambda p: (p / PAGE).write_text((p / PAGE).read_text().replace(":::{key-points}", ":::{note}")),
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_fails_the_build_and_names_the_file(fault, project_copy, tmp_path):
    faulty_file, inject = FAULTS[fault]
    inject(project_copy)
    build = sphinx_build(project_copy, tmp_path / "out")
    assert build.warnings, f"{fault}: the build raised no warning"
    assert any(faulty_file.removeprefix("docs/") in w for w in build.warnings), build.warnings


TEST_PAGE = "docs/background/fault-test.md"


def _clinical_page(project, body: str) -> int:
    """Write a small clinical page (outside every toctree) ending with ``body``; return the line where body starts."""
    head = ("---\nreviewed: 2026-01-01\nstatus: draft\nkind: clinical\norphan: true\n---\n# Fault test\n\n"
            ":::{key-points}\n- A point {cite:p}`long2022local`.\n:::\n\nText.\n")
    (project / TEST_PAGE).write_text(head + body + "\n## Related pages\n\n- {doc}`/safety/last`\n", encoding="utf-8")
    return head.count("\n") + 1


def _warnings_about(build, path: str) -> list[str]:
    return [w for w in build.warnings if path.removeprefix("docs/") in w]


@pytest.mark.parametrize("body, offset", [
    ("\nThis figure was not retrieved.\n", 1),
    ("\nA claim.\n\nSee {doc}`/safety/last`; the label could not be verified.\n", 3),
])
def test_editing_history_is_reported_at_its_line(body, offset, project_copy, tmp_path):
    start = _clinical_page(project_copy, body)
    build = sphinx_build(project_copy, tmp_path / "out")
    found = _warnings_about(build, TEST_PAGE)
    assert len(found) == 1 and f"fault-test.md:{start + offset}:" in found[0], found
    assert "narrates the editing process" in found[0]


def test_what_is_unknown_may_be_said_in_the_evidence_gaps_box(project_copy, tmp_path):
    _clinical_page(project_copy, "\n:::{evidence-gaps}\n- The trial's full text was not retrieved.\n:::\n")
    build = sphinx_build(project_copy, tmp_path / "out")
    assert _warnings_about(build, TEST_PAGE) == []


@pytest.mark.parametrize("body, message", [
    ("\n:::{evidence-gaps}\n- One.\n:::\n\n:::{evidence-gaps}\n- Two.\n:::\n", "one {evidence-gaps} box"),
    ("\n:::{evidence-gaps}\n- Unknown.\n:::\n\n## Dosing\n\nMore text.\n", "goes at the end of the page"),
])
def test_one_evidence_gaps_box_at_the_end(body, message, project_copy, tmp_path):
    _clinical_page(project_copy, body)
    build = sphinx_build(project_copy, tmp_path / "out")
    found = _warnings_about(build, TEST_PAGE)
    assert len(found) == 1 and message in found[0], found


def test_action_card_may_come_before_the_key_points(project_copy, tmp_path):
    page = project_copy / TEST_PAGE
    _clinical_page(project_copy, "")
    text = page.read_text(encoding="utf-8")
    card = ":::{action-card} Emergency\n1. **Stop.** Call for help.\n:::\n\nSources: {cite:t}`long2022local`.\n\n"
    page.write_text(text.replace(":::{key-points}", card + ":::{key-points}"), encoding="utf-8")
    build = sphinx_build(project_copy, tmp_path / "out")
    assert _warnings_about(build, TEST_PAGE) == []
