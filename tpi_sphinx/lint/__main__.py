"""``python -m tpi_sphinx.lint [paths...]``: lint the pages and the dose data; exit 1 on any finding.

With no paths it lints docs/ and docs/data/doses.yaml. ``--rules`` lists the rules.
"""

import argparse
import sys
import time
from pathlib import Path

from . import lint
from .findings import RULES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tpi_sphinx.lint", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="pages, folders or data files (default: docs/)")
    parser.add_argument("--rules", action="store_true", help="list the rules and exit")
    args = parser.parse_args(argv)
    if args.rules:
        for rule in RULES.values():
            print(f"{rule.code}  {rule.catches}\n        fix: {rule.fix}")
        return 0
    missing = [path for path in args.paths if not path.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(map(str, missing))}")
    start = time.perf_counter()
    found = lint(args.paths or None)
    for finding in found:
        print(finding)
    took = time.perf_counter() - start
    print(
        f"lint: {len(found)} finding{'s' * (len(found) != 1)} in {took:.1f} s"
        + (" (the rules, and how to silence one line: CONTRIBUTING.md, 'Lint rules')" if found else "")
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
