#!/usr/bin/env python3
"""Grade a class: every submission built and tested in a sandbox, into a gradebook.

    python3 grader/batch.py DIR OUT [--chapters 01,02] [--jobs 2] [--no-cache]
    make grade-class DIR=submissions OUT=gradebook [CHAPTERS=01,02]

DIR holds one entry per student: a workbook directory (the one `make workbook` made, holding
chapters/), make submit's NAME.tar.gz, or a .tar.gz / .tgz / .tar.xz / .txz / .tar / .zip of one
(chapters/ at its top or one directory down). The student's name is the entry's name without its extension. Any other entry (a
bare .c file, a link) is listed at the end of the run and gets a row of zeros marked not graded.
CHAPTERS takes 01,02 or 1,2 or ranges (01-03). OUT receives

    gradebook.csv        student, one column per exercise (points), total, notes (not graded and
                         why, edits outside the regions, refused code, time-outs, did not compile,
                         identical written code to another submission; '; ' between them)
    reports/NAME.txt     the table the student would see (teacher mode: an edit outside the
                         regions gives its chapter 0, and the report says where)
    exercises.svg/.png   points per exercise across the class, as a share of the possible points
    .cache/              results by content hash: re-grading an unchanged submission is free
    course.txt           the course's commit the class was graded with (grade with the course at
                         the commit you released: each report warns when a submission's .course,
                         written by make submit, names a commit whose code differs)

An exercise whose code runs another exercise that the student got wrong is graded once more alone,
with the course's version of that one (isolate.py), as make check does; so is every written
exercise of a chapter that does not compile as a whole. Those copies of the course's chapter are
written outside the sandbox, then built and run in a second one, which deletes their sources
before running any of them.

Student code is untrusted. Each chapter of each submission is compiled and tested in its own
bubblewrap sandbox: a new PID, network, IPC and UTS namespace (no network at all, every process
killed when the sandbox ends), a read-only view of the course (only Makefile, common/, chapters/,
grader/, tools/, datasets/, gpu/; chapters/ as a student release holds it, without solutions or
decoys, so that student code cannot read an answer and print it into a report) and of the submission, a private /tmp, one writable build
directory, and a user of its own (uid 61000 + job slot) with no capabilities. Inside, ulimit caps CPU time per process,
address space, processes, open files and the size of any file written (so of the output too);
outside, a wall-clock limit ends a sandbox that hangs. The results are copied out after each
sandbox ends, so code of a later chapter cannot touch them. If the sandbox cannot be set up the
batch stops with the reason: it never runs student code unsandboxed.
"""
import argparse
import concurrent.futures
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import queue
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402
import release  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COURSE_PARTS = ["Makefile", "common", "chapters", "grader", "tools", "datasets", "gpu", "fuzz"]
STUDENT_CHAPTERS = None  # the course's chapters/ as students get them (student_chapters): the sandbox's
NOBODY = 65534       # the probe's user; each concurrent job runs as its own user (SLOT_UIDS), since
SLOT_UIDS = 61000    # the process limit counts all processes of a user: one student's fork bomb
                     # must not leave the other job unable to start its compiler
LIMITS = {  # ulimit flags inside the sandbox
    "-t": 120,        # CPU seconds per process (Criterion's own timeout stops a test sooner)
    "-v": 4 << 20,    # address space, KiB (4 GiB)
    "-u": 64,         # processes of the sandbox's user
    "-n": 128,        # open files
    "-f": 20 << 10,   # largest file written, KiB (20 MiB): stdout/stderr/logs included
    "-c": 0,          # no core files
}
WALL = 300            # seconds one chapter's sandbox may take, build and tests (--wall)
MAX_UNPACKED = 64 << 20
ARCHIVES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar", ".zip")


class Refused(Exception):
    pass


def student_name(entry):
    for ext in ARCHIVES:
        if entry.endswith(ext):
            return entry[:-len(ext)]
    return entry


def tree_hash(path):
    h = hashlib.sha256()
    if os.path.isfile(path):
        with open(path, "rb") as f:
            h.update(f.read())
        return h.hexdigest()
    for dirpath, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            if os.path.islink(p) or not os.path.isfile(p) or "__pycache__" in p.split(os.sep):
                continue  # Python's byte code appears when the grader runs: it is not a change
            h.update(os.path.relpath(p, path).encode() + b"\0")
            with open(p, "rb") as f:
                h.update(f.read() + b"\0")
    return h.hexdigest()


def course_key(chapters):
    """What a grade depends on besides the submission: tests, records, grader, library."""
    h = hashlib.sha256()
    for part in ["Makefile", "common", "grader"] + [os.path.join("chapters", c) for c in chapters]:
        h.update(tree_hash(os.path.join(COURSE, part)).encode())
    h.update(repr(sorted(LIMITS.items())).encode())
    return h.hexdigest()[:16]


def safe_member(name):
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith("/") or ".." in parts)


def unpack(src, dst):
    """A submission entry unpacked into dst (regular files and directories only)."""
    os.makedirs(dst)
    total = 0
    if os.path.isdir(src):
        for dirpath, _, files in os.walk(src):
            for name in files:
                p = os.path.join(dirpath, name)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                total += os.path.getsize(p)
                if total > MAX_UNPACKED:
                    raise Refused("the submission is larger than 64 MiB")
                q = os.path.join(dst, os.path.relpath(p, src))
                os.makedirs(os.path.dirname(q), exist_ok=True)
                shutil.copyfile(p, q)
        return
    try:
        if src.endswith(".zip"):
            with zipfile.ZipFile(src) as z:
                for info in z.infolist():
                    if info.is_dir() or not safe_member(info.filename):
                        continue
                    total += info.file_size
                    if total > MAX_UNPACKED:
                        raise Refused("the archive unpacks to more than 64 MiB")
                    q = os.path.join(dst, info.filename)
                    os.makedirs(os.path.dirname(q), exist_ok=True)
                    with z.open(info) as f, open(q, "wb") as g:
                        shutil.copyfileobj(f, g)
        else:
            with tarfile.open(src, "r:*") as t:  # .tar, .tar.gz, .tar.xz
                for m in t:
                    if not m.isfile() or not safe_member(m.name):
                        continue
                    total += m.size
                    if total > MAX_UNPACKED:
                        raise Refused("the archive unpacks to more than 64 MiB")
                    q = os.path.join(dst, m.name)
                    os.makedirs(os.path.dirname(q), exist_ok=True)
                    with t.extractfile(m) as f, open(q, "wb") as g:
                        shutil.copyfileobj(f, g)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as e:
        raise Refused(f"the archive cannot be read ({e})")


def workbook_root(d):
    """The directory holding chapters/: d itself or one level down."""
    if os.path.isdir(os.path.join(d, "chapters")):
        return d
    for name in sorted(os.listdir(d)):
        if os.path.isdir(os.path.join(d, name, "chapters")):
            return os.path.join(d, name)
    raise Refused("no chapters/ directory in the submission (hand in the workbook directory itself)")


def bwrap_argv(sub, out, uid=NOBODY):
    argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm", "--perms", "1777", "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/course", "--perms", "0755", "--dir", "/etc"]
    for etc in ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"]:
        if os.path.exists(etc):
            argv += ["--ro-bind", etc, etc]
    for part in COURSE_PARTS:
        src = STUDENT_CHAPTERS if part == "chapters" and STUDENT_CHAPTERS else os.path.join(COURSE, part)
        if os.path.exists(src):
            argv += ["--ro-bind", src, "/course/" + part]
    if sub:
        argv += ["--ro-bind", sub, "/sub"]
    if out:
        argv += ["--bind", out, "/out"]
    argv += ["--setenv", "PATH", "/usr/local/cuda/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp",
             "--setenv", "LANG", "C.UTF-8", "--setenv", "OPENBLAS_NUM_THREADS", "1", "--chdir", "/course"]
    if os.geteuid() == 0:  # bwrap keeps root's powers: drop to nobody inside, so the limits bind
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--bounding-set=-all", "--inh-caps=-all"]
    else:                  # an ordinary user: bwrap makes a user namespace
        argv[1:1] = ["--unshare-user"]
    return argv


def probe():
    """Refuses to go on if the sandbox cannot start, saying exactly what failed."""
    if not shutil.which("bwrap"):
        sys.exit("grade-class: bubblewrap (bwrap) is not installed; apt-get install bubblewrap. "
                 "Student code is never run without the sandbox.")
    argv = bwrap_argv(None, None) + ["bash", "-c", "ulimit -u 64 && ! (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null && id -u"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stdout.strip() != (str(NOBODY) if os.geteuid() == 0 else r.stdout.strip()):
        sys.exit("grade-class: the sandbox cannot be set up, so no submission is graded (student code is never "
                 f"run unsandboxed).\n  command: {' '.join(argv[:6])} ...\n  exit status {r.returncode}; bwrap says: "
                 f"{(r.stderr or r.stdout).strip()[:600]}\n  Hint: bwrap needs user or mount namespaces; in a "
                 "container run it with --privileged or a seccomp profile that allows unshare/clone.")


def chapter_script(ch, name, wall=WALL):
    """What make check does for one chapter, inside the sandbox: build, then test. The tests run one
    suite at a time (runtests.py: a suite's first time-out ends that suite) within two thirds of the
    wall-clock limit; results.json is rewritten after every suite, so a sandbox ended by the limit
    keeps what was graded. The exercises make check would grade alone (isolate.py) are prepared
    outside, where the course's solutions are, and built and run in a second sandbox
    (isolated_script)."""
    deadline = max(30, wall * 2 // 3)
    lim = " ".join(f"ulimit {k} {v};" for k, v in LIMITS.items())
    t = f"/out/b/wb-_sub/{name}/test"
    return (f"{lim} mkdir -p /out/r; make -s --no-print-directory B=/out/b WB=/sub {t} >/out/r/build.log 2>&1 && "
            f"/usr/bin/python3 grader/runtests.py --deadline {deadline} {t} /out/r/results.json "
            f">/out/r/stdout.txt 2>/out/r/stderr.txt; exit 0")


def isolated_script(name):
    """The second sandbox of a chapter: build the copies isolate.prepare wrote to /out/iso (the
    course's chapter with one region of the student's), delete their sources, then run each
    copy's suite (isolate.build_and_run): by the time student code runs, no solution is left to
    read."""
    lim = " ".join(f"ulimit {k} {v};" for k, v in LIMITS.items())
    return (f"{lim} mkdir -p /out/r; /usr/bin/python3 grader/isolate.py --run-prepared /out/iso --build /out/b "
            f"--chapter {name} /out/r >/out/r/isolate.log 2>&1; exit 0")


def student_chapters(work):
    """work/chapters: the course's chapters/ as a student release holds it (every exercise region a
    stub, no decoys: workbook.py), which the sandboxes see as /course/chapters, so that student code
    running there cannot read a solution. Returns its path."""
    r = subprocess.run([sys.executable, os.path.join(COURSE, "grader", "workbook.py"), "--src",
                        os.path.join(COURSE, "chapters"), "--dst", work], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"grade-class: cannot write the student edition of chapters/: {r.stdout}{r.stderr}")
    return os.path.join(work, "chapters")


def sandbox_dir(work, name, a, uid):
    """A new writable directory for one sandbox, holding a copy of the course's library build (so
    that nothing an earlier sandbox wrote is linked into a later one's programs), owned by uid."""
    out = os.path.join(work, name)
    os.makedirs(os.path.join(out, "b", "common"))
    for f in [".deps-build", "libnn.a"]:
        shutil.copy2(os.path.join(COURSE, a.build, f), os.path.join(out, "b", f))
    for f in os.listdir(os.path.join(COURSE, a.build, "common")):
        if f.endswith(".o"):
            shutil.copy2(os.path.join(COURSE, a.build, "common", f), os.path.join(out, "b", "common", f))
    return out


def own(tree, uid):
    if os.geteuid() == 0:
        for dirpath, dirs, files in os.walk(tree):
            for x in dirs + files + [""]:
                os.chown(os.path.join(dirpath, x), uid, uid)


def run_sandbox(sub, out, uid, script, wall):
    try:
        subprocess.run(bwrap_argv(sub, out, uid) + ["bash", "-c", script], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=wall)
    except subprocess.TimeoutExpired:
        pass  # the sandbox died with its bwrap; the missing results cost this chapter


def copy_capped(src, dst, cap=1 << 20):
    if os.path.islink(src):  # written in the sandbox: a link would read the host's file
        return
    try:
        with open(src, "rb") as f:
            data = f.read(cap)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return
    with open(dst, "wb") as g:
        g.write(data)


def isolate_chapter(sub, ch, res, a, uid, work):
    """The exercises of chapter ch that make check would grade alone (isolate.py): their copies
    are written here, outside any sandbox, into a new directory, then built and run in a second
    sandbox that deletes their sources before running them; the results land in res/isolated/."""
    import isolate
    out = sandbox_dir(work, "iso-" + ch, a, uid)
    todo = isolate.prepare(sub, ch, res, os.path.join(out, "iso"))
    if todo:
        own(out, uid)
        run_sandbox(sub, out, uid, isolated_script(ch), a.wall)
        for ex, body in todo:
            src = os.path.join(out, "r", "isolated", ex.suite)
            if not os.path.isdir(src) or os.path.islink(src):
                continue
            dst = os.path.join(res, "isolated", ex.suite)
            os.makedirs(dst)
            for f in ["results.json", "stderr.txt", "build.log"]:
                copy_capped(os.path.join(src, f), os.path.join(dst, f))
            binary = os.path.join(out, "b", "wb-_out_iso_" + ex.id, ch, "test")
            if not os.path.exists(binary):  # did not build: the compiler's lines at the student's
                isolate.student_build_log(dst, "/out/iso", ch, ex, body, sub)
    shutil.rmtree(out, ignore_errors=True)


def grade_one(entry, a, key, chapters, slots):
    """Grades one submission; returns (name, {exercise: points}, report text, [note], cached)."""
    name = student_name(os.path.basename(entry))
    digest = tree_hash(entry)[:24]
    cache = os.path.join(a.out, ".cache", f"{digest}-{key}")
    if not a.no_cache and os.path.exists(os.path.join(cache, "notes.txt")):
        return (name, read_points(os.path.join(cache, "points.csv")), open(os.path.join(cache, "report.txt")).read(),
                open(os.path.join(cache, "notes.txt")).read().splitlines(), True)
    uid = slots.get()
    try:
        return grade_as(entry, a, key, chapters, name, digest, cache, uid)
    finally:
        slots.put(uid)


def grade_as(entry, a, key, chapters, name, digest, cache, uid):
    work = os.path.join(a.out, ".work", name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    res_dirs = []
    try:
        unpack(entry, os.path.join(work, "sub"))
        sub = workbook_root(os.path.join(work, "sub"))
        for dirpath, dirs, files in os.walk(os.path.join(work, "sub")):  # readable by nobody
            for x in dirs:
                os.chmod(os.path.join(dirpath, x), 0o755)
            for x in files:
                os.chmod(os.path.join(dirpath, x), 0o644)
        for ch in chapters:
            out = sandbox_dir(work, "out-" + ch, a, uid)  # writable by the sandbox: its build directory
            own(out, uid)
            run_sandbox(sub, out, uid, chapter_script(ch, ch, a.wall), a.wall)
            res = os.path.join(work, "res", ch)  # out of the sandbox's reach from now on
            os.makedirs(res)
            for f in ["results.json", "stderr.txt", "build.log"]:
                copy_capped(os.path.join(out, "r", f), os.path.join(res, f))
            shutil.rmtree(out, ignore_errors=True)
            isolate_chapter(sub, ch, res, a, uid, work)
            res_dirs.append(res)
        csv_path, notes_path = os.path.join(work, "points.csv"), os.path.join(work, "notes.txt")
        r = subprocess.run([sys.executable, os.path.join(COURSE, "grader/report.py"), "--teacher", "--root", sub,
                            "--csv", csv_path, "--notes", notes_path] + res_dirs, capture_output=True, text=True,
                           timeout=300)
        # Paths as the student knows them: relative to the submission, not the sandbox's /sub/ or ours
        rel = os.path.relpath(sub, os.path.join(work, "sub"))
        report = (r.stdout.replace(os.path.join(work, "sub") + "/", "")
                  .replace("/sub/chapters/", os.path.join(rel, "chapters/") if rel != "." else "chapters/"))
        points = read_points(csv_path)
        notes = open(notes_path).read().splitlines()
        notes.append("fingerprint " + fingerprint(sub, chapters))
    except Refused as e:
        report = f"Submission {name}: not graded: {e}\n"
        points, notes = {}, [f"not graded: {e}"]
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, "points.csv"), "w") as f:
        f.write("exercise,points,possible\n" + "".join(f"{k},{v},0\n" for k, v in points.items()))
    with open(os.path.join(cache, "report.txt"), "w") as f:
        f.write(report)
    with open(os.path.join(cache, "notes.txt"), "w") as f:
        f.write("".join(n + "\n" for n in notes))
    shutil.rmtree(work, ignore_errors=True)
    return name, points, report, notes, False


def fingerprint(sub, chapters):
    """The submission's written regions, comments and layout aside (isolate.tokens): two
    submissions with the same fingerprint wrote the same code. '-' when nothing is written."""
    import isolate
    h, any_written = hashlib.sha256(), False
    for ch in chapters:
        exs = exercises.chapter_exercises(COURSE, ch)
        for exid, body in sorted((isolate.student_bodies(sub, ch, exs) or {}).items()):
            if not isolate.is_stub(body):
                any_written = True
                h.update(f"{exid}\0{' '.join(isolate.tokens(body))}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:24] if any_written else "-"


def parse_chapters(spec, all_ch):
    """'01,02', '1,2', '01-03' or '' (all) as chapter directory names; exits naming the unknown."""
    want = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        lo, _, hi = part.partition("-")
        if not (lo.isdigit() and (not hi or hi.isdigit())):
            sys.exit(f"grade-class: CHAPTERS={spec}: write chapter numbers, e.g. 01,02 or 1,2 or 01-03")
        want += [f"{n:02d}" for n in range(int(lo), int(hi or lo) + 1)]
    chapters = [c for c in all_ch if not want or c[:2] in want]
    missing = [w for w in dict.fromkeys(want) if not any(c[:2] == w for c in all_ch)]
    if missing:
        sys.exit(f"grade-class: no chapter {', '.join(missing)}; the chapters are {', '.join(all_ch)}")
    return chapters


def read_points(path):
    with open(path) as f:
        return {r["exercise"]: int(r["points"]) for r in csv.DictReader(f)}


def progress(done, total, what):
    n = 30 * done // max(1, total)
    sys.stderr.write(f"\r[{'#' * n}{'.' * (30 - n)}] {done}/{total} {what[:40]:<40}")
    sys.stderr.flush()


def figure(out, exs, rows):
    data = os.path.join(out, "exercises.dat")
    with open(data, "w") as f:
        f.write("# exercise  mean share of the points  students with full points\n")
        for e in exs:
            got = [r[e.id] for r in rows]
            share = sum(got) / (len(got) * e.points) if got else 0
            full = sum(1 for g in got if g == e.points)
            f.write(f"{e.id} {100 * share:.1f} {full}\n")
    script = f"""set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set yrange [0:100]
set ylabel "points earned, % of possible (class mean)"
set xlabel "exercise"
set title "Points per exercise across the class ({len(rows)} students)"
set xtics rotate by -45 scale 0
set grid ytics
unset key
plot '{data}' using 2:xtic(1) lc rgb '#4477aa'
"""
    for term, ext in [("svg size 900,420 background rgb 'white'", "svg"), ("pngcairo size 900,420", "png")]:
        path = os.path.join(out, f"exercises.{ext}")
        r = subprocess.run(["gnuplot"], input=f"set terminal {term}\nset output '{path}.tmp'\n" + script,
                           capture_output=True, text=True)
        if r.returncode == 0 and os.path.exists(path + ".tmp"):
            os.replace(path + ".tmp", path)
        else:
            print(f"grade-class: gnuplot could not draw {path}: {r.stderr.strip()[:300]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("out")
    ap.add_argument("--chapters", default="", help="comma-separated chapter numbers (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--wall", type=int, default=WALL, help="seconds one chapter's sandbox may run")
    ap.add_argument("--build", default=os.environ.get("B", "build"), help="the course's build directory")
    a = ap.parse_args()
    if os.path.exists(os.path.join(COURSE, ".release")):
        sys.exit("grade-class: this is a student release, which holds no reference solutions to grade with (an "
                 "exercise that runs another could not be graded alone): grade from the full course, at the commit "
                 "in this release's .release file")
    all_ch = sorted(d for d in os.listdir(os.path.join(COURSE, "chapters"))
                    if os.path.isfile(os.path.join(COURSE, "chapters", d, d + ".c")))
    chapters = parse_chapters(a.chapters, all_ch)
    if not os.path.isdir(a.dir):
        sys.exit(f"grade-class: {a.dir} is not a directory of submissions")
    entries, skipped = [], {}  # skipped: entry: why it is not graded
    for e in sorted(os.listdir(a.dir)):
        p = os.path.join(a.dir, e)
        if os.path.islink(p):
            skipped[e] = "a symbolic link (hand in the directory or archive itself)"
        elif os.path.isdir(p) or (os.path.isfile(p) and e.endswith(ARCHIVES)):
            entries.append(p)
        else:
            skipped[e] = ("a single file and not a workbook (hand in the workbook directory or a "
                          ".tar.gz/.tgz/.tar.xz/.tar/.zip of it)")
    if not entries and not skipped:
        sys.exit(f"grade-class: {a.dir} holds no submissions (workbook directories, .tar.gz, .tar.xz, .tar or .zip)")
    names = [student_name(os.path.basename(e)) for e in entries]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit(f"grade-class: two submissions for {', '.join(sorted(dup))}: keep one entry per student")
    probe()
    a.out = os.path.abspath(a.out)
    os.makedirs(os.path.join(a.out, "reports"), exist_ok=True)
    global STUDENT_CHAPTERS
    shutil.rmtree(os.path.join(a.out, ".student-edition"), ignore_errors=True)
    STUDENT_CHAPTERS = student_chapters(os.path.join(a.out, ".student-edition"))
    r = subprocess.run(["make", "--no-print-directory", "-s", f"B={a.build}", f"{a.build}/libnn.a",
                        f"{a.build}/.deps-build"], cwd=COURSE)
    if r.returncode:
        sys.exit("grade-class: the course's library does not build")
    key = course_key(chapters)
    exs = [e for c in chapters for e in exercises.chapter_exercises(COURSE, c)]
    slots = queue.Queue()
    for i in range(max(1, a.jobs)):
        slots.put(SLOT_UIDS + i)
    results, notes, prints, done, cached = {}, {}, {}, 0, 0
    for e, why in skipped.items():  # a row marked not graded, unless the student has a graded entry too
        n = e if e.startswith(".") else e.split(".")[0] or e
        if n not in names and not e.startswith("."):
            results[n], notes[n] = {}, [f"not graded: {e} is {why}"]
    progress(0, len(entries), "")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = [pool.submit(grade_one, e, a, key, chapters, slots) for e in entries]
        for fut in concurrent.futures.as_completed(futs):
            name, points, report, note, was_cached = fut.result()
            results[name] = points
            notes[name] = [n for n in note if not n.startswith("fingerprint ")]
            prints[name] = next((n.split()[1] for n in note if n.startswith("fingerprint ")), "-")
            with open(os.path.join(a.out, "reports", name + ".txt"), "w") as f:
                f.write(report)
            done += 1
            cached += was_cached
            progress(done, len(entries), name + (" (cached)" if was_cached else ""))
    sys.stderr.write("\n")
    for name, fp in prints.items():  # the same written code, comments and layout aside
        same = sorted(n for n, q in prints.items() if q == fp and n != name and fp != "-")
        if same:
            notes[name].append("identical to " + " and ".join(same))
    rows = []
    with open(os.path.join(a.out, "gradebook.csv.tmp"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student"] + [e.id for e in exs] + ["total", "notes"])
        w.writerow(["(possible)"] + [e.points for e in exs] + [sum(e.points for e in exs), ""])
        for name in sorted(results):
            row = {e.id: results[name].get(e.id, 0) for e in exs}
            rows.append(row)
            w.writerow([name] + [row[e.id] for e in exs] + [sum(row.values()), "; ".join(notes.get(name, []))])
    os.replace(os.path.join(a.out, "gradebook.csv.tmp"), os.path.join(a.out, "gradebook.csv"))
    figure(a.out, exs, rows)
    rev = release.commit()
    with open(os.path.join(a.out, "course.txt"), "w") as f:
        f.write(f"graded with the course at commit {rev}\n")
    print(f"grade-class: {len(entries)} submissions ({cached} unchanged, from the cache), chapters "
          f"{', '.join(c[:2] for c in chapters)}: {a.out}/gradebook.csv, {a.out}/reports/, {a.out}/exercises.svg; "
          f"course commit {rev[:12]} ({a.out}/course.txt)")
    if skipped:
        print(f"grade-class: {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} of {a.dir} not graded "
              "(a gradebook row marked 'not graded' each, unless hidden or the student has another entry):")
        for e, why in skipped.items():
            print(f"  {e}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
