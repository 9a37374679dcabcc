"""What the grader checks besides the tests: that a student changed only the inside of exercise
regions, and that a region holds ordinary C, not tricks aimed at the grader.

Student code is compiled into the same binary as its tests (the test file #includes the chapter),
so a region could try to end the test early (exit, _exit, longjmp, a signal handler, atexit), to
redefine the test framework (#define cr_assert ...), or to write a fake result. Three layers stop
that from turning into points:

1. the report counts a test as passed only if it made at least as many assertions as the
   reference solution makes (chapters/NN_name/expected_asserts.tsv, see asserts.py): a test
   that stops early, however it stops, made fewer;
2. this module refuses, inside a region, preprocessor directives, any reference to the test
   framework, and the calls that leave a function by another door than `return` or reach the
   process (exit, longjmp, signal, fork, syscall, asm, ...); and, inside exercise NN.K's region,
   the library's own versions of that exercise (the functions of common/ or gpu/ that compute what
   it asks for: the library holds them so that other exercises' checks can use them), listed in a
   /*forbid NN.K ... */ block of the chapter's test file (exercises.forbidden);
3. the code outside the regions must be the student edition's code: a change there is reported
   as file:line. Comments (the book's prose) and whitespace are not compared, so a course whose
   prose changed after the release grades the same; the BEGIN/END EXERCISE markers are compared
   as they are (code_lines).

Code refused inside a region (layer 2) costs that exercise its points in every mode. A change
outside the regions (layer 3) is a warning in student mode (make check); in teacher mode (make
check TEACHER=1, and batch grading) any of them gives the chapter 0 points, and the report says why.
"""
import difflib
import os
import re

import exercises

FRAMEWORK = re.compile(r"^(cr_\w*|CR_\w*|criterion\w*|Criterion\w*|Test|TestSuite|ParameterizedTest\w*|"
                       r"ParameterizedTestParameters|Theory\w*|ReportHook|bxf_\w*|BXF_\w*|"
                       r"GRADING|CHAPTER_SOURCE|DATASETS)$")
# Ways out of a function other than `return`, ways to reach the process or the files, and ways
# to hide a call from this scan (asm, attributes, builtins, a function looked up by name).
ESCAPES = {
    "exit", "_exit", "_Exit", "quick_exit", "abort", "atexit", "at_quick_exit", "on_exit",
    "signal", "sigaction", "sigprocmask", "pthread_sigmask", "raise", "kill", "killpg", "alarm",
    "setjmp", "longjmp", "_setjmp", "_longjmp", "sigsetjmp", "siglongjmp", "jmp_buf", "sigjmp_buf",
    "fork", "vfork", "clone", "clone3", "daemon", "setsid", "setpgid", "setpgrp", "ptrace", "prctl",
    "pthread_create", "pthread_exit", "thrd_create", "thrd_exit", "syscall", "system", "popen",
    "execl", "execlp", "execle", "execv", "execvp", "execvpe", "fexecve", "posix_spawn", "posix_spawnp",
    "dlopen", "dlsym", "dlvsym", "asm", "__asm", "__asm__", "__attribute", "__attribute__",
    "_Pragma", "write", "pwrite", "writev", "dup", "dup2", "dup3", "fdopen", "freopen", "open",
    "openat", "creat", "fopen", "unlink", "unlinkat", "remove", "rename", "truncate", "ftruncate",
    "mmap", "mprotect", "socket", "connect", "getppid", "sleep", "usleep", "nanosleep",
}


def strip_comments_and_strings(text):
    """The code of a region without comments and with string/char literals emptied, line
    numbers kept (a comment or string may span lines; its newlines survive)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text, flags=re.S)


def scan_region(body, forbid=(), exid=None):
    """[(line offset in body, 0-based), message] for everything refused inside a region; forbid:
    the library functions exercise exid asks the student to write (its /*forbid block)."""
    found = []
    forbid = set(forbid)
    code = strip_comments_and_strings(body)
    for i, line in enumerate(code.split("\n")):
        s = line.strip()
        if s.startswith("#") or "%:" in s or "??=" in s:
            found.append((i, "a preprocessor directive inside an exercise region (write the code the "
                             "exercise asks for; #include, #define and #undef belong outside the regions)"))
            continue
        seen = set()
        for m in re.finditer(r"[A-Za-z_]\w*", line):
            w = m.group(0)
            if w in seen:
                continue
            seen.add(w)
            if FRAMEWORK.match(w):
                found.append((i, f"'{w}' names the test framework or the grader; an exercise region "
                                 "may not touch its own tests"))
            elif w in forbid:
                found.append((i, f"'{w}' is the library's own version of this exercise: exercise {exid} asks "
                                 f"you to write it, so a region that calls {w} (or names it) earns nothing "
                                 "(the prose above the region says which library functions you may use)"))
            elif w in ESCAPES or w.startswith("__builtin"):
                found.append((i, f"'{w}' is not allowed in an exercise region (it can leave the test "
                                 "by another door than return, or reach the process and its files); "
                                 "an exercise needs only arithmetic, loops and the library's functions"))
    return found


# A comment, or a string or character literal (kept: a comment marker inside one is not a comment).
_LEXEME = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?(?:\*/|\Z)|//(?:\\\n|[^\n])*', re.S)
_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?|[A-Za-z_]\w*|\.?\d[\w.]*|'
                    r'<<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||##|[-+*/%&|^]=|\S')


def code_lines(text, markers=()):
    """[text of each line] with the comments removed (their newlines kept) and each line reduced
    to its tokens joined by one space (a string literal is one token, as written). The lines in
    `markers` (1-based: the BEGIN/END EXERCISE lines) are kept as written, less their outer blanks,
    since a marker is a comment that the grader reads."""
    def blank(m):
        t = m.group(0)
        return t if t[0] in "\"'" else " " + "\n" * t.count("\n")
    stripped = _LEXEME.sub(blank, text).split("\n")
    raw = text.split("\n")
    out = []
    for n, line in enumerate(stripped, 1):
        out.append(" ".join(raw[n - 1].split()) if n in markers else " ".join(_TOKEN.findall(line)))
    return out


def skeleton(lines, exs):
    """[(line number, code)] of a file's lines outside the bodies of its regions (the markers
    included): code only, comments and whitespace left out, lines with no code dropped."""
    inside, markers = set(), set()
    for ex in exs:
        inside.update(range(ex.begin + 1, ex.end))  # 1-based body lines
        markers.update((ex.begin, ex.end))
    code = code_lines("\n".join(lines), markers)
    return [(n, c) for n, c in enumerate(code, 1) if n not in inside and c]


def check_file(ref_path, stu_path, shown, forbid=None):
    """[(where, message, exercise id or None)] for one chapter file: edits outside the regions
    (None), refused code inside a region (its id). forbid: {exercise id: [names]} (exercises.forbidden)."""
    problems = []
    if not os.path.exists(stu_path):
        return [(shown, "is missing from the submission (make workbook restores it)", None)]
    with open(ref_path, encoding="utf-8", errors="replace") as f:
        ref = f.read()
    with open(stu_path, encoding="utf-8", errors="replace") as f:
        stu = f.read()
    try:
        ref_ex = exercises.parse(ref_path, ref)
        stu_ex = exercises.parse(stu_path, stu)
    except exercises.MarkupError as e:
        return [(shown, f"its exercise markers are broken: {e}", None)]
    if [e.id for e in ref_ex] != [e.id for e in stu_ex]:
        return [(shown, f"holds exercises {[e.id for e in stu_ex]}, the course has {[e.id for e in ref_ex]}: "
                        "the BEGIN/END markers were changed", None)]
    stu_lines = stu.splitlines()
    a = skeleton(ref.splitlines(), ref_ex)
    b = skeleton(stu_lines, stu_ex)
    sm = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if j2 > j1:
            first, last = b[j1][0], b[j2 - 1][0]
            what = "changed" if op == "replace" else "added"
        else:  # deleted: name the student's line where they are missing
            first = last = b[j1][0] if j1 < len(b) else (b[-1][0] if b else 1)
            what = "deleted"
        span = f"{first}" if first == last else f"{first}-{last}"
        problems.append((f"{shown}:{span}", f"line(s) {what} outside the exercise regions (only the code between "
                                            "BEGIN EXERCISE and END EXERCISE is yours to edit; if you did not edit "
                                            "there, the course changed since your make workbook: copy your regions "
                                            "into a fresh copy)", None))
    for ex in stu_ex:
        body = "\n".join(stu_lines[ex.begin:ex.end - 1])
        for off, msg in scan_region(body, (forbid or {}).get(ex.id, ()), ex.id):
            problems.append((f"{shown}:{ex.begin + 1 + off}", f"exercise {ex.id}: {msg}", ex.id))
    return problems


def check_chapter(course, root, name):
    """[(where, message, exercise id or None)] for chapter `name` of the student tree `root` against the course."""
    d = os.path.join(course, "chapters", name)
    out = []
    forbid = exercises.forbidden(course, name)
    for f in sorted(os.listdir(d)):
        if exercises.is_exercise_file(f):
            shown = os.path.normpath(os.path.join(root, "chapters", name, f))
            out += check_file(os.path.join(d, f), os.path.join(root, "chapters", name, f), shown, forbid)
    return out


REF = """/*md
# A chapter

Prose /* with a slash-star, and "quotes" and don't.
*/
#include <stdio.h>

static const char *open = "/*";  /* a string holding a comment marker */
static int scale = 2;

int f(int x)
{
    /* BEGIN EXERCISE 01.1 (2 points): twice x */
    return 2 * x;
    /* END EXERCISE */
}

int g(int x) { return f(x) + scale; }  // the rest
"""


def selftest():
    """Each case: (what, the student's file, outside-region problems expected)."""
    import tempfile
    cases = [
        ("the same file", REF, 0),
        ("the prose reworded and a comment added", REF.replace("# A chapter", "# A chapter, reworded\n\nMore prose.")
         .replace("// the rest", "/* the rest,\n   on two lines */"), 0),
        ("whitespace and blank lines", REF.replace("static int scale = 2;", "static int  scale=2 ;\n\n"), 0),
        ("the region's body (not outside)", REF.replace("return 2 * x;", "int y = x + x; /* */\n    return y;"), 0),
        ("a line of code changed", REF.replace("scale = 2", "scale = 3"), 1),
        ("a line of code commented out", REF.replace("static int scale = 2;", "static int scale = 2; /*")
         .replace("int g(int x)", "*/ int g(int x)"), 1),
        ("code after a string holding /*", REF.replace('"/*";', '"/*"; int extra;'), 1),
        ("a string literal changed", REF.replace('"/*"', '"/* */"'), 1),
        ("the marker's points", REF.replace("(2 points)", "(9 points)"), 1),
        ("a+++b is not a+ ++b", REF.replace("f(x) + scale", "f(x) ++ + scale"), 1),
        ("a code line added at the end", REF + "int h(void) { return 0; }\n", 1),
    ]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "01_ref.c")
        with open(ref, "w") as f:
            f.write(REF)
        for what, text, want in cases:
            stu = os.path.join(tmp, "01_stu.c")
            with open(stu, "w") as f:
                f.write(text)
            got = [p for p in check_file(ref, stu, "01_stu.c") if p[2] is None]
            ok = (len(got) > 0) == (want > 0)
            bad += not ok
            print(f"integrity selftest: {what}: {len(got)} outside-region problem(s){'' if ok else '  WRONG'}")
            for where, msg, _ in got if not ok else []:
                print(f"    {where}: {msg[:80]}")
    print("integrity selftest: " + ("ok" if not bad else f"{bad} case(s) wrong"))
    return 1 if bad else 0


def library_names(course):
    """Every name the library's headers and sources (common/, gpu/) declare, define or call as a
    function: enough to catch a misspelled name in a /*forbid block."""
    names = set()
    for sub in ("common", "gpu"):
        top = os.path.join(course, sub)
        for dirpath, _, files in os.walk(top):
            for f in files:
                if f.endswith((".h", ".c", ".cu", ".cuh")):
                    with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                        names.update(re.findall(r"\b([A-Za-z_]\w*)\s*\(", strip_comments_and_strings(fh.read())))
    return names


def forbid_selftest(course):
    """Problems with the /*forbid blocks: a block for an exercise the chapter does not have, a name
    the library does not define (a typo would forbid nothing), a name the reference region itself
    uses (the reference must pass its own scan: everything it needs stays allowed)."""
    problems, lib, count = [], library_names(course), 0
    for name in sorted(os.listdir(os.path.join(course, "chapters"))):
        d = os.path.join(course, "chapters", name)
        if not re.match(r"\d\d_", name) or not os.path.isdir(d):
            continue
        forbid = exercises.forbidden(course, name)
        exs = {ex.id: ex for ex in exercises.chapter_exercises(course, name)}
        for exid, names in forbid.items():
            if exid not in exs:
                problems.append(f"{name}: a /*forbid {exid} block, but the chapter has no exercise {exid}")
            for n in names:
                count += 1
                if n not in lib:
                    problems.append(f"{name}: /*forbid {exid} names {n}, which common/ and gpu/ do not define")
        for ex in exs.values():
            with open(ex.path, encoding="utf-8") as f:
                body = "\n".join(f.read().splitlines()[ex.begin:ex.end - 1])
            for off, msg in scan_region(body, forbid.get(ex.id, ()), ex.id):
                problems.append(f"{ex.path}:{ex.begin + 1 + off}: the reference of {ex.id} is refused: {msg}")
    return problems, count


if __name__ == "__main__":
    import sys
    if sys.argv[1:] != ["--selftest"]:
        sys.exit("usage: python3 grader/integrity.py --selftest")
    outside_rc = selftest()
    course = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems, count = forbid_selftest(course)
    for p in problems:
        print(f"integrity selftest: {p}")
    print(f"integrity selftest: outside-region comparison {'ok' if not outside_rc else 'WRONG'}; {count} forbidden "
          "library functions, " + (f"{len(problems)} problem(s)" if problems else
                                   "each defined by the library and unused by its reference"))
    sys.exit(1 if problems or outside_rc else 0)
