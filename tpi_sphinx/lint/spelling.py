"""Spelling: codespell with the project's word list (TPI306), and US spelling of medical words (TPI307).

codespell (its dictionaries of common misspellings) runs in-process over the
files; correct medical words it does not know go in ``words.txt`` beside this
module. The reference writes US English; :data:`BRITISH` lists the British
spellings of medical words it refuses. A capitalized word inside a sentence is a
name ("Association of Anaesthetists") and is left alone.
"""

import contextlib
import io
import re
from pathlib import Path

from .findings import Finding
from .markdown import Page

WORDS = Path(__file__).with_name("words.txt")
# The start of a British spelling of a medical word, and the US start that replaces it.
BRITISH = dict(
    pair.split("/")
    for pair in """anaesth/anesth paraesth/paresth hypoaesth/hypoesth hyperaesth/hyperesth dysaesth/dysesth
    orthopaed/orthoped paediatr/pediatr haem/hem oedem/edem oesophag/esophag ischaem/ischem anaem/anem
    leukaem/leukem foet/fet diarrhoe/diarrhe tumour/tumor litre/liter millilitre/milliliter metre/meter
    centimetre/centimeter millimetre/millimeter fibre/fiber sulph/sulf""".split()
)
_BRITISH = re.compile(r"\b(?:" + "|".join(sorted(BRITISH, key=len, reverse=True)) + r")\w*", re.I)
_OUTPUT = re.compile(r"^(.*):(\d+): (\S+) ==> (.*)$")


def project_words() -> list[str]:
    lines = WORDS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def codespell(paths: list[Path], rel: dict[Path, str]) -> list[Finding]:
    """TPI306 for each file, from one in-process run of codespell."""
    if not paths:
        return []
    import codespell_lib  # a test requirement (make lint): the site build imports this package without it

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        codespell_lib.main(
            "--disable-colors",
            "--builtin",
            "clear,rare",
            "--ignore-words-list",
            ",".join(project_words()),
            *map(str, paths),
        )
    by_name = {str(path): path for path in paths}
    found = []
    for line in output.getvalue().splitlines():
        if match := _OUTPUT.match(line):
            name, number, word, fix = match.groups()
            found.append(
                Finding(
                    rel[by_name[name]],
                    int(number),
                    "TPI306",
                    f"'{word}' is misspelt",
                    f"did you mean {' or '.join(repr(w.strip()) for w in fix.split(',') if w.strip())}? "
                    f"(a correct word goes in tpi_sphinx/lint/words.txt)",
                )
            )
    return found


def _us(word: str) -> str:
    start = next(b for b in sorted(BRITISH, key=len, reverse=True) if word.lower().startswith(b))
    us = BRITISH[start] + word[len(start) :]
    return us[0].upper() + us[1:] if word[0].isupper() else us


def british(page: Page, rel: str) -> list[Finding]:
    """TPI307: British spellings of medical words in the page's prose."""
    found = []
    for block in page.blocks:
        for span in block.spans:
            if span.kind != "text":
                continue
            for match in _BRITISH.finditer(span.text):
                word, before = match.group(0), span.text[: match.start()].rstrip()
                inside_sentence = before and not before.endswith((".", "!", "?", ":"))
                if word[0].isupper() and (inside_sentence or block.part == "heading"):
                    continue  # a name: Association of Anaesthetists
                found.append(Finding(rel, span.line, "TPI307", f"'{word}' is British spelling", f"write '{_us(word)}'"))
    return found
