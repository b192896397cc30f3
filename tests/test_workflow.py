"""The contribution workflow: the forge's CI runs exactly what .ci/run runs, pre-commit runs
`make lint`, the issue forms ask for what an editor needs, clinical files need a clinical
reviewer, dependencies are kept up to date, and `make new-page` starts a page that passes."""

import re
import subprocess
import sys

import yaml

from conftest import ROOT, copy_project

GITHUB = ROOT / ".github"


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M))


def test_ci_runs_existing_make_targets_only():
    commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    made = [c for c in commands if c.startswith("make ")]
    assert {"test", "html", "pdf"} <= {t for c in made for t in c.split()[1:]} <= _make_targets()
    assert [c for c in commands if not c.startswith(("make ", "set ", "cd "))] == []


def test_the_forge_workflow_runs_dot_ci_run_and_keeps_a_preview():
    workflow = yaml.safe_load((GITHUB / "workflows" / "ci.yml").read_text())
    assert "pull_request" in workflow[True]  # YAML reads the key "on" as True
    steps = workflow["jobs"]["test"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert any("bash .ci/run" in run for run in runs)
    assert not any(
        re.search(r"\b(make|pytest|sphinx-build|python)\b", run)
        for run in runs
        if "bash .ci/run" not in run and "apt-get" not in run
    ), runs
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact"))
    assert {"_build/html", "_build/pdf"} <= set(upload["with"]["path"].split())


def test_pre_commit_runs_make_lint():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert any(re.fullmatch(r"make( --no-print-directory)? lint", entry) for entry in entries)


def test_clinical_error_form_asks_for_page_version_error_and_source():
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "clinical-error.yml").read_text())
    required = {item["id"] for item in form["body"] if item.get("validations", {}).get("required")}
    assert {"page", "version", "wrong", "source"} <= required
    assert yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "propose-topic.yml").read_text())["body"]


def test_pull_request_template_asks_for_sources_lint_reviewer_and_changelog():
    template = (GITHUB / "pull_request_template.md").read_text().lower()
    for asked in ("make check", "read that source myself", "clinical reviewer", "changelog", "doses.yaml"):
        assert asked in template


def test_every_clinical_folder_needs_a_clinical_reviewer():
    rules = [
        line.split()
        for line in (GITHUB / "CODEOWNERS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def owners(path: str) -> list[str]:
        matching = [r[1:] for r in rules if r[0] == "*" or path.startswith(r[0].lstrip("/"))]
        return matching[-1]  # the last matching line wins

    clinical = {
        p.parent.relative_to(ROOT).as_posix() + "/"
        for p in (ROOT / "docs").glob("*/*.md")
        if re.search(r"^kind: (clinical|patient)$", p.read_text(encoding="utf-8"), flags=re.M)
    }
    assert clinical
    for folder in sorted(clinical) + ["docs/data/doses.yaml", "docs/references.bib", "docs/glossary.md"]:
        assert "@tpi-reference/clinical-reviewers" in owners(folder), folder


def test_dependencies_and_actions_are_updated():
    ecosystems = {u["package-ecosystem"] for u in yaml.safe_load((GITHUB / "dependabot.yml").read_text())["updates"]}
    assert ecosystems == {"pip", "github-actions"}


def start_a_new_page(project) -> subprocess.CompletedProcess:
    """`make new-page` in a copy of the sources (test_reproducible's shared edited copy, before its first build)."""
    command = [sys.executable, str(ROOT / "scripts" / "new_page.py"), "safety", "nerve-injury"]
    command += ["--title", "Nerve injury", "--docs", str(project / "docs")]
    return subprocess.run(command, capture_output=True, text=True)


def test_new_page_starts_a_page_that_passes_lint_and_the_strict_build(edited):
    """test_reproducible's shared copy: the page was started before the copy's first build, which is strict
    (-W: a warning fails it, and every test of the copy with it)."""
    assert edited.new_page.returncode == 0, edited.new_page.stderr
    project = edited.project
    page = project / "docs" / "safety" / "nerve-injury.md"
    assert "nerve-injury" in (project / "docs" / "safety" / "index.md").read_text()
    assert {
        "status: outline",
        "(nerve-injury)=",
        "# Nerve injury",
        ":::{key-points}",
        ":::{evidence-gaps}",
        "## Related pages",
    } <= set(page.read_text().splitlines())
    lint = subprocess.run(
        [sys.executable, "-m", "tpi_sphinx.lint", "docs/safety/nerve-injury.md"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    built = (edited.rebuilt / "html" / "safety" / "nerve-injury.html").read_text()
    assert "Outline: being written, not for clinical use" in built


def test_new_page_refuses_an_unknown_section_and_a_bad_name(tmp_path):
    project = copy_project(tmp_path / "project")
    for args, message in ((["surgery", "x"], "no section 'surgery'"), (["safety", "Nerve Injury"], "lower case")):
        made = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "new_page.py"), *args, "--docs", str(project / "docs")],
            capture_output=True,
            text=True,
        )
        assert made.returncode != 0 and message in made.stderr
