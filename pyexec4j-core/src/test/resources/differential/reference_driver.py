"""Runs the differential corpus through the reference interpreter (AIDE's interpreter.py).

Usage: /usr/bin/python3 reference_driver.py SHARED_DIR < cases.json

SHARED_DIR is the project's shared/ folder: the reference is its seed/interpreter.py, and
bench/peers/aide/ holds a stand-in for the `shutup` package it imports.

stdin: {"cases": [{"name": str, "steps": [{"code": str, "reset": bool, "timeout": number}]}]}
stdout: JSON lines, in this order
  {"t": "hello", "python": "3.11.2", "engine_file": "<co_filename of the reference's code>"}
    or {"t": "unavailable", "reason": "..."} (then nothing else; the test is skipped)
  {"t": "case", "name": str, "workdir": str, "steps": [<res.to_json() as an object>
                                                     | {"error": "<Type>: <message>"}]}
    one line per case, as soon as the case is done
  {"t": "end"}

Everything else, including what the reference's children write to file descriptor 1
(subprocesses: the reference does not capture them), goes to stderr.
"""
import json
import os
import shutil
import signal
import sys
import tempfile


def main():
    # A process started with SIGINT ignored (a background job, some CI runners) passes that on,
    # and Python then never raises KeyboardInterrupt: the reference's timeout would turn into
    # its hard kill. Restore Python's own handler, as in an interactive shell.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The results go to a private copy of fd 1; fd 1 itself becomes stderr, so output that the
    # reference's forked children write at the fd level cannot corrupt the result stream.
    results = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="backslashreplace")
    os.dup2(2, 1)

    def send(obj):
        results.write(json.dumps(obj, ensure_ascii=False) + "\n")
        results.flush()

    shared = os.path.abspath(sys.argv[1])
    seed = os.path.join(shared, "seed", "interpreter.py")
    peers = os.path.join(shared, "bench", "peers", "aide")
    try:
        import dataclasses_json  # noqa: F401
        import humanize  # noqa: F401
    except ImportError as e:
        send({"t": "unavailable", "reason": f"{sys.executable} cannot import the reference's dependencies"
              f" ({e}); install Debian's python3-humanize and python3-dataclasses-json"})
        return
    for needed in (seed, os.path.join(peers, "shutup.py")):
        if not os.path.isfile(needed):
            send({"t": "unavailable", "reason": f"{needed} is missing"})
            return

    # The corpus, read whole before any fork: multiprocessing's child bootstrap closes sys.stdin.
    cases = json.load(sys.stdin)["cases"]
    sys.stdin = open(os.devnull)

    # AIDE ships the reference as aide/interpreter.py, and its traceback filter drops every line
    # that contains "aide/" (its own frames). Import a byte-identical copy from an aide/ folder so
    # that filter works as deployed, instead of leaking the engine frame into term_out because
    # the seed happens to live in seed/.
    home = tempfile.mkdtemp(prefix="pyexec4j-reference-")
    os.mkdir(os.path.join(home, "aide"))
    engine_file = os.path.join(home, "aide", "interpreter.py")
    shutil.copyfile(seed, engine_file)
    sys.path.insert(0, peers)  # shutup.py, the stand-in for the `shutup` package
    sys.path.insert(0, os.path.dirname(engine_file))
    try:
        from interpreter import Interpreter

        send({"t": "hello", "python": ".".join(map(str, sys.version_info[:3])), "engine_file": engine_file})
        for case in cases:
            workdir = tempfile.mkdtemp(prefix="pyexec4j-reference-wd-")
            interp = Interpreter(workdir)
            steps = []
            try:
                for step in case["steps"]:
                    interp.timeout = step["timeout"]
                    reset = step["reset"] or interp.process is None
                    try:
                        res = interp.run(step["code"], reset_session=reset)
                        steps.append(json.loads(res.to_json()))
                    except Exception as e:  # the reference raises when its child dies
                        steps.append({"error": f"{type(e).__name__}: {e}"})
                        interp.cleanup_session()
            finally:
                interp.cleanup_session()
                shutil.rmtree(workdir, ignore_errors=True)
            send({"t": "case", "name": case["name"], "workdir": str(interp.working_dir), "steps": steps})
        send({"t": "end"})
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
