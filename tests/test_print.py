"""Printing from the browser: each checklist fits one sheet of A4 and of Letter,
and the LAST emergency checklist prints alone on one sheet.

Pages of the built site are printed to PDF with headless Chromium (installed by
`make test`, see the Makefile's BROWSER_PACKAGES) and the sheets counted with pypdf.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from conftest import ARTIFACTS

CHECKLISTS = ["resources/checklists/pre-procedure", "resources/checklists/time-out",
              "resources/checklists/post-procedure"]
PAPERS = ["A4", "letter"]
LAST_STEPS = ["Call for help", "Airway and oxygen", "Seizures", "Lipid emulsion", "Cardiovascular support",
              "Drugs to avoid", "Escalate", "Monitor"]


def print_to_pdf(site, page: str, paper: str, out: Path) -> PdfReader:
    """Print one page of the site as a reader would, on the given paper size."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make browser` installs it"
    html = site.outdir / f"{page}.html"
    on_paper = html.with_name(f"{html.stem}.print-{paper}.html")  # same folder, so relative links still work
    on_paper.write_text(html.read_text(encoding="utf-8").replace(
        "</head>", f"<style>@page {{ size: {paper}; }}</style></head>", 1), encoding="utf-8")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update", f"--user-data-dir={out.parent / 'profile'}",
         "--no-pdf-header-footer", f"--print-to-pdf={out}", on_paper.as_uri()],
        check=True, capture_output=True, timeout=120)
    on_paper.unlink()
    return PdfReader(out)


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("page", CHECKLISTS)
def test_checklist_prints_on_one_sheet(site, tmp_path, page, paper):
    printed = print_to_pdf(site, page, paper, tmp_path / "checklist.pdf")
    assert len(printed.pages) == 1
    text = " ".join(printed.pages[0].extract_text().split())
    soup = BeautifulSoup((site.outdir / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
    last_item = " ".join(soup.select("article table tbody tr")[-1].get_text(" ", strip=True).split())
    assert soup.h1.get_text(strip=True).rstrip("¶") in text
    assert last_item[:40] in text  # the whole table made it onto the sheet
    assert "not medical advice" in text  # the disclaimer is printed with it
    if paper == "A4":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "checklist.pdf", ARTIFACTS / f"print-{page.rsplit('/', 1)[-1]}.pdf")


@pytest.mark.parametrize("paper", PAPERS)
def test_last_emergency_checklist_prints_alone_on_one_sheet(site, tmp_path, paper):
    """The sheet starts with the checklist's heading and ends with its last line: nothing else shares it."""
    soup = BeautifulSoup((site.outdir / "safety" / "last.html").read_text(encoding="utf-8"), "html.parser")
    section = soup.find("section", id="last-checklist")
    assert "print-page" in section["class"]  # the print stylesheet gives it a sheet of its own
    heading = section.h2.get_text(strip=True).rstrip("¶")
    ending = " ".join(section.find_all("p")[-1].get_text(" ", strip=True).split())[-30:]
    printed = print_to_pdf(site, "safety/last", paper, tmp_path / "last.pdf")
    sheets = [" ".join(page.extract_text().split()) for page in printed.pages]
    holding = [text for text in sheets if heading in text]
    assert len(holding) == 1, "the checklist heading should be on exactly one sheet"
    sheet = holding[0]
    assert sheet.startswith(heading)
    assert sheet.replace(" ", "").endswith(ending.replace(" ", ""))
    assert [step for step in LAST_STEPS if step not in sheet] == [], "every step on the same sheet"
    assert re.search(r"Bolus .*Infusion", sheet), "the lipid emulsion doses on the same sheet"
