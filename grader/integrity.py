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
   process (exit, longjmp, signal, fork, syscall, asm, ...);
3. every line outside the regions must be the student edition's line: a change there is
   reported as file:line.

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


def _strip(text):
    """The code of a region without comments and with string/char literals emptied, line
    numbers kept (a comment or string may span lines; its newlines survive)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text, flags=re.S)


def scan_region(body):
    """[(line offset in body, 0-based), message] for everything refused inside a region."""
    found = []
    code = _strip(body)
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
            elif w in ESCAPES or w.startswith("__builtin"):
                found.append((i, f"'{w}' is not allowed in an exercise region (it can leave the test "
                                 "by another door than return, or reach the process and its files); "
                                 "an exercise needs only arithmetic, loops and the library's functions"))
    return found


def skeleton(lines, exs):
    """[(line number, text)] of a file's lines outside the bodies of its regions (the markers
    included), trailing blanks ignored."""
    inside = set()
    for ex in exs:
        inside.update(range(ex.begin + 1, ex.end))  # 1-based body lines
    return [(n, l.rstrip()) for n, l in enumerate(lines, 1) if n not in inside]


def check_file(ref_path, stu_path, shown):
    """[(where, message, exercise id or None)] for one chapter file: edits outside the regions
    (None), refused code inside a region (its id)."""
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
        for off, msg in scan_region(body):
            problems.append((f"{shown}:{ex.begin + 1 + off}", f"exercise {ex.id}: {msg}", ex.id))
    return problems


def check_chapter(course, root, name):
    """[(where, message, exercise id or None)] for chapter `name` of the student tree `root` against the course."""
    d = os.path.join(course, "chapters", name)
    out = []
    for f in sorted(os.listdir(d)):
        if exercises.is_exercise_file(f):
            shown = os.path.normpath(os.path.join(root, "chapters", name, f))
            out += check_file(os.path.join(d, f), os.path.join(root, "chapters", name, f), shown)
    return out
