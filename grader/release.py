#!/usr/bin/env python3
"""A student release: a standalone copy of the course for a class, without the reference solutions.

    python3 grader/release.py OUT          (make release OUT=dir)
    python3 grader/release.py OUT --check  (CI: the release fails on its stubs, passes once solved)

OUT receives the course as a student gets it: chapters/ as the student edition (every exercise
region a TODO stub, see workbook.py; no decoys), the library, the grader and the tests, the data
samples, the book's sources (its boxes fold no solution, since the chapters hold none), tools/ and
the README. It builds and grades with the README's two commands, `make run CH=01` and `make check`,
from a fresh directory: the student fills in the stubs in chapters/ (or in a workbook made with
`make workbook`, as in the full course). Teacher-only parts stay behind: the reference chapters,
the decoys, the cheat attempts and the class fixtures, CI. OUT must not exist yet or be a release.

--check builds it into OUT, requires `make check` there to fail with 0 points, puts the reference
solutions back (the course's chapter files) and requires `make check` to pass with every point.
With --chapters 01,04 it grades only those chapters (make check CH=NN, each), starting from a copy
of the course's built library: what CI does to stay fast.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = ["Makefile", "README.md", "CONTRIBUTING.md", "LICENSE", ".gitignore", "common", "grader", "tools", "datasets", "gpu", "fuzz", "book"]
LEAVE_OUT = ["grader/cheats", "grader/class", "book/out"]
NOTE = """> **Student release.** The exercise regions of `chapters/` are stubs (`TODO`) for you to write;
> the reference solutions are not in this copy. `make check` grades what you wrote.

"""


def ignore(src, names):
    rel = os.path.relpath(src, COURSE)
    out = {n for n in names if os.path.join(rel, n) in LEAVE_OUT or n in ("__pycache__", "build", "out")}
    return out | {n for n in names if n.endswith((".pyc", ".tmp"))}


def write(out):
    if os.path.exists(out):
        if not os.path.exists(os.path.join(out, ".release")):
            sys.exit(f"release: {out} exists and is not a release; choose a new directory")
        shutil.rmtree(out)
    os.makedirs(out)
    for part in PARTS:
        src = os.path.join(COURSE, part)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(out, part), ignore=ignore)
        elif os.path.exists(src):
            shutil.copy2(src, os.path.join(out, part))
    r = subprocess.run([sys.executable, os.path.join(COURSE, "grader/workbook.py"), "--src",
                        os.path.join(COURSE, "chapters"), "--dst", out], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"release: {r.stdout}{r.stderr}")
    os.remove(os.path.join(out, ".manifest"))
    for d in os.listdir(os.path.join(out, "chapters")):
        shutil.rmtree(os.path.join(out, "chapters", d, "decoys"), ignore_errors=True)
    readme = os.path.join(out, "README.md")
    with open(readme) as f:
        text = f.read()
    title, _, rest = text.partition("\n\n")
    with open(readme, "w") as f:
        f.write(title + "\n\n" + NOTE + rest)
    with open(os.path.join(out, ".release"), "w") as f:
        f.write("a student release written by grader/release.py\n")
    leaked = [p for p in walk(out) if re.search(r"BEGIN EXERCISE", open(p, errors="replace").read())
              and p.endswith((".c", ".h", ".cu")) and "/chapters/" in p and not os.path.basename(p).startswith("test_")
              and not stubs_only(p)]
    if leaked:
        sys.exit(f"release: solutions left in {', '.join(leaked)}")
    print(f"release: the student edition of the course is in {out}/ (make run CH=01, make check)")


def walk(d):
    for dirpath, _, files in os.walk(d):
        for f in files:
            yield os.path.join(dirpath, f)


def stubs_only(path):
    sys.path.insert(0, os.path.join(COURSE, "grader"))
    import exercises
    text = open(path).read()
    lines = text.splitlines()
    return all(len(lines[e.begin:e.end - 1]) == 1 and "TODO(" in lines[e.begin] for e in exercises.parse(path, text))


def check(out, chapters):
    """The release fails on its stubs and passes with the reference solutions put back."""
    if chapters:  # reuse the course's library build (sources and objects keep their times)
        b = os.path.join(COURSE, "build")
        if os.path.exists(os.path.join(b, "libnn.a")):
            shutil.copytree(os.path.join(b, "common"), os.path.join(out, "build", "common"))
            for f in ["libnn.a", ".deps-build"]:
                shutil.copy2(os.path.join(b, f), os.path.join(out, "build", f))

    def grade(what):
        got = [0, 0]
        ok = True
        for ch in chapters or [None]:
            r = subprocess.run(["make", "--no-print-directory", "-s", "check"] + ([f"CH={ch}"] if ch else []),
                               cwd=out, capture_output=True, text=True)
            total = re.search(r"Total: (\d+) / (\d+) points", r.stdout)
            if not total:
                print(r.stdout[-3000:] + r.stderr[-2000:])
                sys.exit(f"release: make check {'CH=' + ch if ch else ''} printed no total")
            got[0] += int(total.group(1))
            got[1] += int(total.group(2))
            ok &= r.returncode == 0
            last = r
        print(f"release check, {what}: {got[0]} / {got[1]} points"
              f"{' in chapters ' + ', '.join(chapters) if chapters else ''} (make check {'passes' if ok else 'fails'})")
        return ok, got, last
    ok, got, r = grade("stubs")
    if ok or got[0] != 0:
        print(r.stdout[-3000:])
        sys.exit("release: make check on the stubs should fail with 0 points")
    for d in os.listdir(os.path.join(COURSE, "chapters")):
        src = os.path.join(COURSE, "chapters", d)
        for f in os.listdir(src):
            if f.endswith((".c", ".h", ".cuh", ".cu")) and not f.startswith("test_"):
                shutil.copy(os.path.join(src, f), os.path.join(out, "chapters", d, f))  # new time: rebuilt
    ok, got, r = grade("reference solutions put back")
    if not ok or got[0] != got[1]:
        print(r.stdout[-3000:])
        sys.exit("release: make check with the reference solutions should pass with every point")
    print("release: fails on the stubs, passes with the reference solutions")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--chapters", default="", help="with --check: grade only these chapters (01,04)")
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    if out == COURSE or COURSE.startswith(out + os.sep):
        sys.exit("release: the release cannot be written over the course")
    write(out)
    if a.check:
        check(out, [c for c in a.chapters.split(",") if c])
    return 0


if __name__ == "__main__":
    sys.exit(main())
