#!/usr/bin/env python3
"""Run a chapter's test binary one suite at a time, so that an endless loop costs one exercise.

    python3 grader/runtests.py [--contain C] [--deadline S] [--suite SUITE]... BINARY RESULTS_JSON 2>stderr.txt
    python3 grader/runtests.py --selftest

make check and the batch grader (batch.py) run each chapter's tests through this instead of one
`BINARY --jobs 1 --json=...` run, and isolate.py and decoys.py one exercise's suite (--suite). Criterion stops a test at its suite's .timeout, but every test
that runs an endless loop waits for its own time-out: with 03.4 looping, each check of 03.4, of
03.5 and 03.7 (which call it) and of the chapter's own suite waited its 10-30 s in turn, past the
batch's limit per chapter, and the chapter's results were lost (0 points for every exercise).

Here each suite (exNN_K, chNN, ...) is a run of its own (--filter=SUITE/*), its stderr read as it
comes. At a suite's first time-out ("[FAIL] SUITE::TEST: Timed out.") the run is killed: the
exercise cannot earn its points any more, and its other checks would only wait out theirs. The
checks that finished before it are run again one by one (they finished once, so quickly) for
their results; the one that timed out is recorded as ERRORED "The test timed out."; those after
it as SKIPPED ("not run: ..."). An exercise that calls the looping one is then graded again
alone with the course's version of it (isolate.py), as for any other mistake. A suite whose run
ends without a report (killed, over a limit), or that the deadline (seconds for the whole
binary) stops, gets each of its checks ERRORED with the reason, so the others keep theirs.

RESULTS_JSON is written in Criterion's --json layout after every suite (report.load_results reads
it); what the tests print goes to this program's stderr, as the binary's did.
"""
import argparse
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402 (the grader's modules sit beside this file)

TIMED_OUT = re.compile(r"\[FAIL\] (\w+)::(\w+): Timed out")


def list_tests(argv):
    """[(suite, [test, ...])] in the order Criterion runs them (its --list), or None."""
    try:
        r = subprocess.run(argv + ["--list"], capture_output=True, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    suites = []
    for line in r.stdout.splitlines():
        m = re.match(r"^(\w+): \d+ tests?$", line)
        if m:
            suites.append((m.group(1), []))
            continue
        m = re.match(r"^\S*── (\w+)$", line)
        if m and suites:
            suites[-1][1].append(m.group(1))
    return suites or None


def load(path, suite):
    """{test: entry} of suite in a Criterion JSON report, or None when there is none."""
    data = report.read_criterion_json(path)
    if data is None:
        return None
    return {t["name"]: t for s in data.get("test_suites", []) if s.get("name") == suite
            for t in s.get("tests", []) if t.get("status") != "SKIPPED" or t.get("messages") != ["The test was skipped."]}


def run(argv, pattern, json_out, limit):
    """One run of the binary on --filter=pattern, its stderr copied to ours as it comes. Returns
    (what ended it: "done", "timed out" with the test, or "deadline"), and the test that timed out."""
    if os.path.exists(json_out):
        os.remove(json_out)
    p = subprocess.Popen(argv + ["--jobs", "1", f"--filter={pattern}", f"--json={json_out}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    end = time.monotonic() + max(1, limit)
    how, which = "done", None
    sel = selectors.DefaultSelector()
    sel.register(p.stderr, selectors.EVENT_READ)
    buf = b""
    while True:
        left = end - time.monotonic()
        if left <= 0:
            how = "deadline"
            break
        if not sel.select(timeout=min(left, 1.0)):
            continue
        chunk = os.read(p.stderr.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            sys.stderr.buffer.write(line + b"\n")
            m = TIMED_OUT.match(line.decode("utf-8", "replace"))
            if m:
                how, which = "timed out", m.group(2)
                break
        if how != "done":
            break
    if buf and how == "done":
        sys.stderr.buffer.write(buf)
    sys.stderr.flush()
    if how != "done":
        try:
            os.killpg(p.pid, signal.SIGTERM)  # contain, when it runs the binary, kills what is left
            p.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()
    p.stderr.close()
    return how, which


def entry(name, status, message):
    return {"name": name, "assertions": 0, "status": status, "messages": [message]}


def write(path, suites):
    counts = {k: sum(t["status"] == k.upper() for s in suites for t in s["tests"])
              for k in ("passed", "failed", "errored", "skipped")}
    data = {"id": "Criterion v2.4.1 (grader/runtests.py, one run per suite)", **counts, "test_suites": [
        {"name": s["name"], **{k: sum(t["status"] == k.upper() for t in s["tests"]) for k in counts},
         "tests": s["tests"]} for s in suites]}
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=2)
    os.replace(path + ".tmp", path)


def run_all(argv, json_out, deadline, only=()):
    """Runs every suite (only: those named); returns the exit status (0, or 1 when the tests could
    not be listed)."""
    listed = list_tests(argv)
    if listed is None:  # no list: one run of everything, as before
        how, _ = run(argv, f"{only[0]}/*" if len(only) == 1 else "*", json_out, deadline)
        return 0 if how == "done" and os.path.exists(json_out) else 1
    listed = [(suite, tests) for suite, tests in listed if not only or suite in only]
    start = time.monotonic()
    tmp = json_out + ".suite"
    out = []
    for suite, tests in listed:
        left = deadline - (time.monotonic() - start)
        if left <= 0:
            out.append({"name": suite, "tests": [entry(t, "ERRORED", f"not run: the chapter's checks took longer "
                                                 f"than {deadline} s in all") for t in tests]})
            write(json_out, out)
            continue
        how, which = run(argv, f"{suite}/*", tmp, left)
        got = load(tmp, suite) if how == "done" else {}
        res = []
        if how == "timed out":
            before = tests[:tests.index(which)] if which in tests else []
            for t in before:  # they finished in the killed run: run each again for its report
                h, _ = run(argv, f"{suite}/{t}", tmp, max(1, deadline - (time.monotonic() - start)))
                g = load(tmp, suite) if h == "done" else None
                res.append((g or {}).get(t) or entry(t, "ERRORED", "the test runner stopped without reporting "
                                                    "this check (killed, out of time or over a limit)"))
            res.append(entry(which, "ERRORED", "The test timed out."))
            res += [entry(t, "SKIPPED", "not run: an earlier check of the same exercise timed out, so it earns "
                          "nothing; the rest were not run, to save waiting out their time-outs too")
                    for t in tests[len(before) + 1:]]
        else:
            why = (f"not run to its end: the chapter's checks took longer than {deadline} s in all"
                   if how == "deadline" else "the test runner stopped without reporting this check (killed, "
                   "out of time or over a limit)")
            res = [(got or {}).get(t) or entry(t, "ERRORED", why) for t in tests]
        out.append({"name": suite, "tests": res})
        write(json_out, out)
    if os.path.exists(tmp):
        os.remove(tmp)
    return 0


SELFTEST_C = r"""
#include <criterion/criterion.h>
TestSuite(loops, .timeout = 1);
TestSuite(fine, .timeout = 1);
static void spin(void) { for (volatile int i = 0;; i++) ; }
Test(loops, a_first) { cr_assert(1); cr_assert(2); }
Test(loops, b_spins) { spin(); }
Test(loops, c_spins_too) { spin(); }
Test(loops, d_spins_again) { spin(); }
Test(fine, one) { cr_assert_eq(1, 1); }
Test(fine, two) { cr_assert_eq(1, 2, "two"); }
"""


def selftest():
    """A suite whose checks loop costs one time-out, not one per check, and the other suite's
    results are all there; --suite runs the suite named alone."""
    with tempfile.TemporaryDirectory() as d:
        src, binary, res = (os.path.join(d, x) for x in ("t.c", "t", "results.json"))
        with open(src, "w") as f:
            f.write(SELFTEST_C)
        subprocess.run(["cc", src, "-o", binary, "-lcriterion"], check=True)
        t0 = time.monotonic()
        with open(os.path.join(d, "stderr.txt"), "w") as err:
            subprocess.run([sys.executable, os.path.abspath(__file__), binary, res], stderr=err, check=True)
        took = time.monotonic() - t0
        got = {(s, t[0]): (t[1], t[3]) for s, ts in report.load_results(d).items() for t in ts}
        only = os.path.join(d, "only")  # --suite, as isolate.py runs one exercise: that suite alone
        os.makedirs(only)
        subprocess.run([sys.executable, os.path.abspath(__file__), "--suite", "fine", binary,
                        os.path.join(only, "results.json")], stderr=subprocess.DEVNULL, check=True)
        alone = sorted((s, t[0]) for s, ts in report.load_results(only).items() for t in ts)
    want = {("loops", "a_first"): ("PASSED", 2), ("loops", "b_spins"): ("ERRORED", 0),
            ("loops", "c_spins_too"): ("SKIPPED", 0), ("loops", "d_spins_again"): ("SKIPPED", 0),
            ("fine", "one"): ("PASSED", 1), ("fine", "two"): ("FAILED", 1)}
    problems = [f"{k}: expected {v}, got {got.get(k)}" for k, v in want.items() if got.get(k) != v]
    if alone != [("fine", "one"), ("fine", "two")]:
        problems.append(f"--suite fine: expected the two checks of fine alone, got {alone}")
    if took > 2.8:
        problems.append(f"took {took:.1f} s: the suite's later checks waited out their time-outs")
    for p in problems:
        print("runtests self-check: " + p)
    print(f"runtests: {'one time-out per looping suite' if not problems else f'{len(problems)} problem(s)'} "
          f"({took:.1f} s)")
    return 1 if problems else 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contain", help="tools/contain: kills what a test leaves running")
    ap.add_argument("--deadline", type=int, default=3600, help="seconds for all of the binary's checks")
    ap.add_argument("--suite", action="append", default=[], help="run only this suite (may be repeated): "
                    "isolate.py's runs of one exercise")
    ap.add_argument("binary")
    ap.add_argument("json")
    a = ap.parse_args()
    argv = [a.binary]
    if a.contain and os.path.exists(a.contain):
        argv = [a.contain] + argv
    return run_all(argv, a.json, a.deadline, a.suite)


if __name__ == "__main__":
    sys.exit(main())
