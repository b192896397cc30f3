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
