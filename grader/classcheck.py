#!/usr/bin/env python3
"""The batch grader's own test (make classcheck; CI runs it): a class of submissions, honest,
partial and hostile, graded in the sandbox into a gradebook that must match the expected points.

    python3 grader/classcheck.py [--build build]

Each grader/class/NAME.spec describes one student's chapter-01 workbook:
    format dir|tar.gz|tar.xz|tar|zip|c   how it is handed in (c: the bare chapter file, not graded)
    reference 01.1 01.2 ...    exercises solved as the reference solves them (the others: the stub)
    exercise 01.5 ... end      a region body of the student's own
    outside ... end            lines added at the end of the chapter file, outside every region
    nested | empty | evil      the workbook one directory down; an archive without a workbook;
                               an archive with members escaping it (../, absolute, a symlink)
    runs                       its code must compile, so that its tests really ran (a hostile
                               submission that did not build would prove nothing)
    expect 01.1=2 ...          the points the gradebook must show (unlisted exercises: 0)
    notes A; B                 notes the gradebook must give the student, in any order, maybe
                               with more (no notes line: none at all)
@SUBMISSIONS@ and @CANARY@ in a body become the host paths of the class directory and of a canary
file outside it. After the batch: the gradebook matches, the canary and every other submission are
intact, no report shows the canary's secret or reached the network, nothing escaped an archive, the
output stayed small; a second run must take every submission from the cache.
"""
import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "01_perceptron"
SECRET = "CANARY-SECRET-5f3a"


def parse_spec(path):
    spec = {"format": "dir", "reference": [], "bodies": {}, "outside": [], "flags": set(), "expect": {},
            "notes": set()}
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        l = lines[i]
        i += 1
        if not l.strip() or l.startswith("#"):
            continue
        word, _, rest = l.partition(" ")
        if word in ("exercise", "outside"):
            block = []
            while lines[i] != "end":
                block.append(lines[i])
                i += 1
            i += 1
            if word == "exercise":
                spec["bodies"][rest.strip()] = block
            else:
                spec["outside"] = block
        elif word == "format":
            spec["format"] = rest.strip()
        elif word == "reference":
            spec["reference"] = rest.split()
        elif word == "expect":
            spec["expect"] = {k: int(v) for k, v in (x.split("=") for x in rest.split())}
        elif word == "notes":
            spec["notes"] = {n.strip() for n in rest.split(";") if n.strip()}
        elif word in ("nested", "empty", "evil", "runs"):
            spec["flags"].add(word)
        else:
            sys.exit(f"classcheck: {path}: unknown line {l!r}")
    return spec


def chapter_text(spec, subs, canary):
    src = os.path.join(COURSE, "chapters", NAME, NAME + ".c")
    text = open(src).read()
    lines = text.splitlines(keepends=True)
    out, i = [], 0
    for ex in exercises.parse(src, text):
        out += lines[i:ex.begin]
        if ex.id in spec["bodies"]:
            out += [ex.indent + b.replace("@SUBMISSIONS@", subs).replace("@CANARY@", canary) + "\n"
                    for b in spec["bodies"][ex.id]]
        elif ex.id in spec["reference"]:
            out += lines[ex.begin:ex.end - 1]
        else:
            out.append(f"{ex.indent}TODO({ex.chapter}, {ex.number}); /* your code here: the task is stated "
                       f"in the prose above */\n")
        i = ex.end - 1
    out += lines[i:]
    if spec["outside"]:
        out += ["\n"] + [l + "\n" for l in spec["outside"]]
    return "".join(out)


def build_submission(spec, student, subs, canary, tmp):
    """Writes the student's entry into subs/ in the spec's format."""
    root = os.path.join(tmp, student)
    top = os.path.join(root, "workbook") if "nested" in spec["flags"] else root
    chdir = os.path.join(top, "chapters", NAME)
    shutil.copytree(os.path.join(COURSE, "chapters", NAME), chdir)
    if "empty" in spec["flags"]:
        shutil.rmtree(os.path.join(top, "chapters"))
        with open(os.path.join(top, "README.txt"), "w") as f:
            f.write("I forgot to put my work in here\n")
    else:
        with open(os.path.join(chdir, NAME + ".c"), "w") as f:
            f.write(chapter_text(spec, subs, canary))
    fmt = spec["format"]
    if fmt == "dir":
        shutil.copytree(root, os.path.join(subs, student))
    elif fmt == "c":
        shutil.copyfile(os.path.join(chdir, NAME + ".c"), os.path.join(subs, student + ".c"))
    elif fmt in ("tar.gz", "tar.xz", "tar"):
        mode = {"tar.gz": "w:gz", "tar.xz": "w:xz", "tar": "w"}[fmt]
        with tarfile.open(os.path.join(subs, student + "." + fmt), mode) as t:
            t.add(root, arcname=".")
            if "evil" in spec["flags"]:
                for name in ["../../ESCAPED-BY-TRENT", "/tmp/ESCAPED-BY-TRENT-ABS"]:
                    data = b"escaped\n"
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
                link = tarfile.TarInfo("chapters/etc-link")
                link.type, link.linkname = tarfile.SYMTYPE, "/etc"
                t.addfile(link)
    elif fmt == "zip":
        with zipfile.ZipFile(os.path.join(subs, student + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for dirpath, _, files in os.walk(root):
                for name in files:
                    p = os.path.join(dirpath, name)
                    z.write(p, os.path.relpath(p, root))
    else:
        sys.exit(f"classcheck: unknown format {fmt}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("B", "build"))
    a = ap.parse_args()
    base = os.path.abspath(os.path.join(COURSE, a.build, "classcheck"))
    shutil.rmtree(base, ignore_errors=True)
    subs, out, tmp = (os.path.join(base, x) for x in ("submissions", "gradebook", "tmp"))
    os.makedirs(subs)
    os.makedirs(tmp)
    canary = os.path.join(base, "teacher-canary.txt")
    with open(canary, "w") as f:
        f.write(SECRET + "\n")
    specs = {}
    for p in sorted(os.listdir(os.path.join(COURSE, "grader/class"))):
        if p.endswith(".spec"):
            student = p[:-5]
            specs[student] = parse_spec(os.path.join(COURSE, "grader/class", p))
            build_submission(specs[student], student, subs, canary, tmp)
    shutil.rmtree(tmp)
    before = {s: open(os.path.join(subs, s, "chapters", NAME, NAME + ".c")).read()
              for s in specs if specs[s]["format"] == "dir"}
    cmd = [sys.executable, os.path.join(COURSE, "grader/batch.py"), subs, out, "--chapters", "1", "--build", a.build,
           "--wall", "120"]  # eve empties her sandbox's /tmp, which leaves Criterion's runner waiting
    t0 = time.time()
    r = subprocess.run(cmd, cwd=COURSE)
    first = time.time() - t0
    problems = []
    if r.returncode != 0:
        sys.exit("classcheck: the batch grader failed")
    with open(os.path.join(out, "gradebook.csv")) as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    exids = [e.id for e in exercises.chapter_exercises(COURSE, NAME)]
    for student, spec in specs.items():
        row = rows.get(student)
        if not row:
            problems.append(f"{student} is missing from the gradebook")
            continue
        for e in exids:
            want, got = spec["expect"].get(e, 0), int(row[e])
            if want != got:
                problems.append(f"{student} {e}: expected {want} points, the gradebook says {got}")
        if "runs" in spec["flags"]:
            rep = open(os.path.join(out, "reports", student + ".txt")).read()
            if "does not compile" in rep:
                problems.append(f"{student}: its code did not build or no test ran, so the fixture proves nothing")
        got_notes = {n.strip() for n in row.get("notes", "").split(";") if n.strip()}
        if not spec["notes"] <= got_notes or (got_notes and not spec["notes"]):  # heidi's fork bomb may
            # also time out or stop the runner, depending on the machine's load
            problems.append(f"{student}: expected the notes {'; '.join(sorted(spec['notes'])) or '(none)'}, the "
                            f"gradebook says {'; '.join(sorted(got_notes)) or '(none)'}")
        want_total = sum(spec["expect"].values())
        if int(row["total"]) != want_total:
            problems.append(f"{student}: expected a total of {want_total}, got {row['total']}")
    if not os.path.exists(canary) or open(canary).read() != SECRET + "\n":
        problems.append("the teacher's canary file was deleted or changed")
    for s, text in before.items():
        p = os.path.join(subs, s, "chapters", NAME, NAME + ".c")
        if not os.path.exists(p) or open(p).read() != text:
            problems.append(f"{s}'s submission was changed or deleted during the batch")
    for name in os.listdir(os.path.join(out, "reports")):
        text = open(os.path.join(out, "reports", name)).read()
        if SECRET in text or "root:" in text:
            problems.append(f"reports/{name} shows a secret read from outside the sandbox")
        if "/sub/" in text or "/out/" in text or re.search(r"rejects \d+ decoy", text):
            problems.append(f"reports/{name} shows a sandbox path or the self-check's decoy count to the student")
        if "NETWORK-REACHED" in text:
            problems.append(f"reports/{name}: the submission reached the network")
    for p in [os.path.join(os.path.dirname(base), "ESCAPED-BY-TRENT"), os.path.join(base, "ESCAPED-BY-TRENT"),
              "/tmp/ESCAPED-BY-TRENT-ABS", os.path.join(COURSE, "ESCAPED-BY-TRENT")]:
        if os.path.exists(p):
            problems.append(f"an archive member escaped to {p}")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    if size > 64 << 20:
        problems.append(f"the gradebook directory grew to {size >> 20} MiB: the output limit did not hold")
    for f in ["exercises.svg", "exercises.png"]:
        if not os.path.exists(os.path.join(out, f)):
            problems.append(f"no figure {f}")
    t0 = time.time()
    r = subprocess.run(cmd, cwd=COURSE, capture_output=True, text=True)
    second = time.time() - t0
    graded = sum(spec["format"] != "c" for spec in specs.values())
    if f"({graded} unchanged, from the cache)" not in r.stdout:
        problems.append(f"the second run re-graded submissions: {r.stdout.strip()}")
    for p in problems:
        print("classcheck: " + p)
    print(f"classcheck: {len(specs)} submissions graded in {first:.0f} s (again from the cache in {second:.1f} s): "
          + ("the gradebook matches, nothing outside the sandbox was touched" if not problems else
             f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
