#!/usr/bin/env python3
"""Decoys: plausible wrong solutions that every exercise's checks must reject.

    python3 grader/decoys.py [--build build] [--jobs 2] [--stubs DIR] [CH ...]

A decoy is chapters/NN_name/decoys/NN.K-short-slug.c. Its first line names the mistake,

    /* decoy 02.4: sample standard deviation (N-1) instead of the population one */

and the rest is the code that replaces the body of exercise NN.K's region (the lines between
BEGIN EXERCISE and END EXERCISE). For each decoy this script writes a copy of the chapter under
$B/decoys/<NN.K-slug>/chapters/NN_name/ with that region replaced (the other exercises keep their
reference solutions), builds its grader with the Makefile's workbook rule (`make WB=<copy>`:
the library build is shared, only the chapter is compiled), runs exercise NN.K's suite alone
(Criterion's --filter; the copy, build and run are isolate.py's, which grades a student's exercise
the same way) and requires it to earn 0 points: at least one of its checks must fail. A decoy
that calls the library's own version of its exercise (a name of the exercise's /*forbid block) is
rejected before it is built, by the scan that refuses it in a student's region (integrity.py).

Then it prints one line per exercise: the reference ✔ and the stub ✘ (read from the results the
self-check's two grading runs left in $B/ref/ and in --stubs DIR), and each decoy ✘ with the
message its first failing check printed. It fails (exit 1) when a decoy earns the points, does not
compile, or when an exercise has too few decoys: two for an exercise worth 2 points or more, one
for a 1-point exercise. The count is enforced for the chapters in ENFORCED; for the others it is
a warning until their authors add decoys.
"""
import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402
import integrity  # noqa: E402
import isolate  # noqa: E402
import report  # noqa: E402

# Chapters whose decoy count is enforced (the others get a warning until their authors add decoys).
ENFORCED = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
HEADER = re.compile(r"^/\* decoy (\d\d)\.(\d+): (.+?) \*/\s*$")
NAME = re.compile(r"^(\d\d)\.(\d+)-[A-Za-z0-9][A-Za-z0-9-]*\.c$")
color = report.color
# Decoys are built without optimization: a third of the compile time at -O2, and the checks of one
# exercise run in well under a second either way (the grader a student meets builds with -O2).
BUILD_ENV = dict(os.environ, CFLAGS=os.environ.get("DECOY_CFLAGS", "-O0"))


def required(points):
    return 2 if points >= 2 else 1


class Decoy:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.slug = self.file[:-2]
        self.problem = None
        with open(path, encoding="utf-8") as f:
            first, _, self.body = f.read().partition("\n")
        m, n = HEADER.match(first), NAME.match(self.file)
        if not n:
            self.problem = "file name must be NN.K-short-slug.c (letters, digits and dashes)"
        elif not m:
            self.problem = "first line must be /* decoy NN.K: <the mistake in a few words> */"
        elif m.group(1, 2) != n.group(1, 2):
            self.problem = f"first line says decoy {m.group(1)}.{m.group(2)} but the file name says {n.group(1)}.{n.group(2)}"
        self.id = f"{n.group(1)}.{int(n.group(2))}" if n else self.slug
        self.mistake = m.group(3) if m else "?"
        if self.body and not self.body.endswith("\n"):
            self.body += "\n"


def decoys_of(chapter_dir):
    return [Decoy(p) for p in sorted(glob.glob(os.path.join(chapter_dir, "decoys", "*.c")))]


def first_failure(suite_results, printed):
    """(passed_all, why): why = the message of the first failing check, as the report shows it."""
    bad = [t for t in suite_results if t[1] not in ("PASSED", "SKIPPED")]
    if suite_results and not bad:
        return True, ""
    if not suite_results:
        return False, "no check ran"
    # Every failing check, the one whose message names the mistake is among them (up to 3).
    whys = [f"{t[0]}: {report.explain(None, t[1], t[2], printed.get(t[0]))}" for t in bad]
    return False, "\n          and by ".join(whys[:3]) + (f"\n          and {len(whys) - 3} more" if len(whys) > 3 else "")


def run_decoy(build, name, ex, decoy, timeout):
    """Returns (status, detail): status is 'rejected', 'passed' (a defect) or 'broken'."""
    if decoy.problem:
        return "broken", decoy.problem
    # A decoy that calls the library's own version of its exercise is refused by the grader's scan
    # (integrity.py: the /*forbid block) before any check runs, as a student's region would be.
    refused = integrity.scan_region(decoy.body, exercises.forbidden(".", name).get(ex.id, ()), ex.id)
    if refused:
        return "rejected", f"the grader's scan of the region (integrity.py), line {refused[0][0] + 1}: {refused[0][1]}"
    root = os.path.join(build, "decoys", decoy.slug)
    isolate.write_copy(name, ex, decoy.body, root)
    binary, log = isolate.build_copy(build, root, name, env=BUILD_ENV)
    if not binary:
        return "broken", "does not compile: " + " | ".join(report.build_problems(log)[:3])
    out = os.path.join(os.path.dirname(binary), "results.json")
    # contain kills the run at the time-out and whatever processes the decoy left behind.
    code, stderr = isolate.run_suite(build, binary, ex.suite, out, timeout)
    if code == 124:
        return "rejected", "the checks timed out (counted as failed)"
    results = report.load_results(os.path.dirname(out)) or {}
    printed = {t: v for (s, t), v in report.per_test_output(stderr).items() if s == ex.suite}
    passed, why = first_failure(results.get(ex.suite, []), printed)
    if passed:
        return "passed", f"all {len(results[ex.suite])} checks of {ex.suite} pass"
    return "rejected", why


def exercise_state(result_dir, ex):
    """'✔', '✘' or '?' for an exercise in a grading run's results."""
    res = report.load_results(result_dir) if result_dir else None
    if res is None:
        return "?"
    tests = res.get(ex.suite, [])
    ok = tests and all(t[1] in ("PASSED", "SKIPPED") for t in tests) and any(t[1] == "PASSED" for t in tests)
    return "✔" if ok else "✘"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("B", "build"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--stubs", help="result directory of the stub run (build/wb-.../), to show stub ✘")
    ap.add_argument("chapters", nargs="*", help="chapter numbers (default: all)")
    a = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    names = sorted(os.path.basename(d) for d in glob.glob("chapters/[0-9][0-9]_*")
                   if os.path.exists(os.path.join(d, os.path.basename(d) + ".c")))
    if a.chapters:
        names = [n for n in names if n[:2] in {c.zfill(2) for c in a.chapters}]
    plan, problems, warnings = [], [], []
    for name in names:
        exs = {ex.id: ex for ex in exercises.chapter_exercises(".", name)}
        for d in decoys_of(os.path.join("chapters", name)):
            if d.id not in exs and not d.problem:
                d.problem = f"chapter {name} has no exercise {d.id}"
            plan.append((name, exs.get(d.id), d))
    # The library first, once: the decoys' parallel builds then only read it.
    subprocess.run(["make", "--no-print-directory", "-s", f"B={a.build}", f"{a.build}/libnn.a",
                    f"{a.build}/tools/contain"], check=True)
    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        futures = {id(d): pool.submit(run_decoy, a.build, name, ex, d, a.timeout) for name, ex, d in plan}
        outcome = {k: f.result() for k, f in futures.items()}
    total = rejected = 0
    for name in names:
        ch = int(name[:2])
        print(color("1", f"Chapter {name.replace('_', ' ', 1)}"))
        ref_dir = os.path.join(a.build, "ref", name)
        stub_dir = os.path.join(a.stubs, name) if a.stubs else None
        mine = [(ex, d) for n, ex, d in plan if n == name]
        short = []  # exercises with too few decoys
        for ex in exercises.chapter_exercises(".", name):
            ds = [d for e, d in mine if e is not None and e.id == ex.id]
            marks = []
            for d in ds:
                status, detail = outcome[id(d)]
                total += 1
                if status == "rejected":
                    rejected += 1
                    marks.append(f"      {color('32', '✘')} {d.slug}: {d.mistake}\n          rejected by {detail}")
                    if not any("Hint" in w or "timed out" in w or "integrity.py" in w for w in detail.split("\n")):
                        warnings.append(f"decoy {d.slug} is rejected by a message without a hint: {detail}")
                else:
                    marks.append(color("31", f"      ✔ {d.slug}: {d.mistake}\n          DEFECT: {detail}"))
                    problems.append(f"decoy {d.slug} {'earns the points' if status == 'passed' else 'is broken'}: {detail}")
            need = required(ex.points)
            refm, stubm = exercise_state(ref_dir, ex), exercise_state(stub_dir, ex) if stub_dir else "?"
            print(f"  {ex.id:<6} {ex.title:<48.48} reference {refm}  stub {stubm}  "
                  f"{len(ds)} decoy{'s' if len(ds) != 1 else ''}"
                  + ("" if len(ds) >= need else color("31", f"  (needs {need})")))
            for m in marks:
                print(m)
            if len(ds) < need:
                short.append(f"{ex.id} has {len(ds)} of {need}")
            if refm == "✘":
                problems.append(f"exercise {ex.id}: the reference does not earn its points")
            if stubm == "✔":
                problems.append(f"exercise {ex.id}: the stub earns the points")
        if short:
            msg = f"chapter {name} has too few decoys (2 per exercise of 2+ points, 1 per 1-point one): {', '.join(short)}"
            (problems if ch in ENFORCED else warnings).append(msg)
        for n, ex, d in plan:
            if n == name and ex is None:
                problems.append(f"decoy {d.file}: {outcome[id(d)][1]}")
        print()
    for w in warnings:
        print(color("33", f"warning: {w}"))
    for p in problems:
        print(color("31", f"decoy check: {p}"))
    print(f"decoys: {rejected} of {total} rejected" + ("" if not problems else color("31", f", {len(problems)} problem(s)")))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
