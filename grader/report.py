#!/usr/bin/env python3
"""The grader's report: points per exercise, a hint for every failed check, and the totals.

    python3 grader/report.py --root ROOT RESULT_DIR... [--library DIR] [--progress | --expect-stubs]

Each RESULT_DIR is build/<edition>/<NN_name>/ as `make check` leaves it: results.json (Criterion's
--json report; missing when the chapter did not compile), stderr.txt (what the tests printed,
where a stub's TODO(NN, K) message shows up) and build.log (the compiler's output). ROOT is the
directory whose chapters/ were graded ("." for the reference, "workbook" for the student's).

An exercise earns its points when every test of its suite (exNN_K) passes, and a test passes only
if it ran to its end: it must have made at least as many assertions as on the reference solution
(chapters/NN_name/expected_asserts.tsv, see asserts.py), so a region that ends the test early with a
clean exit status (exit(0), _exit(0), longjmp, a signal handler) earns nothing. The student's chapter
files are also compared with the course (integrity.py): a change outside the exercise regions, a
preprocessor directive, a reference to the test framework or a forbidden call inside one is reported
as file:line. Refused code inside a region costs that exercise its points in every mode; a change
outside the regions is a warning, and with --teacher (make check TEACHER=1, batch grading) it gives
the chapter 0. A test that reports
itself SKIPPED (Criterion's cr_skip_test, e.g. a GPU test on a machine without a GPU) is neither
passed nor failed: it is listed with its reason and counted apart ("N skipped"). A test that crashed,
timed out or stopped on a TODO costs its exercise only: Criterion runs each test in its own
process.

An exercise whose code runs another exercise that failed was graded again alone, with the course's
version of that one (isolate.py): its results come from RESULT_DIR/isolated/exNN_K/, and its line
says so. So were the written exercises of a workbook chapter that does not compile as a whole: the
chapter's line says so above the compiler's errors, and an exercise whose region does not compile on
its own shows the first error of its own build (at the student's file:line) with a hint.

After an exercise passes, the teacher's note on it (a /*note NN.K ... */ block in the test file)
is shown below its line. --progress prints one line per chapter. --expect-stubs is the self-check's mode: it succeeds only
if every exercise scored 0 with every one of its tests failing (proof that each test can fail).
"""
import argparse
import json
import os
import re
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import asserts  # noqa: E402
import exercises  # noqa: E402
import integrity  # noqa: E402
import isolate  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EARNED = []  # (exercise id, points earned, possible) of every graded exercise, for --csv
NOTES = []  # what the teacher's gradebook says besides points (--notes): not compiled, refused, ...
DEPENDENT = []  # in a student release: (exercise, [exercises it runs]), for the note said once

TTY = sys.stdout.isatty()


def color(code, text):
    return f"\033[{code}m{text}\033[0m" if TTY else text


def repair_criterion_json(text):
    """Criterion 2.4 writes assertion messages into its JSON without escaping quotes or
    backslashes. Messages sit one per line inside "messages": [ ... ]: re-escape those lines."""
    out, in_messages = [], False
    for line in text.splitlines():
        if '"messages": [' in line:
            in_messages = "]" not in line
        elif in_messages and line.strip().startswith("]"):
            in_messages = False
        elif in_messages:
            m = re.match(r'^(\s*)"(.*)"(,?)\s*$', line)
            if m:
                body = m.group(2).replace("\\", "\\\\").replace('"', '\\"')
                line = f'{m.group(1)}"{body}"{m.group(3)}'
        out.append(line)
    return "\n".join(out)


def read_criterion_json(path):
    """A Criterion --json report as a dict (repaired if need be), or None when there is none or it
    cannot be read (a runner killed while writing it)."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    for t in (text, repair_criterion_json(text)):
        try:
            return json.loads(t)
        except json.JSONDecodeError:
            pass
    return None


def load_results(d):
    """{suite: [(test, status, messages, assertions)]} or None if the chapter did not build."""
    data = read_criterion_json(os.path.join(d, "results.json"))
    if data is None:
        return None
    suites = {}
    for s in data.get("test_suites", []):
        for t in s.get("tests", []):
            suites.setdefault(s["name"], []).append(
                (t["name"], t["status"], t.get("messages", []), t.get("assertions", 0)))
    return suites


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def per_test_output(stderr):
    """{(suite, test): text the test printed}. The tests run one at a time (--jobs 1), so what a
    failing test printed comes right before Criterion's "[FAIL] suite::test" line."""
    out, chunk = {}, []
    for line in stderr.splitlines():
        m = re.match(r"\[FAIL\] (\w+)::(\w+):", line)
        if m:
            out[m.groups()] = "\n".join(chunk)
            chunk = []
        elif not line.startswith("[----]"):
            chunk.append(line)
    return out


CRITERION_OWN = {"The test crashed.", "The test timed out."}


def last_assertion(messages):
    """The message of the last failed assertion on one line. Criterion prefixes it with "file:line: "
    and splits a message with newlines into entries, the continuations indented by two spaces: keep
    them all (the first line says what was expected, the last usually carries the hint), eliding
    the middle of a long one (a program's captured output)."""
    start = max([i for i, m in enumerate(messages) if not m.startswith("  ")] or [0])
    lines = [l.strip() for l in messages[start:] if l.strip()] or ["(an assertion failed with an empty message)"]
    lines[0] = re.sub(r"^[^:\s]+:\d+: ", "", lines[0])
    text = " ".join(lines)
    return (text if len(text) <= 600 or len(lines) < 3 else f"{lines[0]} [...] {lines[-1]}").strip()


def explain(ex, status, messages, printed):
    """One line saying why a test failed, with its hint."""
    todo = re.search(r"TODO\((\d\d), (\d+)\)", printed or "")
    if todo:
        ch, k = todo.groups()
        if ex and (int(ch), int(k)) == (ex.chapter, ex.number):
            return f"not written yet: {todo.group(0)} is still in the region. Write the code the prose asks for."
        return f"this check also runs exercise {ch}.{k}, which is not written yet: solve that one first."
    own = [m for m in messages if m in CRITERION_OWN]
    mine = [m for m in messages if m not in CRITERION_OWN]
    if mine:
        return last_assertion(mine)
    if "The test timed out." in own:
        return ("timed out: the code never finished. Look for a loop whose condition never becomes "
                "false (an index that is not incremented, a <= that should be <).")
    if status == "ERRORED" or own:
        return ("crashed before its checks finished: look for an index out of range or a NULL "
                "pointer; make check CH=NN SAN=1 names the exact line.")
    if status == "SHORT":
        return messages[0]
    if status == "FAILED":
        return "stopped before its checks: does the code call exit() or abort()?"
    return status.lower()


def build_problems(log):
    """The compiler's and linker's lines that name the problem, with their file:line, each once:
    errors, undefined references (with the implicit-declaration warning that usually explains
    them), rather than only "collect2: error: ld returned 1 exit status"."""
    lines = log.strip().splitlines()
    keep, seen = [], set()
    for l in lines:
        if re.search(r"error:|undefined reference|implicit declaration|multiple definition|No rule to make", l) \
                and "ld returned" not in l:
            l = re.sub(r"^/usr/bin/ld: ", "", l)
            l = l.replace(os.getcwd() + "/", "")
            if l not in seen:
                seen.add(l)
                keep.append(l)
    return keep or lines[-12:]


def decoy_count(name, ex):
    """How many decoys (chapters/NN_name/decoys/NN.K-*.c, beside the tests) this exercise's checks
    reject: make selfcheck proves each one fails."""
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chapters", name, "decoys")
    try:
        return sum(f.startswith(ex.id + "-") and f.endswith(".c") for f in os.listdir(d))
    except FileNotFoundError:
        return 0


def ran_to_the_end(results, record):
    """Turns a PASSED test that made fewer assertions than the reference into status SHORT: it
    stopped early (exit, _exit, longjmp, ...) yet Criterion saw a clean end."""
    for suite, tests in results.items():
        for i, (name, status, messages, n) in enumerate(tests):
            need = max(1, (record or {}).get((suite, name), 1))
            if status == "PASSED" and n < need:
                tests[i] = (name, "SHORT", [
                    f"stopped before its end: it made {n} of the {need} checks it makes on the reference "
                    "solution, so it does not count. Hint: does the code leave by exit(), _exit(), abort() "
                    "or a longjmp instead of returning?"], n)


def grade_chapter(root, d, mode, teacher=False):
    """Prints the chapter's table; returns (points, possible, passed, failed, stub_ok)."""
    name = os.path.basename(os.path.normpath(d))
    source = exercises.chapter_source(root, name)
    exs = exercises.chapter_exercises(COURSE, name)  # the markers of the course, not the student's copy
    results = load_results(d)
    record = asserts.load(COURSE, name)
    same = os.path.realpath(root) == os.path.realpath(COURSE)
    printed = per_test_output(read(os.path.join(d, "stderr.txt")))
    alone = {}  # exercise id: the course's exercises it was graded with (isolate.py), or None: not built
    # A chapter that did not compile as a whole: its written exercises were each graded alone.
    unbuilt = not same and results is None and isolate.did_not_build(d)
    todo = [] if same else isolate.plan(COURSE, root, name, results, record, unbuilt)
    for ex, deps in todo:
        mine = os.path.join(d, "isolated", ex.suite)
        if not os.path.isdir(mine):  # not run (GRADER_NO_ISOLATION=1, or results of an older grader)
            continue
        iso = load_results(mine)
        alone[ex.id] = deps if iso is not None else None
        if iso is not None or unbuilt:
            results = {} if results is None else results
            results[ex.suite] = (iso or {}).get(ex.suite, [])
            printed.update({k: v for k, v in per_test_output(read(os.path.join(mine, "stderr.txt"))).items()
                            if k[0] == ex.suite})
    if isolate.is_release(COURSE) and mode == "report" and not DEPENDENT:  # one example is enough
        ch = isolate.Chapter(COURSE, name)
        DEPENDENT.extend((ex, deps) for ex in ch.exs if (deps := ch.depends(ex)))
    if results is not None:
        ran_to_the_end(results, record)
    problems = [] if same else integrity.check_chapter(COURSE, root, name)
    notes = exercises.test_blocks(COURSE, name, "note")
    possible = sum(e.points for e in exs)
    quiet = mode == "progress"
    if not quiet:
        print(color("1", f"Chapter {name.replace('_', ' ', 1)}") + f"  ({source})")
    refused = {exid for _, _, exid in problems if exid}
    short = name[:2]
    for what in dict.fromkeys("edit outside the regions" if "outside" in msg else "chapter file missing or "
                              "markers broken" for _, msg, exid in problems if not exid):
        NOTES.append(f"{short}: {what}" + (" (chapter 0)" if teacher else ""))
    NOTES.extend(f"{exid}: refused code" for exid in sorted(refused))
    outside = [p for p in problems if not p[2]]  # teacher mode: any of these gives the chapter 0
    if problems and not quiet:
        head = ("0 points for this chapter in teacher mode, because:" if teacher and outside else
                "the grader does not accept these (code refused inside a region costs its exercise" +
                ("; in teacher mode a change outside the regions gives this chapter 0 points):" if outside else "):"))
        print(color("31", "  " + head))
        for where, msg, _ in problems[:20]:
            print(color("31", f"    {where}: {msg}"))
        if len(problems) > 20:
            print(color("31", f"    ... and {len(problems) - 20} more"))
    log = read(os.path.join(d, "build.log"))
    if results is None:
        NOTES.append(f"{short}: did not compile" if isolate.did_not_build(d) else
                     f"{short}: tests stopped without results (time or other limit)")
        if not quiet and not isolate.did_not_build(d):
            print(color("31", f"  built, but its test runner stopped without writing results (killed, out of time or "
                        f"over a limit), so none of its {len(exs)} exercises could be graded; it printed last:"))
            for l in read(os.path.join(d, "stderr.txt")).strip().splitlines()[-6:]:
                print("    " + l[:200])
            print()
        elif not quiet:
            print(color("31", f"  does not compile or link, so none of its {len(exs)} exercises could be graded "
                        "(they are not counted as failed); the compiler says:"))
            for l in build_problems(log)[:12]:
                print("    " + l)
            print()
        EARNED.extend((e.id, 0, e.points) for e in exs)
        return 0, possible, 0, 1, False, 0
    if unbuilt:
        NOTES.append(f"{short}: did not compile as a whole (exercises graded alone)")
    if unbuilt and not quiet:
        for l in textwrap.wrap("does not compile as a whole, so each exercise you wrote was graded alone instead: "
                               "on the course's chapter with only that region replaced by yours (an exercise not "
                               "written yet, or whose region does not compile on its own, earns 0). Fix what the "
                               "compiler says to grade the chapter as one program again:", 100):
            print(color("31", "  " + l))
        for l in build_problems(log)[:6]:
            print("    " + l)
        print()
    points = passed = skipped = 0
    failed = int(unbuilt)  # the chapter as one program is a check that failed: make check says so
    stub_ok = not (problems and mode == "expect-stubs")
    skip_reasons = {}  # reason: [checks], reported once per chapter
    for ex in exs:
        tests = results.pop(ex.suite, [])
        ok = [t for t in tests if t[1] == "PASSED"]
        skip = [t for t in tests if t[1] == "SKIPPED"]
        bad = [t for t in tests if t[1] not in ("PASSED", "SKIPPED")]
        for t in skip:
            skip_reasons.setdefault((t[2] or ["no reason given"])[-1], []).append(f"{ex.suite}::{t[0]}")
        skipped += len(skip)
        earned = ex.points if ok and not bad and not (outside and teacher) and ex.id not in refused else 0
        EARNED.append((ex.id, earned, ex.points))
        if any("The test timed out." in t[2] for t in bad):
            NOTES.append(f"{ex.id}: time-out")
        if not tests and unbuilt and any(e.id == ex.id for e, _ in todo):
            res = os.path.join(d, "isolated", ex.suite)
            if isolate.did_not_build(res) and os.path.exists(os.path.join(res, "build.log")):
                NOTES.append(f"{ex.id}: does not compile")
        points += earned
        passed += len(ok)
        failed += len(bad) + (0 if tests else 1)
        if mode == "expect-stubs" and (ok or not tests):
            stub_ok = False
            print(color("31", f"  self-check: exercise {ex.id} has {len(ok)} test(s) passing on its stub "
                        f"({', '.join(t[0] for t in ok) or 'no tests at all'}): such tests cannot fail"))
        if quiet:
            continue
        mark = color("32", "✔") if earned else color("31", "✘")
        print(f"  {mark} {ex.id:<6} {ex.title:<52.52} {earned:>2} / {ex.points:<2} points   "
              f"{len(ok)}/{len(tests)} checks" + (f", rejects {n} decoy{'s' if n > 1 else ''}"  # self-check only
                                                   if same and (n := decoy_count(name, ex)) else ""))
        if not tests and unbuilt:
            print("      " + alone_failure(ex, d, any(e.id == ex.id for e, _ in todo)))
        elif not tests:
            print(color("31", f"      no results for this exercise's checks (suite {ex.suite}): not run, or none found"))
        if ex.id in alone and not unbuilt:  # the chapter's line said how
            print(color("2", "      " + graded_alone(ex, alone[ex.id])))
        why = {}  # the same reason for several checks is said once
        for t in bad:
            why.setdefault(explain(ex, t[1], t[2], printed.get((ex.suite, t[0]))), []).append(t[0])
        for reason, names in why.items():
            print(f"      {', '.join(names) if len(names) < 3 else f'{len(names)} checks'}: {reason}")
        if earned and ex.id in notes and mode == "report" and not same:  # the student's, not the reference's
            for i, line in enumerate(textwrap.wrap(" ".join(notes[ex.id].split()), 88)):
                print(color("2", ("      note: " if i == 0 else "            ") + line))
    for suite, tests in results.items():  # suites that belong to no exercise
        for t in tests:
            passed += t[1] == "PASSED"
            if t[1] == "SKIPPED":
                skipped += 1
                skip_reasons.setdefault((t[2] or ["no reason given"])[-1], []).append(f"{suite}::{t[0]}")
                continue
            failed += t[1] != "PASSED"
            if not quiet and t[1] != "PASSED":
                print(f"  ✘ {suite}::{t[0]}: {explain(None, t[1], t[2], printed.get((suite, t[0])))}")
        # Helper suites (ch01, gpu, ...) carry no points; only a misnamed exercise suite is a defect.
        if mode == "expect-stubs" and re.match(r"ex\d+_\d+$", suite):
            stub_ok = False
            print(color("31", f"  self-check: suite {suite} belongs to no exercise of {source}"))
    if not quiet:
        for reason, names in skip_reasons.items():
            print(f"  – {len(names)} check{'s' if len(names) > 1 else ''} skipped: {reason}")
        print(f"  {'':<60}{points:>3} / {possible:<3} points\n")
    return points, possible, passed, failed, stub_ok, skipped


# The compiler's usual first complaints, and what the student most often wrote to cause them.
COMPILE_HINTS = [
    (r"expected [‘'][;,)][’']", "a statement or declaration is missing its `;` (or a `)`), often at the end of "
     "the line before"),
    (r"end of input|invalid storage class|nested function|expected declaration or statement",
     "a `{` or `(` of this region is not closed: count them (an error reported after the region starts there)"),
    (r"undeclared|implicit declaration|unknown type name",
     "a name that is not declared there: a typo, or a variable declared in an inner block or later"),
    (r"too (few|many) arguments|incompatible type|invalid operands",
     "a function called or a value used with other types or arguments than the prose's signatures state"),
]


def alone_failure(ex, d, written):
    """Why an exercise of a chapter that does not compile as a whole earned nothing, without a
    check of it having run: not written yet, or its region alone does not compile (the compiler's
    first error, at the student's file:line, and a hint)."""
    if not written:
        return explain(ex, "FAILED", [], f"TODO({ex.chapter:02d}, {ex.number})")
    res = os.path.join(d, "isolated", ex.suite)
    if not isolate.did_not_build(res) or not os.path.exists(os.path.join(res, "build.log")):
        return "graded alone, but its checks stopped without writing results (killed, out of time or over a limit)"
    found = build_problems(read(os.path.join(res, "build.log")))
    first = next((l for l in found if re.search(r"error:|undefined reference", l)), found[0] if found else "?")
    hint = next((h for pat, h in COMPILE_HINTS if re.search(pat, first)),
                "fix this first error: the ones after it often follow from it")
    return (color("31", "does not compile on its own (your region, the course's code around it):") +
            f"\n        {first}\n      Hint: {hint}.")


def graded_alone(ex, deps):
    """The line that tells the student an exercise was graded with the course's version of others."""
    if deps is None:
        return (f"graded with your own versions of the exercises it runs: a copy with the course's "
                f"did not build with your {ex.id}")
    names = " and ".join(f"{f.id} (`{fn}`)" for f, fn in deps)
    return (f"graded with the course's {names}, since yours {'does' if len(deps) == 1 else 'do'} not pass "
            f"yet: a mistake there does not cost {ex.id}")


def library(d):
    results = load_results(d)
    if results is None:
        print(color("31", "Library tests (common/) do not compile:"))
        print(read(os.path.join(d, "build.log"))[-2000:])
        return 0, 1
    passed = failed = 0
    lines = []
    for suite, tests in sorted(results.items()):
        for name, status, messages, assertions in tests:
            if status == "PASSED":
                passed += 1
            else:
                failed += 1
                lines.append(f"  ✘ {suite}::{name}: {explain(None, status, messages, '')}")
    print(color("1", "Library tests (common/)") + f"  {passed}/{passed + failed} checks pass")
    for l in lines:
        print(l)
    print()
    return passed, failed


def no_assertion_tests(dirs):
    """Tests that passed without asserting anything: they prove nothing."""
    found = []
    for d in dirs:
        for suite, tests in (load_results(d) or {}).items():
            found += [f"{os.path.basename(d)}: {suite}::{t[0]}" for t in tests if t[1] == "PASSED" and t[3] == 0]
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--library")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--expect-stubs", action="store_true")
    ap.add_argument("--teacher", action="store_true", help="changes outside the regions give the chapter 0")
    ap.add_argument("--csv", help="write 'exercise,points,possible' rows to this file (batch grading)")
    ap.add_argument("--notes", help="write the gradebook's notes, one a line, to this file (batch grading)")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    mode = "progress" if a.progress else "expect-stubs" if a.expect_stubs else "report"
    total = possible = passed = failed = skipped = 0
    stubs_ok = True
    rows = []
    if a.teacher and mode == "report":  # the course's commit, and whether the submission's release differs
        import release
        for line in release.course_note(a.root, [os.path.basename(os.path.normpath(d)) for d in a.dirs]):
            print(color("31", line) if line.startswith(("warning", "  ")) else line)
            if line.startswith("warning"):  # the gradebook's notes column says it too
                NOTES.append("handed in from another course commit than the one graded with (see the report)")
        print()
    for d in a.dirs:
        try:
            p, q, ok, bad, stub_ok, skip = grade_chapter(a.root, d, mode, a.teacher)
        except exercises.MarkupError as e:
            print(color("31", f"broken exercise markup: {e}"))
            p, q, ok, bad, stub_ok, skip = 0, 0, 0, 1, False, 0
        skipped += skip
        rows.append((os.path.basename(os.path.normpath(d)), p, q))
        total, possible, passed, failed = total + p, possible + q, passed + ok, failed + bad
        stubs_ok &= stub_ok
    if DEPENDENT:
        ex, deps = DEPENDENT[0]
        print(f"Note: this copy of the course holds no reference solutions, so an exercise whose code or tests "
              f"may reach another one is graded with yours (e.g. {ex.id} with your {deps[0].id}; the grader "
              f"finds these by the names the code uses, so some are only possible): solve them in order.\n")
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("exercise,points,possible\n" + "".join(f"{i},{p},{q}\n" for i, p, q in EARNED))
    if a.notes:
        with open(a.notes, "w") as f:
            f.write("".join(n + "\n" for n in dict.fromkeys(NOTES)))
    if a.library:
        ok, bad = library(a.library)
        passed, failed = passed + ok, failed + bad
    if mode == "progress":
        for name, p, q in rows:
            n = 20 * p // q if q else 0
            print(f"{name:<24} {'#' * n}{'.' * (20 - n)} {p:>3} / {q:<3} points")
        print(f"{'total':<24} {'':20} {total:>3} / {possible:<3} points")
        return 0
    empty = no_assertion_tests(a.dirs + ([a.library] if a.library else []))
    course = os.path.realpath(a.root) == os.path.realpath(COURSE)
    for t in empty:  # on the reference a defect of the course; in a workbook, the student's code ended it
        print(color("31", f"defect: {t} passed without a single assertion" if course else
                    f"{t}: your code ended this check before it checked anything (an exit() or a return "
                    "out of the test?), so it does not count"))
    if mode == "expect-stubs":
        ok = stubs_ok and not empty and total == 0
        print(f"self-check of the stubs: {'every exercise fails on its stub' if ok else 'FAILED'}")
        return 0 if ok else 1
    print(color("1", f"Total: {total} / {possible} points"))
    print(f"{passed} passed, {failed + len(empty)} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or empty else 0


if __name__ == "__main__":
    sys.exit(main())
