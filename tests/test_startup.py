"""Start-up: the cyclic collector paused while long-lived state is built, and left as it was found."""

from __future__ import annotations

import gc
import os
import shlex
import subprocess
import sys

from compliance import startup


def test_building_pauses_the_collector_and_restores_it():
    assert gc.isenabled()
    with startup.building():
        assert not gc.isenabled()
        with startup.building():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves the outer pause alone
    assert gc.isenabled()
    gc.disable()
    try:
        with startup.building():
            pass
        assert not gc.isenabled()  # a caller's own pause is kept
    finally:
        gc.enable()


def test_only_the_entry_point_freezes_and_sets_blas_threads(cli):
    before = gc.get_freeze_count()
    cli("--version")  # main([...]) in-process, as tests and library users call it: nothing frozen
    assert gc.get_freeze_count() == before and not startup._state["one_shot"]
    code = ("import atexit, gc, os, sys; from compliance import cli\n"
            "atexit.register(lambda: print(gc.get_freeze_count() > 0, os.environ.get('OPENBLAS_NUM_THREADS')))\n"
            "sys.argv = ['compliance', '--version']\n"
            "cli.main()\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split()[-2:] == ["True", "1"]
    env["OPENBLAS_NUM_THREADS"] = "4"  # the user's choice stands
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split()[-1] == "4"


def test_leave_flushes_runs_exit_handlers_and_keeps_the_code():
    code = ("import atexit, sys; from compliance import startup\n"
            "startup.leave(5)  # not a one-command process yet: returns\n"
            "atexit.register(lambda: print('handler ran'))\n"
            "startup.one_shot()\n"
            "print('report', end='; ')  # block-buffered: stdout is a pipe\n"
            "startup.leave(3)\n"
            "print('not reached')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, "report; handler ran\n", "")


def test_leave_waits_for_running_threads_the_ordinary_way():
    code = ("import threading, time; from compliance import startup\n"
            "startup.one_shot()\n"
            "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()\n"
            "startup.leave(4)\n"
            "raise SystemExit(4)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (4, "thread done\n")


def test_a_closed_stdout_exits_the_ordinary_way(tmp_path):
    mark = str(tmp_path / "mark")
    code = ("import atexit; from compliance import startup\n"
            f"atexit.register(lambda: open({mark!r}, 'w').write('handler ran'))\n"
            "startup.one_shot()\n"
            "startup.leave(3)\n"
            "raise SystemExit(3)\n")
    proc = subprocess.run(f"{sys.executable} -c {shlex.quote(code)} >&-", shell=True, capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (3, "")
    assert (tmp_path / "mark").read_text() == "handler ran"  # once, by the ordinary exit


def test_a_profiled_run_keeps_its_profile(tmp_path):
    out = tmp_path / "run.prof"
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "compliance", "--version"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("compliance ")
    assert out.stat().st_size > 0
