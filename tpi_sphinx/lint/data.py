"""The dose data file, with the build's own checks (:func:`tpi_sphinx.doses.problems`), each at its line:
physically implausible numbers (TPI401, :func:`tpi_sphinx.doses.implausible`) and every other fault (TPI402).
"""

from pathlib import Path

import yaml

from .. import doses
from .findings import Finding


def check(path: Path, rel: str, bib_keys: set[str]) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        line = error.problem_mark.line + 1 if getattr(error, "problem_mark", None) else 1
        return [Finding(rel, line, "TPI402", f"the file is not valid YAML: {getattr(error, 'problem', error)}")]
    implausible = set(doses.implausible(data))
    return [
        Finding(
            rel,
            doses.line_of(message.split(":", 1)[0], text),
            "TPI401" if message in implausible else "TPI402",
            message,
        )
        for message in doses.problems(data, bib_keys)
    ]
