#!/usr/bin/env python3
"""Runs the cheat attempts of grader/cheats/ (see its README.md): each must earn 0 points.

    python3 grader/cheats.py [--build build] [NAME...]

For every attempt: a copy of the reference chapter with the attempt put into its exercise is
graded like a submission (make check CH=NN WB=copy), then the report is read in teacher mode and
in student mode. A control copy (the reference itself) must earn the exercise's full points in the
same harness, so that a harness that gave 0 to everything could not pass.
"""
import argparse
import csv
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAD = re.compile(r"^/\* cheat (\d\d)\.(\d+)( \[student\])?: (.+?) \*/\s*$")


def apply(text, path, ex_id, body, outside, marker):
    lines = text.splitlines(keepends=True)
    ex = next(e for e in exercises.parse(path, text) if e.id == ex_id)
    new = lines[:ex.begin] + [l + "\n" for l in body] + lines[ex.end - 1:]
    if marker:
        new[ex.begin - 1] = re.sub(r"\(\d+ points?\)", marker, new[ex.begin - 1])
    if outside:
        new += ["\n"] + [l + "\n" for l in outside]
    return "".join(new)


def grade(build, wb, name, ch, ex_id):
    """{mode: points earned by ex_id}."""
    subprocess.run(["make", "--no-print-directory", "-s", "check", f"CH={ch}", f"WB={wb}", f"B={build}"],
                   cwd=COURSE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    d = os.path.join(build, "wb-" + wb.replace("/", "_"), name)
    out = {}
    for mode in ("teacher", "student"):
        path = os.path.join(d, f"cheat-{mode}.csv")
        subprocess.run([sys.executable, os.path.join(COURSE, "grader/report.py"), "--root", wb, d, "--csv", path]
                       + (["--teacher"] if mode == "teacher" else []), cwd=COURSE,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(path) as f:
            out[mode] = next(int(r["points"]) for r in csv.DictReader(f) if r["exercise"] == ex_id)
    return out


def survivors(build_dir):
    """PIDs of processes still running a program built under build_dir (make check runs every test
    binary under tools/contain, which must kill whatever a test leaves behind)."""
    root, found = os.path.realpath(build_dir) + os.sep, []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/exe").startswith(root):
                found.append(int(pid))
        except OSError:
            pass
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("B", "build"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(COURSE, "grader/cheats/*.c")))
    if a.names:
        files = [f for f in files if os.path.basename(f)[:-2] in a.names]
    root = os.path.join(a.build, "cheats")
    shutil.rmtree(os.path.join(COURSE, root), ignore_errors=True)
    failures = 0
    jobs = [("control", None)] + [(os.path.basename(f)[:-2], f) for f in files]
    for slug, path in jobs:
        if path:
            with open(path) as f:
                text = f.read().splitlines()
            m = HEAD.match(text[0])
            if not m:
                print(f"cheats: {path}:1: expected '/* cheat NN.K [student]: what it tries */'"); failures += 1
                continue
            ch, k, strict, what = m.group(1), int(m.group(2)), bool(m.group(3)), m.group(4)
        else:
            ch, k, strict, what = "01", 1, False, "the reference solution itself (must earn full points)"
        ex_id = f"{ch}.{k}"
        name = os.path.basename(glob.glob(os.path.join(COURSE, "chapters", ch + "_*"))[0])
        wb = os.path.join(root, slug)
        dst = os.path.join(COURSE, wb, "chapters", name)
        shutil.copytree(os.path.join(COURSE, "chapters", name), dst)
        if path:
            rest = text[1:]
            body, outside, marker = rest, [], None
            for i, l in enumerate(rest):
                if l.strip() == "/* OUTSIDE */":
                    body, outside = rest[:i], rest[i + 1:]
                    break
                mm = re.match(r"^/\* MARKER (\(\d+ points?\)) \*/$", l.strip())
                if mm:
                    body, marker = rest[:i], mm.group(1)
                    break
            main_file = os.path.join(dst, name + ".c")
            with open(main_file) as f:
                src = f.read()
            with open(main_file, "w") as f:
                f.write(apply(src, main_file, ex_id, body, outside, marker))
        got = grade(a.build, wb, name, ch, ex_id)
        if path:
            ok = got["teacher"] == 0 and (got["student"] == 0 or not strict)
        else:
            full = next(e.points for e in exercises.chapter_exercises(COURSE, name) if e.id == ex_id)
            ok = got["teacher"] == full and got["student"] == full
        left = survivors(os.path.join(COURSE, a.build, "wb-" + wb.replace("/", "_")))
        if left:
            ok = False
            print(f"  FAIL {slug:<20} left {len(left)} processes running after grading (pids {left[:5]}...): "
                  "make check must run test binaries under tools/contain")
            # Stop here: such a chain forks on and slows everything that would run after it.
            sys.exit(f"cheats: {slug} escaped the grader; kill its process group (ps -eo pid,pgid,comm)")
        failures += not ok
        print(f"  {'ok ' if ok else 'FAIL'} {slug:<20} {ex_id}: teacher {got['teacher']}, student {got['student']} "
              f"points{' (student mode must be 0 too)' if strict else ''}: {what}")
    print(f"cheats: {len(jobs) - 1} attempts, {'all earn 0 points' if not failures else f'{failures} FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
