#!/usr/bin/env python3
"""The student's helpers: reset an exercise, ask for a hint, find the next exercise to do.

    make reset EX=07.2    python3 grader/student.py reset 07.2 [--wb workbook]
    make hint EX=07.2     python3 grader/student.py hint 07.2 [--wb workbook]
    make next             python3 grader/student.py next [--wb workbook]

reset puts the TODO stub back into exercise 07.2's region of your workbook, after copying the
whole file as it was to workbook/.backups/<file>.<NN.K>.<time> (nothing you wrote is lost).

hint prints the hints of the /*hint NN.K ... */ block of the chapter's test file one level at a
time: the first call shows the nudge, each further call one more level, up to the key equation
(workbook/.hints remembers how far you got; `make hint EX=07.2 LEVEL=1` starts over).

next grades the chapters in order (reusing the results of the last make check when no file
changed since) and names the first exercise that does not pass: where its region is, why it
fails, and how to ask for a hint.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find(ex_id):
    """(chapter directory name, Exercise) for "07.2", or exits with the list of exercises."""
    m = re.match(r"^(\d\d)\.(\d+)$", ex_id or "")
    if not m:
        sys.exit(f"Which exercise? Give its number as EX=NN.K, e.g. make hint EX=01.2 (got '{ex_id}').")
    for name in chapters():
        if name.startswith(m.group(1) + "_"):
            for e in exercises.chapter_exercises(COURSE, name):
                if e.id == ex_id:
                    return name, e
            ids = ", ".join(e.id for e in exercises.chapter_exercises(COURSE, name))
            sys.exit(f"Chapter {m.group(1)} has no exercise {ex_id}; its exercises are {ids}.")
    sys.exit(f"There is no chapter {m.group(1)}; the chapters are {', '.join(c[:2] for c in chapters())}.")


def chapters():
    d = os.path.join(COURSE, "chapters")
    return sorted(c for c in os.listdir(d) if re.match(r"\d\d_", c) and os.path.isfile(os.path.join(d, c, c + ".c")))


def reset(a):
    name, ex = find(a.ex)
    rel = os.path.relpath(ex.path, COURSE)
    path = os.path.join(a.wb, rel)
    if not os.path.exists(path):
        sys.exit(f"There is no {path}: make workbook writes your copy of the chapters first.")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        mine = next(e for e in exercises.parse(path, text) if e.id == ex.id)
    except (StopIteration, exercises.MarkupError) as e:
        sys.exit(f"Cannot find the region of exercise {ex.id} in {path} ({e or 'its BEGIN/END markers are gone'}). "
                 f"Delete the file and run make workbook for a fresh copy.")
    lines = text.splitlines(keepends=True)
    stub = f"{mine.indent}TODO({mine.chapter}, {mine.number}); /* your code here: the task is stated in the prose above */\n"
    if lines[mine.begin:mine.end - 1] == [stub]:
        print(f"Exercise {ex.id} is already the stub in {path}:{mine.begin + 1}; nothing to reset.")
        return 0
    backups = os.path.join(a.wb, ".backups")
    os.makedirs(backups, exist_ok=True)
    backup = os.path.join(backups, f"{os.path.basename(path)}.{ex.id}.{time.strftime('%Y%m%d-%H%M%S')}")
    with open(backup, "w", encoding="utf-8") as f:
        f.write(text)
    new = "".join(lines[:mine.begin] + [stub] + lines[mine.end - 1:])
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(path + ".tmp", path)
    print(f"Exercise {ex.id} ({ex.title}) is the stub again in {path}:{mine.begin + 1}.")
    print(f"What was there is saved in {backup} (the whole file as it was).")
    return 0


def hint(a):
    name, ex = find(a.ex)
    hints = exercises.test_blocks(COURSE, name, "hint")
    if ex.id not in hints:
        print(f"Exercise {ex.id} has no hints yet. Read the prose above its region again "
              f"({os.path.relpath(ex.path, COURSE)}:{ex.begin}); make check CH={name[:2]} shows what fails and why.")
        return 0
    levels = [l.strip() for l in re.split(r"(?m)^\d+\.\s+", hints[ex.id].strip()) if l.strip()]
    state_dir = a.wb if os.path.isdir(a.wb) else os.path.join(COURSE, "build")
    os.makedirs(state_dir, exist_ok=True)
    state_path = os.path.join(state_dir, ".hints")
    try:
        with open(state_path) as f:
            state = json.load(f)
    except (FileNotFoundError, ValueError):
        state = {}
    shown = (a.level - 1) if a.level else state.get(ex.id, 0)
    shown = min(max(shown, 0), len(levels) - 1) + 1
    state[ex.id] = shown
    with open(state_path + ".tmp", "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(state_path + ".tmp", state_path)
    print(f"Hints for exercise {ex.id}: {ex.title}")
    for i, h in enumerate(levels[:shown], 1):
        text = " ".join(h.split())
        print(f"  {i}/{len(levels)}. {text}")
    if shown < len(levels):
        print(f"(make hint EX={ex.id} again for hint {shown + 1} of {len(levels)}, more specific)")
    else:
        print("(that was the last hint: it states the key equation or convention)")
    return 0


def graded_points(name, wb):
    """{exercise id: earned} from the last grading of this chapter, re-grading when a file of
    the chapter changed since (or it was never graded)."""
    edition = "wb" if os.path.normpath(wb) == "workbook" else "wb-" + wb.replace("/", "_")
    root = wb if os.path.isdir(os.path.join(wb, "chapters")) else "."
    if root == ".":
        edition = "ref"
    d = os.path.join(COURSE, "build", edition, name)
    res = os.path.join(d, "results.json")
    src_dir = os.path.join(root, "chapters", name)
    newest = max([os.path.getmtime(os.path.join(src_dir, f)) for f in os.listdir(src_dir)] +
                 [os.path.getmtime(os.path.join(COURSE, "chapters", name, f"test_{name}.c"))])
    if not os.path.exists(res) or os.path.getmtime(res) < newest:
        print(f"grading chapter {name[:2]} ...", file=sys.stderr)
        subprocess.run(["make", "--no-print-directory", "-s", "check", f"CH={name[:2]}"] +
                       ([f"WB={wb}"] if root != "." else ["REF=1"]),
                       cwd=COURSE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = os.path.join(d, "next.csv")
    r = subprocess.run([sys.executable, os.path.join(COURSE, "grader/report.py"), "--root", root, d, "--csv", out],
                       cwd=COURSE, capture_output=True, text=True)
    with open(out) as f:
        return {row["exercise"]: int(row["points"]) for row in csv.DictReader(f)}, r.stdout, root, d


def compile_error(d, root, name):
    """When chapter name did not compile as a whole (its results dir d has no run): the compiler's
    first error and the region it is in, as lines to print; [] when it compiled."""
    import isolate
    import report
    if not isolate.did_not_build(d):
        return []
    found = report.build_problems(report.read(os.path.join(d, "build.log")))
    first = next((l for l in found if re.search(r"error:|undefined reference", l)), found[0] if found else "")
    out = [f"  chapter {name[:2]} does not compile, so nothing of it runs as one program; the compiler's first error:",
           f"    {first.strip()}"]
    m = re.match(r"^(.*?):(\d+):", first)
    if m:
        path, line = m.group(1), int(m.group(2))
        full = path if os.path.isabs(path) else os.path.join(COURSE, path)
        try:
            regions = exercises.parse(full)
        except (OSError, UnicodeDecodeError, exercises.MarkupError):
            regions = None
        if regions is not None:
            ex = next((e for e in regions if e.begin < line < e.end), None)
            shown = os.path.relpath(full, COURSE) if full.startswith(COURSE + "/") else path
            out.append(f"  that line is in the region of exercise {ex.id} ({shown}:{ex.begin + 1}): fix it there first"
                       if ex else f"  that line is outside every exercise region of {shown}: it should be as "
                       "make workbook wrote it (an unclosed { or ( in a region above it can cause this too)")
    return out


def next_exercise(a):
    for name in chapters():
        if os.path.isdir(os.path.join(a.wb, "chapters")) and not os.path.isdir(os.path.join(a.wb, "chapters", name)):
            print(f"Next: chapter {name[:2]} is not in your workbook ({a.wb}/chapters/{name} is missing)")
            print(f"  make workbook{'' if os.path.normpath(a.wb) == 'workbook' else ' WB=' + a.wb} adds the chapters "
                  "and files that are missing (a file you changed is never overwritten)")
            return 0
        points, table, root, d = graded_points(name, a.wb)
        for ex in exercises.chapter_exercises(COURSE, name):
            if points.get(ex.id, 0) < ex.points:
                where = os.path.join(root, os.path.relpath(ex.path, COURSE)) if root != "." else os.path.relpath(ex.path, COURSE)
                print(f"Next: exercise {ex.id} ({ex.points} point{'s' if ex.points > 1 else ''}): {ex.title}")
                print(f"  region: {os.path.normpath(where)}:{ex.begin + 1}")
                for l in compile_error(d, root, name):
                    print(l)
                lines = table.splitlines()
                for i, l in enumerate(lines):  # the report's line for it and the reasons below it
                    if re.match(rf"^\s*\S+ {re.escape(ex.id)}\s", re.sub(r"\033\[[0-9;]*m", "", l)):
                        for r in lines[i + 1:]:
                            if not r.startswith("      "):
                                break
                            print("  " + r.strip())
                        break
                print(f"  stuck? make hint EX={ex.id} (one more hint each time); grade it with make check CH={name[:2]}")
                return 0
    print("Every exercise of every chapter passes. Well done: make progress shows the whole course.")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["reset", "hint", "next"])
    ap.add_argument("ex", nargs="?")
    ap.add_argument("--wb", default="workbook")
    ap.add_argument("--level", type=int, default=0)
    a = ap.parse_args()
    os.chdir(COURSE)
    return {"reset": reset, "hint": hint, "next": next_exercise}[a.what](a)


if __name__ == "__main__":
    sys.exit(main())
