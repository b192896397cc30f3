"""The content linter (``make lint``): one small bad fixture per rule, each reported with its code at
``path:line``; a clean page passes; silencing needs a reason; the command's exit codes; the reference
itself lints clean; and the build refuses dangerous raw HTML at ``docname:line`` whatever the linter says."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from tpi_sphinx.lint import lint
from tpi_sphinx.lint.findings import RULES
from tpi_sphinx.lint.html import IMAGE_BUDGET_KB

HEAD = """---
reviewed: 2026-01-01
status: draft
kind: clinical
---

(lint-test)=
# Lint test

:::{key-points}
- Examine the muscle before injecting {cite:p}`kishner2022medscape`.
- Count every point toward the maximum {cite:p}`hospirandlidoepi`.
- Keep lipid emulsion where you inject {cite:p}`neal2018checklist`.
:::

"""
FILLER = (
    "Find the taut band and the tender spot within it before any injection, and ask whether pressing it "
    "reproduces the patient's familiar pain {cite:p}`kishner2022medscape`.\n"
) * 14
TAIL = "\n## Related pages\n\n- {doc}`/safety/last`\n"


def write_page(folder: Path, body: str = "", head: str = HEAD, tail: str = TAIL) -> tuple[Path, int]:
    """A clinical page that passes every rule, with ``body`` added; returns the page and the line where body starts."""
    page = folder / "page.md"
    page.write_text(head + FILLER + "\n" + body + tail, encoding="utf-8")
    return page, (head + FILLER + "\n").count("\n") + 1


def codes_at(found) -> set[tuple[int, str]]:
    return {(f.line, f.code) for f in found}


# code -> (text added to the clean page, the line of the finding within that text)
PAGE_FAULTS = {
    "TPI101": ("<script>alert(1)</script>\n", 0),
    "TPI101 on... attribute": ('Press <span onclick="steal()">here</span>.\n', 0),
    "TPI101 javascript: link": ("Open [the label](javascript:alert(1)).\n", 0),
    "TPI102": ('<iframe src="/other.html"></iframe>\n', 0),
    "TPI103": ("![A chart of the dose](data:image/png;base64,iVBORw0KGgo=)\n", 0),
    "TPI104 image": ("![A chart of the dose](https://example.org/chart.png)\n", 0),
    "TPI104 raw img": ('Text.\n\n<img src="//tracker.example/p.gif" alt="a pixel">\n', 2),
    "TPI104 figure": ("```{figure} https://example.org/chart.png\n:alt: A chart\n```\n", 0),
    "TPI105": ("![](chart.png)\n", 0),
    "TPI105 directive": ("Text.\n\n```{image} chart.png\n```\n", 2),
    "TPI105 raw img": ('<img src="chart.png">\n', 0),
    "TPI106": ("![A chart of the dose](big.png)\n", 0),
    "TPI201": ("Give up to 300 mg in one session {cite:p}`hospirandlidoepi`.\n", 0),
    "TPI201 concentration": ("Inject\n1% lidocaine {cite:p}`hospirandlidoepi`.\n", 1),
    "TPI201 needle": ("Use a 25-gauge needle {cite:p}`kishner2022medscape`.\n", 0),
    "TPI202": ("Of the patients, 16 of 54 met the criteria.\n", 0),
    "TPI202 table row": (
        "```{list-table} Trials\n:header-rows: 1\n\n* - Trial\n  - Patients\n* - First\n  - 54\n```\n",
        6,
    ),
    "TPI202 key point": (
        "Text {cite:p}`kishner2022medscape`.\n\n:::{note}\n- Watch for {dose}`last.onset_latest`.\n:::\n",
        3,
    ),
    "TPI301": ("Follow the NICE guidance {cite:p}`nice2016low`.\n", 0),
    "TPI302": ("Read [the label](http://example.org/label).\n", 0),
    "TPI303": ("Read the label at https://example.org/label.\n", 0),
    "TPI304": ("This label's wording was not seen.\n", 0),
    "TPI305": ("Read [the paper](https://www.scribd.com/document/1).\n", 0),
    "TPI306": ("The patient recieved an injection {cite:p}`kishner2022medscape`.\n", 0),
    "TPI307": ("Wait until the anaesthetic wears off {cite:p}`kishner2022medscape`.\n", 0),
    "TPI601": ("Feel the {term}`taut bnad`.\n", 0),
    "TPI602": ("A claim {cite:p}`kishner2022medscpe`.\n", 0),
    "TPI603": ("See {ref}`maximum-dose`.\n", 0),
    "TPI604": ("See {doc}`/safety/lastt`.\n", 0),
    "TPI605": ("Watch for {dose}`last.onset_latst` {cite:p}`kapitanyan2019medscape`.\n", 0),
    "TPI901": ("% lint: ignore[TPI105]\n![](chart.png)\n", 0),
    "TPI901 unknown rule": ("Text. <!-- lint: ignore[TPI999] no such rule -->\n", 0),
    "TPI902": ("Text. <!-- lint: ignore[TPI201] quote: nothing here -->\n", 0),
}


@pytest.mark.parametrize("fault", PAGE_FAULTS)
def test_each_fault_is_reported_with_its_code_at_its_line(fault, tmp_path):
    text, offset = PAGE_FAULTS[fault]
    code = fault.split()[0]
    page, start = write_page(tmp_path, text)
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + bytes(IMAGE_BUDGET_KB * 1024))
    found = lint([page])
    expected = (start + offset, code)
    assert expected in codes_at(found), "\n".join(map(str, found))
    extra = {f.code for f in found} - {code, "TPI105"}  # a silence without reason leaves its finding
    assert not extra, "\n".join(map(str, found))
    assert any(str(f).startswith(f"{page}:{start + offset}: {code} ") and "(fix: " in str(f) for f in found)


@pytest.mark.parametrize(
    "head, tail, code, line",
    [
        (HEAD.replace("- Keep lipid", "  Keep lipid"), TAIL, "TPI501", 10),
        (HEAD.replace(":::{key-points}", ":::{note}"), TAIL, "TPI501", 8),
        (HEAD.replace("{cite:p}`neal2018checklist`", "").replace("{cite:p}`hospirandlidoepi`", ""), TAIL, "TPI502", 8),
        (HEAD, TAIL.replace("Related pages", "Related Pages"), "TPI504", 32),
    ],
)
def test_page_conventions_are_reported_at_their_line(head, tail, code, line, tmp_path):
    page, _ = write_page(tmp_path, head=head, tail=tail)
    found = lint([page])
    assert codes_at(found) == {(line, code)}, "\n".join(map(str, found))


def test_a_short_page_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(HEAD + "Too short {cite:p}`kishner2022medscape`.\n" + TAIL, encoding="utf-8")
    assert codes_at(lint([page])) == {(8, "TPI503")}


def test_a_clean_page_passes(tmp_path):
    page, _ = write_page(
        tmp_path,
        "A dose comes from the data: {dose}`volume_per_point` {cite:p}`roldan2020randomized`."
        "\n\n![A chart of the dose](chart.png)\n",
    )
    assert lint([page]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Give up to 300 mg {cite:p}`hospirandlidoepi`. <!-- lint: ignore[TPI201] quote: the label's own words -->\n",
        "% lint: ignore[TPI105] decorative rule between sections\n![](chart.png)\n",
        "Read [the label](http://example.org/label). <!-- lint: ignore[TPI302, TPI305] the site has no https -->\n",
    ],
)
def test_a_silence_with_a_reason_silences_its_line(text, tmp_path):
    page, _ = write_page(tmp_path, text)
    assert lint([page]) == []


def test_a_silence_applies_to_one_line_only(tmp_path):
    page, start = write_page(tmp_path, "% lint: ignore[TPI105] decorative\n![](chart.png)\n![](chart.png)\n")
    assert codes_at(lint([page])) == {(start + 2, "TPI105")}


def test_a_silence_without_a_reason_is_a_finding_and_silences_nothing(tmp_path):
    page, start = write_page(tmp_path, "Give 300 mg {cite:p}`hospirandlidoepi`. <!-- lint: ignore[TPI201] -->\n")
    assert codes_at(lint([page])) == {(start, "TPI201"), (start, "TPI901")}


def test_did_you_mean(tmp_path):
    page, _ = write_page(
        tmp_path, "Feel the {term}`taut bnad` {cite:p}`kishner2022medscpe`; see {ref}`maximum-dose`.\n"
    )
    fixes = " ".join(str(f) for f in lint([page]))
    for right in ("'taut band'", "'kishner2022medscape'", "'maximum-doses'"):
        assert f"did you mean {right}?" in fixes, fixes


def test_a_study_result_or_a_lab_value_is_not_a_typed_dose(tmp_path):
    page, _ = write_page(
        tmp_path,
        "In 42% of 52 patients, glucose rose by 38 mg/dL with HbA1c below 7%; the disc "
        "was 1 cm² and the needle entered at 30° {cite:p}`aleem2017blood`.\n",
    )
    assert lint([page]) == []


def test_a_version_number_needs_no_citation_but_a_figure_beside_it_does(tmp_path):
    note = ":::{versionchanged} 0.2.0\nRated relative in 0.1.0; now a reason not to inject.\n:::\n"
    page, _ = write_page(tmp_path, note)
    assert lint([page]) == []
    page, start = write_page(tmp_path, note.replace("now", "in 3 of 10 cases now"))
    assert codes_at(lint([page])) == {(start + 1, "TPI202")}


def test_a_number_cited_by_its_table_header_is_sourced(tmp_path):
    table = (
        "```{list-table} Trials\n:header-rows: 1\n\n* - Trial\n  - Patients {cite:p}`roldan2020randomized`\n"
        "* - First\n  - 54\n```\n"
    )
    page, _ = write_page(tmp_path, table)
    assert lint([page]) == []


DATA_FAULTS = {
    "zero or negative": ("volume_per_point: {value: 1,", "volume_per_point: {value: -1,", "TPI401"),
    "percentage over 100": ("concentration: {value: 20,", "concentration: {value: 200,", "TPI401"),
    "range low above high": ("onset_usual: {value: [1, 5]", "onset_usual: {value: [5, 1]", "TPI401"),
    "cap out of reach": ("per_kg: {value: 3, unit: mg/kg", "per_kg: {value: 1, unit: mg/kg", "TPI401"),
    "unknown unit": (
        "bolster_added_depth: {value: 7, unit: mm",
        "bolster_added_depth: {value: 7, unit: furlong",
        "TPI402",
    ),
}


@pytest.mark.parametrize("fault", DATA_FAULTS)
def test_implausible_dose_data_is_reported_at_its_line(fault, tmp_path):
    before, after, code = DATA_FAULTS[fault]
    text = (ROOT / "docs" / "data" / "doses.yaml").read_text(encoding="utf-8")
    assert before in text
    data = tmp_path / "doses.yaml"
    data.write_text(text.replace(before, after, 1), encoding="utf-8")
    line = text[: text.index(before)].count("\n") + 1
    found = lint([data])
    assert codes_at(found) == {(line, code)}, "\n".join(map(str, found))


def test_every_rule_has_a_fixture_and_a_line_in_contributing():
    covered = {fault.split()[0] for fault in PAGE_FAULTS} | {"TPI401", "TPI402", "TPI501", "TPI502", "TPI503", "TPI504"}
    assert covered == set(RULES)
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert [code for code in RULES if f"**{code}**" not in guide] == []


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tpi_sphinx.lint", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_command_exits_0_when_clean_and_1_on_a_finding(tmp_path):
    page, start = write_page(tmp_path)
    assert _run(str(page)).returncode == 0
    page.write_text(page.read_text(encoding="utf-8").replace("## Related pages", "## See also"), encoding="utf-8")
    done = _run(str(page))
    assert done.returncode == 1
    assert re.search(
        rf"^{re.escape(str(page))}:\d+: TPI504 .*\(fix: write exactly '## Related pages'\)$", done.stdout, re.M
    ), done.stdout
    assert _run(str(tmp_path / "no-such-page.md")).returncode == 2


def test_the_reference_lints_clean():
    """Clean, and it says so; how long it takes is a row of `make bench` (lint), not a timed test."""
    done = _run()
    assert done.returncode == 0, done.stdout
    assert re.search(r"lint: 0 findings in [\d.]+ s", done.stdout), done.stdout


# -- The build refuses the same raw HTML, at docname:line ----------------------------

BAD_PAGE = """---
reviewed: 2026-01-01
status: draft
kind: about
orphan: true
---
# Raw HTML test

<script>alert(1)</script>

Text with <img src="https://tracker.example/p.gif" alt="a pixel"> inline.

<iframe src="/other.html"></iframe>

A picture: ![A chart](https://example.org/chart.png)

<a href="#top" onmouseover="steal()">top</a>

<a href="javascript:alert(1)">run</a>

![A chart](data:image/png;base64,iVBORw0KGgo=)

```{image} https://example.org/chart.png
:alt: A chart
```

<embed src="movie.swf">
"""
EXPECTED = {
    9: "TPI101",
    11: "TPI104",
    13: "TPI102",
    15: "TPI104",
    17: "TPI101",
    19: "TPI101",
    21: "TPI103",
    23: "TPI104",
    27: "TPI102",
}


def add_raw_html_page(project) -> Path:
    page = project / "docs" / "background" / "raw-html-test.md"
    page.write_text(BAD_PAGE, encoding="utf-8")
    return page


def test_the_linter_and_the_build_refuse_the_same_raw_html(faulty_build):
    build, expected = faulty_build  # conftest.py: one copy, every injected fault of the suite, one build
    assert codes_at(lint([expected["raw html page"]])) == {(line, code) for line, code in EXPECTED.items()}
    reported = {
        (int(m.group(1)), m.group(2))
        for w in build.warnings
        if (m := re.search(r"raw-html-test\.md:(\d+): WARNING: (TPI\d+) ", w))
    }
    assert reported == {(line, code) for line, code in EXPECTED.items()}, build.warnings


def test_the_site_build_does_not_need_the_lint_tools():
    """`make html` installs requirements.txt only: the Sphinx package must import without codespell."""
    blocked = "import sys; sys.modules['codespell_lib'] = None; import tpi_sphinx, tpi_sphinx.rawhtml"
    done = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
