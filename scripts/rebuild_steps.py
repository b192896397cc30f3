#!/usr/bin/env python3
"""Where a rebuild's time goes, step by step (issue 13: "measure each step's share before and after").

In a throwaway copy of the sources (scripts/loop_timings.py: a git repository of one commit), after a
clean build and a warm-up rebuild, runs the rebuild `make html` runs (strict, incremental, doctrees
outside the output; the same command as the bench's) ``--repeat`` times with nothing changed and
``--repeat`` times after a one-page edit, and prints the median clock time of each step: from starting
the process to its end, exit included (the interpreter's shutdown is part of what a writer waits for).

    .venv/bin/python scripts/rebuild_steps.py [--repeat 5] [--cpu] [--source OTHER_CHECKOUT]

On a machine shared with other work, ``--cpu`` gives the processor time of the build process instead of
the clock's (a step that waits for another process, such as git, counts only its own share then).

A measuring tool, not a test: the steps are timed by wrapping Sphinx's own methods in the build process
(``--child``), which adds nothing measurable.
"""

import argparse
import json
import os
import resource
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
    clock = time.process_time if os.environ.get("REBUILD_STEPS_CLOCK") == "cpu" else time.perf_counter
    marks = {"child": time.time(), "cpu": time.process_time()}
    spent: dict[str, float] = {}

    def timed(owner, name: str, step: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent[step] = spent.get(step, 0.0) + clock() - start

        setattr(owner, name, wrapper)

    start = clock()
    import sphinx.application
    import sphinx.builders
    import sphinx.builders.html
    import sphinx.cmd.build
    import sphinx.config

    spent["import"] = clock() - start
    timed(sphinx.config.Config, "read", "conf")
    timed(sphinx.application.Sphinx, "__init__", "init")
    timed(sphinx.application.Sphinx, "_init_env", "env")
    timed(sphinx.application.Sphinx, "_init_builder", "builder")
    timed(sphinx.builders.Builder, "build", "build")
    timed(sphinx.builders.Builder, "read", "read")
    timed(sphinx.builders.Builder, "write", "write")
    timed(sphinx.builders.html.StandaloneHTMLBuilder, "finish", "finish")
    start = clock()
    code = sphinx.cmd.build.main(argv)
    spent["main"] = clock() - start
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
    marks["end"], marks["cpu_end"] = time.time(), time.process_time()
    Path(os.environ["REBUILD_STEPS_OUT"]).write_text(json.dumps({"marks": marks, "steps": steps}))
    sys.exit(code)


def one_run(project: Path, out: Path, cpu: bool = False) -> dict[str, float]:
    """One timed rebuild of ``project``: {step: seconds}, "all" the whole process; with ``cpu``, processor
    seconds of the build process instead of the clock's."""
    build = project / "_build"
    command = [str(loop_timings.PYTHON), __file__, "--child", "-b", "html", "-c", ".", *loop_timings.STRICT, "-q"]
    command += ["-d", str(build / "doctrees" / "html"), "docs", str(build / "html")]
    env = {**loop_timings._environ(project), "REBUILD_STEPS_OUT": str(out), "REBUILD_STEPS_CLOCK": "cpu" * cpu}
    started, cpu_before = time.time(), _children_cpu()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    ended, cpu_used = time.time(), _children_cpu() - cpu_before
    result = json.loads(out.read_text())
    steps, marks = result["steps"], result["marks"]
    if cpu:  # what the process used before its first line, and after its last (its exit)
        steps["start"], steps["exit"], steps["all"] = marks["cpu"], cpu_used - marks["cpu_end"], cpu_used
    else:
        steps["start"], steps["exit"], steps["all"] = marks["child"] - started, ended - marks["end"], ended - started
    return steps


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--cpu", action="store_true", help="processor time, not the clock's (on a busy machine)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"no change": [], "one-page edit": []}
    with loop_timings._project(args.source) as project:
        out = project.parent / "steps.json"
        loop_timings._html(project)
        loop_timings._html(project)
        for _ in range(args.repeat):
            runs["no change"].append(one_run(project, out, args.cpu))
        for run in range(args.repeat):
            loop_timings._edit(project / "docs" / loop_timings.EDITED_PAGE, run)
            runs["one-page edit"].append(one_run(project, out, args.cpu))
    what = "processor time" if args.cpu else "clock time"
    print(f"{what + ', median of ' + str(args.repeat) + ' runs':<48}" + "".join(f"{kind:>16}" for kind in runs))
    for step, label in [*STEPS.items(), ("all", "In all")]:
        cells = "".join(f"{statistics.median(r[step] for r in rs):>14.3f} s" for rs in runs.values())
        print(f"{label:<48}{cells}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
