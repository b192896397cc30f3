"""``make versions``: build every release in releases.toml and main into one static site.

    python -m tpi_sphinx.versions [--formats "html pdf epub"] [--sequential] [--cache DIR] OUT

Run from the repository (its git root is used). Each version's make output goes to
``<OUT>-logs/<version>.log``. With ``--cache DIR`` (``make versions`` gives ``_build/versions-cache``),
virtual environments and the builds of versions are kept there and reused while their inputs are the
same (tpi_sphinx.versions.cache). Exits 1, naming the versions, when any version fails to build.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .build import FORMATS, VersionsFailed, build_site
from .manifest import ManifestError, versions
from .site import LayoutError


def formats(value: str) -> tuple[str, ...]:
    chosen = tuple(value.replace(",", " ").split())
    if not chosen or "html" not in chosen or set(chosen) - set(FORMATS):
        raise argparse.ArgumentTypeError(f"{value!r}: give html, and pdf or epub if wanted ({' '.join(FORMATS)})")
    return tuple(fmt for fmt in FORMATS if fmt in chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder of the site (emptied first)")
    parser.add_argument("--formats", type=formats, default=FORMATS, help="html, pdf, epub (default: all three)")
    parser.add_argument("--sequential", action="store_true", help="one version at a time (default: in parallel)")
    parser.add_argument("--cache", type=Path, help="keep environments and builds here, to reuse (default: none)")
    args = parser.parse_args()
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode:
        print(f"make versions: run it inside the repository ({top.stderr.strip()})", file=sys.stderr)
        return 1
    root = Path(top.stdout.strip())
    out = args.out.resolve()
    start = time.perf_counter()
    try:
        found = versions(root)
        logs = out.with_name(f"{out.name}-logs")
        cache = args.cache.resolve() if args.cache else None
        build_site(root, out, found, args.formats, logs, args.sequential, cache)
    except (ManifestError, LayoutError) as error:
        print(f"make versions: {error}", file=sys.stderr)
        return 1
    except VersionsFailed as failed:
        for name, why in failed.failures.items():
            print(f"\n--- {name} ---\n{why}", file=sys.stderr)
        print(f"make versions: failed to build {', '.join(failed.failures)}", file=sys.stderr)
        return 1
    names = ", ".join(f"{v.name} ({v.label})" for v in found)
    print(f"Versioned site built in {time.perf_counter() - start:.0f} s ({names}): open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
