#!/usr/bin/env python3
"""Where a rebuild's time goes, step by step (issue 13: "measure each step's share before and after").

In a throwaway copy of the sources (scripts/loop_timings.py: a git repository of one commit), after a
clean build and a warm-up rebuild, runs the rebuild `make html` runs (strict, incremental, doctrees
outside the output; the same command as the bench's) ``--repeat`` times with nothing changed and
``--repeat`` times after a one-page edit, and prints the median clock time of each step: from starting
the process to its end, exit included (the interpreter's shutdown is part of what a writer waits for).

    .venv/bin/python scripts/rebuild_steps.py [--repeat 5] [--source OTHER_CHECKOUT]

A measuring tool, not a test: the steps are timed by wrapping Sphinx's own methods in the build process
(``--child``), which adds nothing measurable.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts")]
import loop_timings  # noqa: E402

STEPS = {
    "start": "Starting Python",
    "import": "Importing Sphinx",
    "conf": "conf.py, with the site's own code",
    "extensions": "Importing and setting up the other extensions",
    "env": "Loading the saved environment",
    "builder": "Setting up the HTML builder (theme)",
    "read": "Reading changed pages, the bibliography",
    "save": "Saving the environment, consistency",
    "write": "Writing pages",
    "finish": "Index, search, static files, 404 page",
    "rest": "build-finished, summary",
    "exit": "Exit (the interpreter's shutdown)",
}


def child(argv: list[str]) -> None:
    """The build, its steps timed; writes {step: seconds} as JSON to $REBUILD_STEPS_OUT."""
    marks = {"child": time.time()}
    spent: dict[str, float] = {}

    def timed(owner, name: str, step: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[step] = spent.get(step, 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    start = time.perf_counter()
    import sphinx.application
    import sphinx.builders
    import sphinx.builders.html
    import sphinx.cmd.build
    import sphinx.config

    spent["import"] = time.perf_counter() - start
    timed(sphinx.config.Config, "read", "conf")
    timed(sphinx.application.Sphinx, "__init__", "init")
    timed(sphinx.application.Sphinx, "_init_env", "env")
    timed(sphinx.application.Sphinx, "_init_builder", "builder")
    timed(sphinx.builders.Builder, "build", "build")
    timed(sphinx.builders.Builder, "read", "read")
    timed(sphinx.builders.Builder, "write", "write")
    timed(sphinx.builders.html.StandaloneHTMLBuilder, "finish", "finish")
    start = time.perf_counter()
    code = sphinx.cmd.build.main(argv)
    spent["main"] = time.perf_counter() - start
    steps = {
        "import": spent["import"],
        "conf": spent["conf"],
        "extensions": spent["init"] - spent["conf"] - spent["env"] - spent["builder"],
        "env": spent["env"],
        "builder": spent["builder"],
        "read": spent["read"],
        "save": spent["build"] - spent["read"] - spent["write"] - spent.get("finish", 0),
        "write": spent["write"],
        "finish": spent.get("finish", 0.0),
        "rest": spent["main"] - spent["init"] - spent["build"],
    }
    marks["end"] = time.time()
    Path(os.environ["REBUILD_STEPS_OUT"]).write_text(json.dumps({"marks": marks, "steps": steps}))
    sys.exit(code)


def one_run(project: Path, out: Path) -> dict[str, float]:
    """One timed rebuild of ``project``: {step: seconds}, "all" the whole process."""
    build = project / "_build"
    command = [str(loop_timings.PYTHON), __file__, "--child", "-b", "html", "-c", ".", *loop_timings.STRICT, "-q"]
    command += ["-d", str(build / "doctrees" / "html"), "docs", str(build / "html")]
    env = {**loop_timings._environ(project), "REBUILD_STEPS_OUT": str(out)}
    started = time.time()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    ended = time.time()
    result = json.loads(out.read_text())
    steps = result["steps"]
    steps["start"] = result["marks"]["child"] - started
    steps["exit"] = ended - result["marks"]["end"]
    steps["all"] = ended - started
    return steps


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"no change": [], "one-page edit": []}
    with loop_timings._project(args.source) as project:
        out = project.parent / "steps.json"
        loop_timings._html(project)
        loop_timings._html(project)
        for _ in range(args.repeat):
            runs["no change"].append(one_run(project, out))
        for run in range(args.repeat):
            loop_timings._edit(project / "docs" / loop_timings.EDITED_PAGE, run)
            runs["one-page edit"].append(one_run(project, out))
    print(f"{'step (median of ' + str(args.repeat) + ' runs)':<48}" + "".join(f"{kind:>16}" for kind in runs))
    for step, label in [*STEPS.items(), ("all", "In all (clock)")]:
        cells = "".join(f"{statistics.median(r[step] for r in rs):>14.3f} s" for rs in runs.values())
        print(f"{label:<48}{cells}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
