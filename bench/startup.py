"""The fixed cost of ``compliance check``, before against after: code trees compared in the same minutes.

Each tree (a ``git worktree`` of the code to compare) is put first on ``PYTHONPATH`` with a rule cache of its
own, warmed once; then ``check`` of the ``bench/reuse.py`` draft runs through the command line ``--runs`` times,
the trees taking turns, so both see the same load. Reported per tree: wall and CPU (user + sys, the fairer
figure on a shared machine) medians and minima, whether the JSON reports are identical, the in-process
breakdown (imports / rule packs and notice engine / reading, notices and search / JSON report) in CPU seconds,
and the ``python -X importtime`` totals of one ``check``.

    git worktree add /tmp/startup-base <commit>     # the code before
    python bench/startup.py --trees before=/tmp/startup-base,after=. --runs 11   # 10k index by default

``--bytecode`` runs with ``.pyc`` files (``PYTHONPYCACHEPREFIX``) even where ``PYTHONDONTWRITEBYTECODE`` is set,
as a pip-installed copy runs. The indexes and the draft come from ``bench/reuse.py --keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reuse import _BREAKDOWN, DATA, load, run  # noqa: E402


def tree_env(name: str, path: str, bytecode: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(Path(path).resolve()),
           "COMPLIANCE_CACHE_DIR": f"/tmp/compliance-startup-cache/{name}"}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = f"/tmp/compliance-startup-cache/pyc-{name}"
    return env


def importtime(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """Modules imported, the sum of their own import times and that of ``compliance.*`` (ms)."""
    err = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, env=env).stderr
    own = {}
    for line in err.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            parts = line[len("import time:"):].split("|")
            own[parts[2].strip()] = int(parts[0])
    return len(own), sum(own.values()) / 1000, sum(v for k, v in own.items() if k.startswith("compliance")) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", required=True, help="name=path,... (a worktree each)")
    ap.add_argument("--index", type=Path, default=DATA / "synthetic-10000.sqlite")
    ap.add_argument("--draft", type=Path, default=DATA / "draft.md")
    ap.add_argument("--runs", type=int, default=9, help="timed checks per tree (after one warm-up)")
    ap.add_argument("--breakdown-runs", type=int, default=5)
    ap.add_argument("--bytecode", action="store_true", help="with .pyc files (see above)")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.trees.split(","))
    args.index, args.draft = args.index.resolve(), args.draft.resolve()
    os.chdir(tempfile.gettempdir())  # ``python -m``/``-c`` put the working directory first on sys.path: not a tree
    envs = {name: tree_env(name, path, args.bytecode) for name, path in trees.items()}
    cmd = [sys.executable, "-m", "compliance", "check", str(args.draft), "--index", str(args.index), "--format", "json"]
    reports = {name: subprocess.run(cmd, capture_output=True, env=env).stdout for name, env in envs.items()}
    print(f"load average {load()} at start; {args.index.name}; reports identical: {len(set(reports.values())) == 1}")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, env in envs.items():
            wall, cpu, _ = run(cmd, env=env)
            times[name].append((wall, cpu))
    split_cmd = [sys.executable, "-c", _BREAKDOWN, str(args.draft), str(args.index), "cpu"]
    parts = {name: [json.loads(subprocess.run(split_cmd, capture_output=True, text=True, check=True, env=env,
                                              ).stdout) for _ in range(args.breakdown_runs)]
             for name, env in envs.items()}
    print(f"load average {load()} at end")
    for name in trees:
        wall = [w for w, _ in times[name]]
        cpu = [c for _, c in times[name]]
        split = [statistics.median(p[k] for p in parts[name]) for k in range(4)]
        modules, total, own = importtime(cmd, envs[name])
        print(f"{name}: check wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}), CPU median "
              f"{statistics.median(cpu):.3f} s (min {min(cpu):.3f}); in-process CPU: imports {split[0]:.3f}, rules + "
              f"engine {split[1]:.3f}, search {split[2]:.3f}, report {split[3]:.3f}; importtime: {modules} modules, "
              f"{total:.0f} ms ({own:.0f} ms compliance.*)")


if __name__ == "__main__":
    main()
