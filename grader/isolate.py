#!/usr/bin/env python3
"""Grade each exercise apart from the student's other exercises.

    python3 grader/isolate.py --build B --root WB [--jobs N] RESULT_DIR...   (make check runs it)
    python3 grader/isolate.py --deps [CH ...]      the dependencies between exercises, as found
    python3 grader/isolate.py --selftest [--build B]   make selfcheck: isolation helps, and is needed
    python3 grader/isolate.py --run-prepared COPIES --build B --chapter NN_name RESULT_DIR
                                                     (batch.py's sandbox: see prepare, build_and_run)

Why: the test file #includes the chapter (one translation unit), so a test of exercise 01.4
(`perceptron_epoch`) runs the student's own `perceptron_update` (01.3), and a wrong 01.3 would cost
01.4 as well although 01.4's region is right. The linker cannot swap one function, so the grader
builds a second copy of the chapter instead.

How: exercise E *depends on* F when E's code reaches F's function: the function that holds E's
region (the student's region text, comments stripped) or one of E's tests names F's function,
directly or through other functions of the chapter or of its test file (identifier match, followed
transitively through the reference's function bodies). After `make check` has built and run a
workbook chapter (never the reference edition), E is graded once more, alone, when

  - E's region is not a stub (`TODO(` still in it: it fails anyway), and
  - some F it depends on differs from the course's reference (comment- and whitespace-blind) and
    did not earn its points in the normal run (an F that passes is not what makes E fail, and
    skipping it keeps a student's own correct solutions from costing a build each).

The isolated copy is the reference chapter with E's region replaced by the student's, verbatim
(write_copy, shared with decoys.py), built with the Makefile's workbook rule (`make WB=<copy>`,
sharing the library build) and run with E's suite alone, under tools/contain. Its Criterion report
lands in RESULT_DIR/isolated/exNN_K/ (results.json, stderr.txt, build.log, as make check leaves a
chapter); report.py takes E's results from there and says on E's line which of the course's
exercises it used. If the copy does not build, the normal result stands. The student's own file
is still what integrity.py checks, and what the normal run grades for every other exercise. The
batch grader (batch.py) splits the work: prepare() runs outside the sandbox, where the course's
solutions are, and build_and_run() in a second sandbox, which deletes the copies' sources once
they are built, so that no running student code can read a solution.

A workbook chapter that does not compile as a whole (its test binary never ran: did_not_build)
has no normal results, so every exercise whose region is not a stub is graded alone the same way:
a mistake that breaks the build costs the exercise it is in, not the chapter. A region that does
not compile on its own scores 0: its build.log, with the copy's file:line rewritten to the
student's file (to_student_lines), is what report.py shows on its line, below the chapter's own
compiler errors, which stay in the report. Stubs score 0 without a build.

When the course holds no reference solutions (a student release made by grader/release.py, marked
by its .release file), nothing is isolated: the report says once that dependent exercises run the
student's own functions, and a chapter that does not compile earns nothing, as it says there. GRADER_NO_ISOLATION=1 in the environment turns the isolated runs off
(the self-check uses it to show that, without them, its test case fails).

The dependencies are found by identifier, so they can be too many (a dispatcher that names every
kernel of chapter 13 makes 13.12 and 13.13 depend on each other): that costs an unneeded build
when one of them is wrong, never a wrong grade.
"""
import argparse
import concurrent.futures
import glob
import itertools
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402
import integrity  # noqa: E402

COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDENT = re.compile(r"[A-Za-z_]\w*")
# C tokens, comments dropped: words, literals (kept whole: "a" and "b" differ), punctuation.
TOKENS = re.compile(r'/\*.*?\*/|//[^\n]*|("(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\w+|\S)', re.S)


def tokens(text):
    """The code of a region as a token list: comments and layout do not count."""
    return [m.group(1) for m in TOKENS.finditer(text) if m.group(1)]


def is_stub(body):
    """True for a region the student has not written yet (the exporter's TODO call is in it)."""
    t = tokens(body)
    return any(t[i:i + 2] == ["TODO", "("] for i in range(len(t)))


def _code(text):
    """text with comments, string/char literals and preprocessor lines blanked, lines kept."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = integrity.strip_comments_and_strings(text)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", blank, text, flags=re.M)


def functions(text):
    """[(name, header, first line, last line)] of the top-level function definitions of a C file
    (1-based lines; header is the text before the opening brace, e.g. for Test(ex01_4, ...)). A
    top-level brace opens a function when what precedes it ends with a parameter list."""
    code = _code(text)
    found, depth, start, line, pending = [], 0, 0, 1, None
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            if depth == 0:
                header = code[start:i].strip()
                m = re.search(r"(\w+)\s*\((?:[^()]|\([^()]*\))*\)\s*$", header)
                pending = (m.group(1), header, line) if m else None
            depth += 1
        elif c == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                if pending:
                    found.append(pending + (line,))
                start, pending = i + 1, None
        elif c == ";" and depth == 0:
            start = i + 1
    return found


def _names(code_lines, first, last):
    return set(IDENT.findall("\n".join(code_lines[first - 1:last])))


class Chapter:
    """The reference chapter's call graph: which exercise functions each exercise's code reaches."""

    def __init__(self, course, name):
        self.exs = exercises.chapter_exercises(course, name)
        self.calls = {}   # function name: identifiers its body names
        self.owner = {}   # exercise id: name of the function holding its region
        self.tests = {}   # suite: identifiers its tests name
        texts, self.parsed = {}, {}  # path: (code lines, functions)
        for ex in self.exs:
            if ex.path not in texts:
                with open(ex.path, encoding="utf-8") as f:
                    texts[ex.path] = f.read()
        for path, text in texts.items():
            lines = _code(text).split("\n")
            self.parsed[path] = lines, functions(text)
            for fname, _, first, last in self.parsed[path][1]:
                self.calls.setdefault(fname, set()).update(_names(lines, first, last))
                for ex in self.exs:
                    if ex.path == path and first <= ex.begin <= last:
                        self.owner[ex.id] = fname
        self.ref = reference_bodies(self.exs)
        test = os.path.join(course, "chapters", name, f"test_{name}.c")
        if os.path.exists(test):
            with open(test, encoding="utf-8") as f:
                text = f.read()
            lines = _code(text).split("\n")
            for fname, header, first, last in functions(text):
                m = re.match(r"(?:Parameterized)?Test\s*\(\s*(\w+)", header)
                names = _names(lines, first, last)
                if m:
                    self.tests.setdefault(m.group(1), set()).update(names)
                else:
                    self.calls.setdefault(fname, set()).update(names)

    def reached(self, names):
        """The chapter's functions that code naming `names` reaches (transitively)."""
        seen, todo = set(), [n for n in names if n in self.calls]
        while todo:
            f = todo.pop()
            if f not in seen:
                seen.add(f)
                todo += [n for n in self.calls[f] if n in self.calls and n not in seen]
        return seen

    def depends(self, ex, body=None):
        """The other exercises whose function ex's code reaches: its region (body: the student's,
        default the reference's), the rest of the function holding it, and its tests."""
        body = self.ref[ex.id] if body is None else body
        own = self.owner.get(ex.id)
        names = set(IDENT.findall(_code(body))) | self.tests.get(ex.suite, set())
        if own:  # the function around the region: its code outside the region, and itself
            code, funcs = self.parsed[ex.path]
            fn = next(f for f in funcs if f[0] == own and f[2] <= ex.begin <= f[3])
            names |= _names(code, fn[2], ex.begin) | _names(code, ex.end, fn[3]) | {own}
        hit = self.reached(names)
        return [f for f in self.exs if f.id != ex.id and self.owner.get(f.id) in hit]


def student_bodies(root, name, exs):
    """{exercise id: the student's region body}; None when the student's files cannot be read or
    their markers are broken (integrity.py reports that; nothing is isolated then)."""
    out = {}
    for path in sorted({e.path for e in exs}):
        mine = os.path.join(root, "chapters", name, os.path.basename(path))
        try:
            with open(mine, encoding="utf-8", errors="surrogateescape") as f:  # bytes kept as they are
                text = f.read()
            lines = text.splitlines(keepends=True)
            for e in exercises.parse(mine, text):
                out[e.id] = "".join(lines[e.begin:e.end - 1])
        except (OSError, exercises.MarkupError):
            return None
    return out if all(e.id in out for e in exs) else None


def reference_bodies(exs):
    """{exercise id: the course's region body}."""
    out, texts = {}, {}
    for e in exs:
        if e.path not in texts:
            with open(e.path, encoding="utf-8") as f:
                texts[e.path] = f.read().splitlines(keepends=True)
        out[e.id] = "".join(texts[e.path][e.begin:e.end - 1])
    return out


def earned(results, record, ex):
    """Whether ex earned its points in a run's results, as report.py counts them: a check passed,
    none failed (a skipped one does not count), and each passed one ran to its end."""
    tests = (results or {}).get(ex.suite, [])
    return (any(t[1] == "PASSED" for t in tests) and
            all(t[1] == "SKIPPED" or (t[1] == "PASSED" and t[3] >= max(1, (record or {}).get((ex.suite, t[0]), 1)))
                for t in tests))


def did_not_build(result_dir):
    """True when the chapter's test binary was never run: it did not compile or link (make check and
    batch.py write stderr.txt only when they run it, and results.json only from a run)."""
    return not any(os.path.exists(os.path.join(result_dir, f)) for f in ("results.json", "stderr.txt"))


def plan(course, root, name, results, record, unbuilt=False):
    """[(E, [(F, F's function), ...])]: each exercise E of the student tree root to grade alone, with
    the exercises F whose course version it is graded with; results and record are the normal
    run's (report.load_results, asserts.load). unbuilt: the student's chapter did not compile as a
    whole (did_not_build), so there are no results to go by: every written region is graded alone,
    with no F named (everything around it is the course's)."""
    if is_release(course) or (results is None and not unbuilt):
        return []
    exs = exercises.chapter_exercises(course, name)
    mine, ref = student_bodies(root, name, exs), reference_bodies(exs)
    if mine is None:
        return []
    if results is None:
        return [(e, []) for e in exs if not is_stub(mine[e.id])]
    # Cheap first: without a written region and a wrong one, nothing needs the call graph.
    wrong = {f.id for f in exs if tokens(mine[f.id]) != tokens(ref[f.id]) and not earned(results, record, f)}
    if not wrong or all(is_stub(mine[e.id]) for e in exs):
        return []
    ch = Chapter(course, name)
    todo = []
    for e in exs:
        if is_stub(mine[e.id]):
            continue
        blamed = [(f, ch.owner.get(f.id)) for f in ch.depends(e, mine[e.id]) if f.id in wrong]
        if blamed:
            todo.append((e, blamed))
    return todo


def is_release(course):
    """A student release (grader/release.py) holds no reference solutions: nothing to isolate with."""
    return os.path.exists(os.path.join(course, ".release"))


# --- building and running one exercise's suite on a copy of the chapter (also used by decoys.py) ---

def write_copy(name, ex, body, dst_root, course=COURSE):
    """dst_root/chapters/name/ = the course's chapter with ex's region body replaced by body. Files
    whose content is unchanged keep their time stamps, so that make rebuilds only what changed."""
    src_dir, dst = os.path.join(course, "chapters", name), os.path.join(dst_root, "chapters", name)
    target = os.path.relpath(ex.path, src_dir)
    wanted = {}
    for f in sorted(os.listdir(src_dir)):
        if f == "decoys" or f.startswith("test_") or os.path.isdir(os.path.join(src_dir, f)):
            continue
        with open(os.path.join(src_dir, f), "rb") as fh:
            wanted[f] = fh.read()
    with open(ex.path, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    if body and not body.endswith("\n"):
        body += "\n"
    lines[ex.begin:ex.end - 1] = [body]
    wanted[target] = "".join(lines).encode("utf-8", "surrogateescape")
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(dst):
        if f not in wanted:
            os.remove(os.path.join(dst, f))
    for f, data in wanted.items():
        path = os.path.join(dst, f)
        try:
            with open(path, "rb") as fh:
                if fh.read() == data:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "wb") as fh:
            fh.write(data)


def build_copy(build, root, name, env=None):
    """Builds the grader of copy `root` with the Makefile's workbook rule; (binary or None, log)."""
    binary = os.path.join(build, "wb-" + root.replace("/", "_"), name, "test")
    # NVCC= : chapter 13's exercise checks run on the CPU; the no-GPU library builds in a second.
    make = ["make", "--no-print-directory", "-s", f"B={build}", f"WB={root}", "NVCC=", binary]
    b = subprocess.run(make, cwd=COURSE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace", env=env)
    return (binary if b.returncode == 0 else None), b.stdout


def run_suite(build, binary, suite, json_out, timeout):
    """Runs one suite of a test binary through runtests.py (its first time-out ends the suite, so a
    looping exercise waits out one time-out, not one per check; under tools/contain when it is
    built: the batch grader's sandbox has none, and kills every leftover process itself). Returns
    (exit status, what the tests printed); 124 when even the runner had to be stopped."""
    argv = [sys.executable, os.path.join(COURSE, "grader", "runtests.py"), "--deadline", str(timeout), "--suite", suite]
    contain = os.path.join(build, "tools", "contain")
    if os.path.exists(contain):
        argv += ["--contain", contain]
    try:
        r = subprocess.run(argv + [binary, json_out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=timeout + 60)
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        return 124, ""


def to_student_lines(log, copy, name, ex, body, root):
    """The compiler's output for an isolated copy (write_copy: the course's file, ex's region body
    replaced by the student's) with its file:line references to the copy's file rewritten to the
    student's file: a line of their region to that line of theirs; a line of the course's text
    outside every region to the same text in theirs (the workbook keeps it as it is); a line of
    another exercise's course version to that exercise's BEGIN line in theirs."""
    base = os.path.basename(ex.path)
    mine = os.path.join(root, "chapters", name, base)
    try:
        theirs = {e.id: e for e in exercises.parse(mine)}
    except (OSError, UnicodeDecodeError, exercises.MarkupError):
        return log
    course = exercises.parse(ex.path)
    n_body, n_ref = len(body.splitlines()), ex.end - ex.begin - 1

    def line(n):
        if ex.begin < n <= ex.begin + n_body:
            return theirs.get(ex.id, ex).begin + n - ex.begin
        c = n if n <= ex.begin else n - n_body + n_ref  # the course file's line
        shift = 0
        for f in course:
            if f.begin < c < f.end:
                return theirs.get(f.id, f).begin
            if f.end <= c:
                shift = theirs.get(f.id, f).end - f.end
        return c + shift
    path = os.path.abspath(os.path.join(COURSE, copy, "chapters", name, base))
    log = re.sub(re.escape(path) + r":(\d+)", lambda m: f"{mine}:{line(int(m.group(1)))}", log)
    return log.replace(path, mine)  # "<file>: In function ..." names no line


def isolate(build, root, name, result_dir, timeout=300):
    """Grades every exercise of plan() alone; writes result_dir/isolated/. Returns the number graded."""
    # one directory per workbook and chapter: make check isolates several chapters at once
    copies = os.path.join(build, "isolated", os.path.normpath(root).strip("/").replace("/", "_"), name)
    todo = prepare(root, name, result_dir, copies)
    built = build_and_run(build, copies, name, result_dir, timeout)
    for ex, body in todo:  # a copy that did not build: its compiler errors at the student's lines
        if ex.id not in built:
            student_build_log(os.path.join(result_dir, "isolated", ex.suite), copies, name, ex, body, root)
    return len(todo)


def prepare(root, name, result_dir, copies):
    """The first half of isolate(), which needs the course's solutions: plans (plan()) and writes
    each copy to copies/<exercise id>/, listed in copies/todo.txt; returns [(exercise, the student's
    body)]. A region that integrity.py refuses (a preprocessor line, asm, ...) is not isolated: it
    scores 0 anyway, and a copy is the course's file, which such code could read into its binary
    (the batch grader keeps the course's solutions out of reach of running student code)."""
    import report  # report imports this module
    import asserts
    shutil.rmtree(os.path.join(result_dir, "isolated"), ignore_errors=True)
    try:
        os.remove(os.path.join(copies, "todo.txt"))
    except FileNotFoundError:
        pass
    if os.environ.get("GRADER_NO_ISOLATION"):
        return []
    results = report.load_results(result_dir)
    todo = plan(COURSE, root, name, results, asserts.load(COURSE, name),
                unbuilt=results is None and did_not_build(result_dir))
    if not todo:
        return []
    mine = student_bodies(root, name, [e for e, _ in todo])
    todo = [(ex, mine[ex.id]) for ex, _ in todo if not integrity.scan_region(mine[ex.id])]
    for ex, body in todo:
        write_copy(name, ex, body, os.path.join(copies, ex.id))
    os.makedirs(copies, exist_ok=True)
    with open(os.path.join(copies, "todo.txt"), "w") as f:
        f.write("".join(f"{ex.id} {ex.suite}\n" for ex, _ in todo))
    return todo


def build_and_run(build, copies, name, result_dir, timeout=300, forget_sources=False):
    """The second half, which needs no solution: builds every copy prepare() listed, then runs each
    built one's suite; writes result_dir/isolated/<suite>/ (build.log as the compiler wrote it,
    results.json, stderr.txt) and returns the ids built. forget_sources: delete the copies'
    sources after the builds, before any student code runs (the batch grader's sandbox)."""
    try:
        with open(os.path.join(copies, "todo.txt")) as f:
            todo = [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        return set()
    built = {}
    for exid, suite in todo:
        res = os.path.join(result_dir, "isolated", suite)  # as make check leaves a chapter
        os.makedirs(res, exist_ok=True)
        binary, log = build_copy(build, os.path.join(copies, exid), name)
        with open(os.path.join(res, "build.log"), "w") as f:
            f.write(log)
        if binary:
            built[exid] = (binary, suite, res)
    if forget_sources:
        for exid, _ in todo:
            shutil.rmtree(os.path.join(copies, exid), ignore_errors=True)
    for binary, suite, res in built.values():
        _, stderr = run_suite(build, binary, suite, os.path.join(res, "results.json"), timeout)
        with open(os.path.join(res, "stderr.txt"), "w") as f:
            f.write(stderr)
    return set(built)


def student_build_log(res, copies, name, ex, body, root):
    """Rewrites res/build.log, the compiler's output for ex's copy in copies/, to the student's
    file:line (to_student_lines)."""
    path = os.path.join(res, "build.log")
    try:
        with open(path, errors="replace") as f:
            log = f.read()
    except FileNotFoundError:
        return
    with open(path, "w") as f:
        f.write(to_student_lines(log, os.path.join(copies, ex.id), name, ex, body, root))


def show_deps(chapters):
    for name in chapters:
        ch = Chapter(COURSE, name)
        for e in ch.exs:
            deps = ch.depends(e)
            if deps:
                print(f"{e.id} {ch.owner.get(e.id)} -> " + ", ".join(f"{f.id} ({ch.owner.get(f.id)})" for f in deps))


def chapter_names(wanted=()):
    names = sorted(os.path.basename(d) for d in glob.glob(os.path.join(COURSE, "chapters", "[0-9][0-9]_*"))
                   if os.path.exists(os.path.join(d, os.path.basename(d) + ".c")))
    return [n for n in names if not wanted or n[:2] in {c.zfill(2) for c in wanted}]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("B", "build"))
    ap.add_argument("--root", help="the graded workbook (the directory holding chapters/)")
    ap.add_argument("--chapter", help="NN_name, when the one RESULT_DIR is not named after it")
    ap.add_argument("--jobs", type=int, default=1, help="chapters graded at a time")
    ap.add_argument("--deps", action="store_true", help="print the dependencies found, per chapter")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--run-prepared", metavar="COPIES", help="build and run the copies prepare() wrote there, "
                    "deleting their sources before the runs (the batch grader's second sandbox)")
    ap.add_argument("args", nargs="*", help="RESULT_DIR..., or chapter numbers with --deps")
    a = ap.parse_args()
    if a.deps:
        show_deps(chapter_names(a.args))
        return 0
    if a.selftest:
        return selftest(a.build)
    if a.run_prepared:
        if not a.chapter or len(a.args) != 1:
            ap.error("--run-prepared needs --chapter and one RESULT_DIR")
        build_and_run(a.build, a.run_prepared, a.chapter, a.args[0], forget_sources=True)
        return 0
    if not a.root or not a.args or (a.chapter and len(a.args) > 1):
        ap.error("needs --root and RESULT_DIR... (--chapter with one RESULT_DIR only)")
    jobs = [(a.chapter or os.path.basename(os.path.normpath(d)), d) for d in a.args]
    # One process for every chapter (make check runs this once): Python's start-up is most of the
    # cost when nothing needs isolating, as on a fresh or a fully solved workbook.
    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as pool:
        for f in [pool.submit(isolate, a.build, a.root, name, d) for name, d in jobs]:
            f.result()
    return 0


# The self-check's workbooks: each is the reference chapter with one exercise replaced by a decoy,
# and (BROKEN) with the last `;` of one exercise's reference taken out, so that it does not compile.
SELFTEST = [("01_perceptron", "01.1-last-input-skipped"), ("02_regression", "02.6-gradient-not-divided-by-B")]
BROKEN = ("02_regression", "02.1")


def grade_both(build, root, name):
    """make check of workbook root's chapter name with the isolated runs and without them:
    ({mode: {exercise id: (points, possible)}}, the report's text with them)."""
    import csv
    got, text = {}, ""
    for mode in ("isolated", "not isolated"):
        env = {k: v for k, v in os.environ.items() if k != "GRADER_NO_ISOLATION"}
        if mode == "not isolated":
            env["GRADER_NO_ISOLATION"] = "1"
        subprocess.run(["make", "--no-print-directory", "-s", "check", f"CH={name[:2]}", f"WB={root}", f"B={build}"],
                       cwd=COURSE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        d = os.path.join(build, "wb-" + root.replace("/", "_"), name)
        path = os.path.join(d, "points.csv")
        r = subprocess.run([sys.executable, os.path.join(COURSE, "grader/report.py"), "--root", root, d, "--csv", path],
                           cwd=COURSE, stdout=subprocess.PIPE, text=True, env=env)
        text = text or r.stdout
        with open(os.path.join(COURSE, path)) as f:
            got[mode] = {r["exercise"]: (int(r["points"]), int(r["possible"])) for r in csv.DictReader(f)}
    return got, text


def selftest(build):
    """make selfcheck: in a workbook where one exercise holds a decoy and every other region the
    reference, the decoy's exercise earns 0 and every other exercise its full points; with the
    isolated runs turned off, the exercises that run the decoy lose points (so the check can fail).
    Likewise a workbook chapter where one region does not compile: that exercise earns 0, its line
    shows the compiler's error at the student's file:line, the others earn their full points; with
    the isolated runs off, the chapter earns nothing."""
    import decoys
    root = os.path.join(build, "isolation-selftest")
    shutil.rmtree(os.path.join(COURSE, root), ignore_errors=True)
    problems = []
    for name, slug in SELFTEST:
        decoy = decoys.Decoy(os.path.join(COURSE, "chapters", name, "decoys", slug + ".c"))
        ch = Chapter(COURSE, name)
        wrong = next(e for e in ch.exs if e.id == decoy.id)
        write_copy(name, wrong, decoy.body, os.path.join(COURSE, root))
        users = [e.id for e in ch.exs if wrong in ch.depends(e)]
        got, _ = grade_both(build, root, name)
        for e in ch.exs:
            p, q = got["isolated"][e.id]
            if e is wrong and p:
                problems.append(f"decoy {slug} earns {p} of {q} points on {e.id}, expected 0")
            elif e is not wrong and p != q:
                problems.append(f"with a decoy in {wrong.id} ({slug}), {e.id} earns {p} of {q} points, expected "
                                f"all: a mistake in {wrong.id} costs {e.id}")
        lost = [u for u in users if got["not isolated"][u][0] < got["not isolated"][u][1]]
        if not lost:
            problems.append(f"with the isolated runs off, no exercise that runs {wrong.id} ({', '.join(users) or 'none'}) "
                            f"loses points to decoy {slug}: this check could not fail")

        def points(mode, ids):
            return ", ".join(f"{i} {got[mode][i][0]}/{got[mode][i][1]}" for i in ids)
        print(f"  decoy {slug}: {points('isolated', [wrong.id])}; the exercises that run it: "
              f"{points('isolated', users)} (without isolation: {points('not isolated', users)})")
    problems += selftest_broken(build, os.path.join(build, "isolation-selftest-broken"))
    for p in problems:
        print("isolation self-check: " + p)
    print("isolation: " + ("a wrong exercise costs only itself" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


def selftest_broken(build, root):
    """The BROKEN case of selftest(); returns its problems."""
    name, exid = BROKEN
    shutil.rmtree(os.path.join(COURSE, root), ignore_errors=True)
    ex = next(e for e in exercises.chapter_exercises(COURSE, name) if e.id == exid)
    body = reference_bodies([ex])[exid]
    cut = body.rindex(";")
    write_copy(name, ex, body[:cut] + body[cut + 1:], os.path.join(COURSE, root))
    where = f"{os.path.join(root, 'chapters', name, os.path.basename(ex.path))}:{ex.begin + 1 + body.count(chr(10), 0, cut)}:"
    got, text = grade_both(build, root, name)
    problems = []
    for e, (p, q) in got["isolated"].items():
        if (e == exid and p) or (e != exid and p != q):
            problems.append(f"with {exid}'s region not compiling, {e} earns {p} of {q} points, expected "
                            f"{0 if e == exid else 'all'}: the chapter's exercises were not graded alone")
    lines = text.splitlines()
    at = next((i for i, l in enumerate(lines) if re.search(rf"[✔✘] {re.escape(exid)} ", l)), len(lines))
    below = itertools.takewhile(lambda l: l.startswith("      "), lines[at + 1:])  # what the report says on it
    if not any(where in l for l in below) or "does not compile as a whole" not in text:
        problems.append(f"the report does not show, on {exid}'s line, the compiler's error at {where} and, at the "
                        "chapter, that the chapter does not compile as a whole")
    if any(p for p, _ in got["not isolated"].values()):
        problems.append(f"with the isolated runs off, the chapter that does not compile earns points: this check "
                        "could not fail")
    print(f"  {exid} not compiling: " + ", ".join(f"{e} {p}/{q}" for e, (p, q) in got["isolated"].items()) +
          f" (without isolation: {sum(p for p, _ in got['not isolated'].values())} points)")
    return problems


if __name__ == "__main__":
    sys.exit(main())
