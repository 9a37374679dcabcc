#!/usr/bin/env python3
"""A student release: a standalone copy of the course for a class, without the reference solutions.

    python3 grader/release.py OUT             (make release OUT=dir)
    python3 grader/release.py OUT --check     (CI: the release fails on its stubs, passes once solved;
                                               with --chapters, make submit's file earns as much
                                               from make grade-class)
    python3 grader/release.py --submit NAME   (make submit NAME=you: NAME.tar.gz for the teacher)
    python3 grader/release.py --pristine      (make check in a release: is chapters/ as released?)

OUT receives the course as a student gets it: chapters/ as the student edition (every exercise
region a TODO stub, see workbook.py; no decoys), a workbook/ made from it (the student's copy, as
`make workbook` makes it in the full course), the library, the grader and the tests, the data
samples, the book's sources (its boxes fold no solution, since the chapters hold none), tools/ and
a README written for students (README_STUDENT below, with the course README's title, chapter table
and library section). The student works in workbook/, as in the full course: make check, run,
watch, progress, next, hint and reset all use it, and the grader compares it with chapters/, which
stays as released (the pristine student edition; make check warns if it was edited). Teacher-only
parts stay behind: the reference chapters, the decoys, the cheat attempts and the class fixtures,
CI; the Makefile's teacher targets (grade-class, selfcheck, classcheck, release, REF=1, ...) stop
there with one line. OUT must not exist yet or be a release.

OUT/.release records the course's commit (git rev-parse HEAD, or 'unknown') and a hash of every
file of chapters/ as released. `make submit NAME=x` packs the workbook's chapter sources into
x.tar.gz (x/chapters/..., and x/.course holding that commit), which `make grade-class` takes as it
is; the teacher's report warns when the course it grades with differs in code from that commit.

--check builds it into OUT, requires `make check` there to fail with 0 points, puts the reference
solutions back (into workbook/, where students work) and requires `make check` to pass with every
point. With --chapters 01,04 it grades only those chapters (make check CH=NN, each), starting from
a copy of the course's built library: what CI does to stay fast.
"""
import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = ["Makefile", "README.md", "CONTRIBUTING.md", "LICENSE", ".gitignore", "common", "grader", "tools", "datasets", "gpu", "fuzz", "book"]
LEAVE_OUT = ["grader/cheats", "grader/class", "book/out"]
README_STUDENT = """## Start here

This is your copy of the course: the chapters, the library, the grader and its tests, without the
reference solutions. On Debian 12 (as root, or with sudo; anything missing is installed for you,
or the exact `apt-get` line is printed):

```sh
make run CH=01     # build and run your chapter 1: trains, draws its figures into out/01/
make check         # grade every chapter: points table, then "N passed, N failed"
```

## Where to work

**Work in `workbook/`**: `workbook/chapters/NN_name/NN_name.c` is your copy of each chapter, every
exercise a `TODO` stub between its markers. `make check`, `make run`, `make watch`, `make progress`,
`make next`, `make hint` and `make reset` all use `workbook/`. Leave `chapters/` as it is: it is the
student edition as your teacher released it, which the grader compares your workbook with (`make
check` warns if it was edited). `make workbook` writes again a file of `workbook/` you deleted.

1. **Read** a chapter: `workbook/chapters/01_perceptron/01_perceptron.c` (the prose is in its
   comments), or the rendered book (`make book`, then open `book/out/index.html`).
2. **Solve** an exercise: each is a marked region, with the task stated in the prose just above:
   ```c
   /* BEGIN EXERCISE 01.3 (3 points): the perceptron update rule */
   TODO(1, 3); /* your code here */
   /* END EXERCISE */
   ```
   Edit only between `BEGIN EXERCISE` and `END EXERCISE`: `make check` names any code changed
   outside a region (as file:line), and your teacher's grading gives that chapter 0 points.
   Inside a region, `#` directives, the test framework (`cr_…`, `Test(`) and calls that reach past
   the function (`exit`, `signal`, `longjmp`, `fork`, `system`, `fopen`, `asm`, ...) are refused.
3. **Grade** it: `make check CH=01` prints, per exercise, the points earned and, for each failing
   check, what was expected, what your code gave and a hint. `make watch CH=01` grades again every
   time you save; `make progress` prints one line per chapter.
4. **Stuck?** `make next` names the next exercise that does not pass yet; `make hint EX=01.3`
   prints a hint, one more level each call (`LEVEL=1` starts over); `make reset EX=01.3` puts the
   stub back, keeping a copy of the file in `workbook/.backups/`.

This copy holds no reference solutions, so an exercise whose code runs one of your earlier ones is
graded with yours: solve them in order. A chapter that does not compile earns nothing.

## What to hand in

```sh
make submit NAME=your_name     # writes your_name.tar.gz
```

`your_name.tar.gz` holds the chapter sources of your `workbook/` (nothing else: a few hundred KB)
and the version of the course this copy was made from. Hand in that file as your teacher asks;
they grade it with the same tests `make check` runs here.

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
    # The student's workbook/, made from the release's chapters/ as make workbook makes it.
    r = subprocess.run([sys.executable, os.path.join(COURSE, "grader/workbook.py"), "--src",
                        os.path.join(out, "chapters"), "--dst", os.path.join(out, "workbook")],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"release: {r.stdout}{r.stderr}")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(student_readme())
    rev = commit()
    dirty = subprocess.run(["git", "-C", COURSE, "status", "--porcelain", "--", "chapters"],
                           capture_output=True, text=True).stdout.strip()
    if rev != "unknown" and dirty:
        print(f"release: warning: chapters/ has changes not committed; the release records commit {rev[:12]}, "
              "which lacks them (commit first, so that you can grade with the course as released)")
    with open(os.path.join(out, ".release"), "w") as f:
        f.write("a student release written by grader/release.py\n")
        f.write(f"commit: {rev}\n")
        for p in sorted(walk(os.path.join(out, "chapters"))):
            f.write(f"pristine: {os.path.relpath(p, out)} {digest(p)}\n")
    leaked = [p for p in walk(out) if re.search(r"BEGIN EXERCISE", open(p, errors="replace").read())
              and p.endswith((".c", ".h", ".cu")) and "/chapters/" in p and not os.path.basename(p).startswith("test_")
              and not stubs_only(p)]
    if leaked:
        sys.exit(f"release: solutions left in {', '.join(leaked)}")
    print(f"release: the student edition of the course is in {out}/ (students work in its workbook/ and hand in "
          f"make submit's NAME.tar.gz); it records course commit {rev[:12]}: grade with the course at that commit")


def walk(d):
    for dirpath, _, files in os.walk(d):
        for f in files:
            yield os.path.join(dirpath, f)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def commit(course=COURSE):
    """The course's commit (git rev-parse HEAD), or 'unknown' outside a git checkout."""
    r = subprocess.run(["git", "-C", course, "rev-parse", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown"


def student_readme():
    """The README of a release: the course README's title and opening paragraph, README_STUDENT,
    then its chapter table and library section. Its teacher's text stays behind."""
    with open(os.path.join(COURSE, "README.md")) as f:
        text = f.read()
    title, _, rest = text.partition("\n\n")
    intro = rest.split("\n## ")[0]
    sections = {sec.split("\n", 1)[0]: "## " + sec for sec in rest.split("\n## ")[1:]}
    keep = [sections[k].rstrip() + "\n" for k in ("Chapters", "Using the library") if k in sections]
    return title + "\n\n" + intro.rstrip() + "\n\n" + README_STUDENT + "\n".join(keep)


def release_info(root):
    """{"commit": ..., "pristine": {path: sha256}} of root/.release (or of a submission's .course)."""
    info = {"commit": "unknown", "pristine": {}}
    for name in (".release", ".course"):
        try:
            with open(os.path.join(root, name), errors="replace") as f:
                for line in f:
                    parts = line.split()
                    if line.startswith("commit: ") and len(parts) == 2:
                        info["commit"] = parts[1]
                    elif line.startswith("pristine: ") and len(parts) == 3:
                        info["pristine"][parts[1]] = parts[2]
        except (FileNotFoundError, NotADirectoryError):
            pass
    return info


def pristine(root=COURSE):
    """make check in a release: a warning for each file of chapters/ changed since the release
    (the student edition the grader compares the workbook with). Returns how many."""
    changed = [p for p, h in release_info(root)["pristine"].items()
               if not os.path.exists(os.path.join(root, p)) or digest(os.path.join(root, p)) != h]
    for p in changed[:5]:
        print(f"warning: {p} is not as released. Work in workbook/{p}: make check grades workbook/, and "
              f"compares it with chapters/, the student edition as released (put that file back as it was).")
    if len(changed) > 5:
        print(f"warning: ... and {len(changed) - 5} more files of chapters/ not as released")
    return len(changed)


def git_show(rev, path, course=COURSE):
    r = subprocess.run(["git", "-C", course, "show", f"{rev}:{path}"], capture_output=True, text=True, errors="replace")
    return r.stdout if r.returncode == 0 else None


def drift(rev, chapters, course=COURSE):
    """How the code the grader uses for `chapters` differs between commit `rev` (the one a release
    was made from) and the course as it is: [(path, what)], comments and whitespace left out (prose
    changes are harmless). None when `rev` is not a commit of this repository."""
    sys.path.insert(0, os.path.join(COURSE, "grader"))
    import exercises
    import integrity
    if not re.match(r"^[0-9a-f]{7,40}$", rev or "") or git_show(rev, "Makefile", course) is None:
        return None
    found = []
    for name in chapters:
        d = os.path.join(course, "chapters", name)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not f.endswith(exercises.SOURCE_EXTS):
                continue
            rel = f"chapters/{name}/{f}"
            with open(os.path.join(d, f), errors="replace") as fh:
                now = fh.read()
            then = git_show(rev, rel, course)
            if then is None:
                found.append((rel, "is new since then"))
            elif f.startswith("test_"):
                if [c for c in integrity.code_lines(then) if c] != [c for c in integrity.code_lines(now) if c]:
                    found.append((rel, "its tests' code changed (the points can differ)"))
            else:
                try:
                    old_sk = integrity.skeleton(then.splitlines(), exercises.parse(rel, then))
                    new_sk = integrity.skeleton(now.splitlines(), exercises.parse(rel, now))
                except exercises.MarkupError:
                    continue
                if [c for _, c in old_sk] != [c for _, c in new_sk]:
                    found.append((rel, "its code outside the exercise regions changed (a student's copy will "
                                       "be reported as edited there: 0 points in teacher mode)"))
    return found


def course_note(root, chapters, course=COURSE):
    """The lines a teacher's report starts with: the course's commit, and, when the submission
    records the commit its release was made from (.course or .release) and the course's code of
    these chapters differs from it, a warning."""
    now = commit(course)
    lines = [f"Graded with the course at commit {now[:12]}."]
    rev = release_info(root)["commit"]
    if rev == "unknown" or now == "unknown" or now.startswith(rev) or rev.startswith(now):
        return lines
    found = drift(rev, chapters, course)
    if found is None:
        lines.append(f"warning: the submission was made from course commit {rev[:12]}, which this repository does "
                     "not hold: grade with the course at the commit you released")
    elif found:
        lines.append(f"warning: the submission was made from course commit {rev[:12]}; since then the code the grader "
                     f"uses changed (prose changes are harmless): grade with the course at {rev[:12]} "
                     f"(git worktree add ../course-{rev[:8]} {rev[:12]}).")
        lines += [f"  {p}: {what}" for p, what in found[:10]]
    return lines


def submit(name, wb, course=COURSE):
    """NAME.tar.gz: NAME/chapters/<chapter>/<source> of the workbook, and NAME/.course (the commit
    the course was released from, or this checkout's), in the form make grade-class takes."""
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name or ""):
        sys.exit("make submit needs your name as NAME=... (letters, digits, '.', '_', '-'), e.g. make submit NAME=ada_lovelace")
    src = os.path.join(wb, "chapters")
    if not os.path.isdir(src):
        sys.exit(f"submit: there is no {src}/ to hand in (make workbook writes it)")
    sys.path.insert(0, os.path.join(COURSE, "grader"))
    import exercises
    rev = release_info(course)["commit"] if os.path.exists(os.path.join(course, ".release")) else commit(course)
    out = os.path.abspath(name + ".tar.gz")
    files = sorted(p for p in walk(src) if exercises.is_exercise_file(os.path.basename(p))
                   and "/decoys/" not in p and "/golden/" not in p and not os.path.islink(p))
    with tarfile.open(out + ".tmp", "w:gz") as t:
        for p in files:
            t.add(p, arcname=os.path.join(name, "chapters", os.path.relpath(p, src)), recursive=False)
        data = f"commit: {rev}\n".encode()
        ti = tarfile.TarInfo(os.path.join(name, ".course"))
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    os.replace(out + ".tmp", out)
    print(f"submit: {os.path.relpath(out)} ({len(files)} files of {src}/, {os.path.getsize(out) // 1024} KB, "
          f"course {rev[:12]}): hand in this file")
    return 0


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
                shutil.copy(os.path.join(src, f), os.path.join(out, "workbook", "chapters", d, f))  # new time: rebuilt
    ok, got, r = grade("reference solutions put back")
    if not ok or got[0] != got[1]:
        print(r.stdout[-3000:])
        sys.exit("release: make check with the reference solutions should pass with every point")
    print("release: fails on the stubs, passes with the reference solutions")
    if chapters:
        check_handed_in(out, chapters, got)


def check_handed_in(out, chapters, got):
    """The student's way to the teacher, end to end: make submit in the release (solved), then the
    course's batch grader (make grade-class, in its sandbox) on that file must give the points
    make check gave in the release."""
    import csv
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        subs, book = os.path.join(tmp, "submissions"), os.path.join(tmp, "gradebook")
        os.makedirs(subs)
        r = subprocess.run(["make", "--no-print-directory", "-s", "submit", "NAME=handed_in"], cwd=out,
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(os.path.join(out, "handed_in.tar.gz")):
            sys.exit(f"release: make submit failed in the release:\n{r.stdout}{r.stderr}")
        shutil.move(os.path.join(out, "handed_in.tar.gz"), os.path.join(subs, "handed_in.tar.gz"))
        r = subprocess.run([sys.executable, os.path.join(COURSE, "grader", "batch.py"), subs, book,
                            "--chapters", ",".join(chapters)], cwd=COURSE, capture_output=True, text=True)
        rows = list(csv.DictReader(open(os.path.join(book, "gradebook.csv")))) if r.returncode == 0 else []
        mine = [row for row in rows if row["student"] == "handed_in"]
        if not mine or float(mine[0]["total"]) != got[0] or mine[0]["notes"]:
            sys.exit(f"release: make submit's file, graded by make grade-class, should earn the {got[0]} points make "
                     f"check gave in the release; got {mine[0]['total'] + ' (' + mine[0]['notes'] + ')' if mine else 'no row'}"
                     f"\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    print(f"release: make submit's file earns the same {got[0]} points from make grade-class (sandboxed)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--chapters", default="", help="with --check: grade only these chapters (01,04)")
    ap.add_argument("--submit", metavar="NAME", help="pack the workbook's chapter sources into NAME.tar.gz")
    ap.add_argument("--wb", default="workbook", help="with --submit: the workbook directory")
    ap.add_argument("--pristine", action="store_true", help="warn about files of a release's chapters/ edited")
    a = ap.parse_args()
    if a.submit is not None:
        return submit(a.submit, a.wb)
    if a.pristine:
        pristine()
        return 0
    if not a.out:
        ap.error("OUT is required")
    if os.path.exists(os.path.join(COURSE, ".release")):
        sys.exit("release: this is a student release; make a release from the full course")
    out = os.path.abspath(a.out)
    if out == COURSE or COURSE.startswith(out + os.sep):
        sys.exit("release: the release cannot be written over the course")
    write(out)
    if a.check:
        check(out, [c for c in a.chapters.split(",") if c])
    return 0


if __name__ == "__main__":
    sys.exit(main())
