"""Printing from the browser: each checklist fits one sheet of A4 and of Letter, the
LAST emergency card prints whole on one sheet, and the patient sheet on at most two;
on a phone, the emergency card is on the first screen.

Pages of the built site are printed to PDF with headless Chromium (installed by
`make test`, see the Makefile's BROWSER_PACKAGES) and the sheets counted with pypdf.
"""

import dataclasses
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from conftest import ARTIFACTS, chromium, parsed

CHECKLISTS = [
    "resources/checklists/pre-procedure",
    "resources/checklists/time-out",
    "resources/checklists/post-procedure",
    "resources/checklists/supervised-practice",
    "resources/quick-reference",  # not a checklist, but held to the same one sheet
]
PAPERS = ["A4", "letter"]


@pytest.fixture(scope="module")
def site(site, tmp_path_factory):
    """This module's own copy of the built site (conftest.py's ``site``): printing writes a variant of a
    page next to it, which tests running at the same time on other workers must not find in the shared site."""
    copy = tmp_path_factory.mktemp("printed") / "html"
    shutil.copytree(site.outdir, copy)
    return dataclasses.replace(site, outdir=copy)


def headless_chromium(profile: Path) -> list[str]:
    """The command line of a headless Chromium that stays off the network, with its own profile."""
    return [
        chromium(),
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--proxy-server=http://127.0.0.1:9",  # nothing listens there: no request reaches another host
        f"--user-data-dir={profile}",
    ]


def print_to_pdf(site, page: str, paper: str, out: Path) -> PdfReader:
    """Print one page of the site as a reader would, on the given paper size."""
    html = site.outdir / f"{page}.html"
    on_paper = html.with_name(f"{html.stem}.print-{paper}.html")  # same folder, so relative links still work
    on_paper.write_text(
        html.read_text(encoding="utf-8").replace("</head>", f"<style>@page {{ size: {paper}; }}</style></head>", 1),
        encoding="utf-8",
    )
    subprocess.run(
        [
            *headless_chromium(out.parent / "profile"),
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            on_paper.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    on_paper.unlink()
    return PdfReader(out)


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("page", CHECKLISTS)
def test_checklist_prints_on_one_sheet(site, tmp_path, page, paper):
    printed = print_to_pdf(site, page, paper, tmp_path / "checklist.pdf")
    assert len(printed.pages) == 1
    text = " ".join(printed.pages[0].extract_text().split())
    soup = parsed(site.outdir / f"{page}.html")
    last_item = " ".join(soup.select("article table tbody tr")[-1].get_text(" ", strip=True).split())
    assert soup.h1.get_text(strip=True).rstrip("¶") in text
    assert last_item[:40] in text  # the whole table made it onto the sheet
    assert "not medical advice" in text  # the disclaimer is printed with it
    if paper == "A4":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "checklist.pdf", ARTIFACTS / f"print-{page.rsplit('/', 1)[-1]}.pdf")


def action_card(html: str) -> tuple[str, list[str], str]:
    """The emergency card of a page: its title, the bold titles of its steps, and the last line of
    the block (the source note under the card)."""
    block = BeautifulSoup(html, "html.parser").select_one("article .action-card-block")
    assert block is not None, "the page opens with an action card"
    card = block.select_one(".admonition.action-card")
    title = card.select_one(".admonition-title").get_text(strip=True)
    steps = [" ".join(li.find("strong").get_text(" ", strip=True).split()) for li in card.select("ol > li")]
    last_line = " ".join(block.find_all(["p", "td"])[-1].get_text(" ", strip=True).split())
    return title, steps, last_line


@pytest.mark.parametrize("paper", PAPERS)
def test_last_action_card_prints_whole_on_one_sheet_with_nothing_after_it(site, tmp_path, paper):
    """The emergency card prints on one sheet, every step and the dose table on it, and the sheet ends with it."""
    title, steps, last_line = action_card((site.outdir / "safety" / "last.html").read_text(encoding="utf-8"))
    assert len(steps) >= 6
    printed = print_to_pdf(site, "safety/last", paper, tmp_path / "last.pdf")
    sheets = [unicodedata.normalize("NFKC", " ".join(page.extract_text().split())) for page in printed.pages]
    holding = [text for text in sheets if title in text]
    assert len(holding) == 1, "the card's title should be on exactly one sheet"
    sheet = holding[0]
    assert [step for step in steps if step not in sheet] == [], "every step on the same sheet"
    assert re.search(r"Lipid bolus.*Epinephrine", sheet), "the doses by weight on the same sheet"
    # Chromium writes the card's title last into the PDF's text, so it is set aside before the check.
    assert sheet.replace(title, "").replace(" ", "").endswith(last_line.replace(" ", "")[-30:]), (
        "nothing else printed after the card"
    )
    if paper == "A4":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "last.pdf", ARTIFACTS / "print-last-action-card.pdf")


@pytest.mark.parametrize("paper", PAPERS)
def test_patient_sheet_prints_on_at_most_two_sheets(site, tmp_path, paper):
    printed = print_to_pdf(site, "resources/patient-information", paper, tmp_path / "patient.pdf")
    assert len(printed.pages) <= 2
    text = " ".join(" ".join(page.extract_text() for page in printed.pages).split())
    assert "When to get help" in text and "not medical advice" in text
    if paper == "A4":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "patient.pdf", ARTIFACTS / "print-patient-information.pdf")


PHONE = (390, 844)  # CSS pixels of a common phone; a headless window may come out wider than asked,
# so the page itself is held to the phone's width


def on_phone(site, page: str, selector: str, tmp_path: Path) -> dict:
    """Where an element sits on the first screen of a phone: the page is loaded in headless
    Chromium at the phone's size and a script reports the element's box."""
    html = site.outdir / f"{page}.html"
    probe = html.with_name(f"{html.stem}.phone.html")
    script = (
        "<script>window.addEventListener('load', () => { const box = document.querySelector("
        + json.dumps(selector)
        + ");"
        " const first = box && box.querySelector('li'); const out = document.createElement('pre');"
        " out.id = 'phone-probe'; out.textContent = JSON.stringify({height: window.innerHeight,"
        " top: box && box.getBoundingClientRect().top, firstStepBottom: first && first.getBoundingClientRect().bottom,"
        " width: document.documentElement.getBoundingClientRect().width}); document.body.appendChild(out); });</script>"
    )
    page_without_policy = re.sub(
        r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html.read_text(encoding="utf-8")
    )
    probe.write_text(  # the probe is an inline script, which the page's policy (rightly) blocks
        page_without_policy.replace(
            "</head>", f"<style>html {{ width: {PHONE[0]}px; overflow-x: hidden; }}</style></head>", 1
        ).replace("</body>", script + "</body>", 1),
        encoding="utf-8",
    )
    args = [
        *headless_chromium(tmp_path / "profile"),
        f"--window-size={PHONE[0]},{PHONE[1]}",
        "--hide-scrollbars",
        "--virtual-time-budget=3000",
    ]
    done = subprocess.run(
        args + ["--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120, check=True
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        args + [f"--screenshot={ARTIFACTS / (page.replace('/', '-') + '-phone.png')}", probe.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    probe.unlink()
    return json.loads(re.search(r'<pre id="phone-probe">(.*?)</pre>', done.stdout, re.S).group(1))


def test_last_action_card_is_above_the_fold_on_a_phone(site, tmp_path):
    """On a phone the card starts in the upper half of the first screen, with its first step visible."""
    box = on_phone(site, "safety/last", ".admonition.action-card", tmp_path)
    assert box["width"] <= PHONE[0]
    assert box["top"] is not None and box["top"] < box["height"] / 2, box
    assert box["firstStepBottom"] < box["height"], box
