"""The exercise markup, parsed in one place (used by the workbook exporter, the report and the
self-check).

An exercise is a region of a chapter file:

    /* BEGIN EXERCISE 01.2 (3 points): the perceptron update rule */
    ... reference solution ...
    /* END EXERCISE */

The number is <chapter>.<exercise>; the chapter part must match the file's chapter. Its tests are
the Criterion suite ex<chapter>_<exercise> (ex01_2) in the chapter's test file.
"""
import os
import re
from dataclasses import dataclass

BEGIN = re.compile(r"^(\s*)/\* BEGIN EXERCISE (\d\d)\.(\d+) \((\d+) points?\): (.+?) \*/\s*$")
END = re.compile(r"^\s*/\* END EXERCISE \*/\s*$")


class MarkupError(Exception):
    pass


@dataclass
class Exercise:
    chapter: int
    number: int
    points: int
    title: str
    path: str
    begin: int  # 1-based line of the BEGIN marker
    end: int    # 1-based line of the END marker
    indent: str

    @property
    def id(self):  # "01.2"
        return f"{self.chapter:02d}.{self.number}"

    @property
    def suite(self):  # "ex01_2"
        return f"ex{self.chapter:02d}_{self.number}"


def chapter_number(path):
    m = re.match(r"(\d\d)_", os.path.basename(path))
    return int(m.group(1)) if m else None


def parse(path, text=None):
    """The exercises of one file, in order. Raises MarkupError on broken markup."""
    if text is None:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    found, open_ex, seen = [], None, set()
    want_chapter = chapter_number(path)
    for n, line in enumerate(text.splitlines(), 1):
        m = BEGIN.match(line)
        if m:
            if open_ex:
                raise MarkupError(f"{path}:{n}: BEGIN EXERCISE inside exercise {open_ex.id} "
                                  f"(opened on line {open_ex.begin}): close it with /* END EXERCISE */ first")
            indent, ch, num, pts, title = m.groups()
            open_ex = Exercise(int(ch), int(num), int(pts), title, path, n, 0, indent)
            if want_chapter is not None and open_ex.chapter != want_chapter:
                raise MarkupError(f"{path}:{n}: exercise {open_ex.id} is in the file of chapter "
                                  f"{want_chapter:02d}: number it {want_chapter:02d}.K")
            if open_ex.id in seen:
                raise MarkupError(f"{path}:{n}: exercise {open_ex.id} is numbered twice")
            if open_ex.points <= 0:
                raise MarkupError(f"{path}:{n}: exercise {open_ex.id} must be worth at least 1 point")
            seen.add(open_ex.id)
        elif END.match(line):
            if not open_ex:
                raise MarkupError(f"{path}:{n}: END EXERCISE without a BEGIN EXERCISE")
            open_ex.end = n
            found.append(open_ex)
            open_ex = None
        elif "BEGIN EXERCISE" in line or "END EXERCISE" in line:
            raise MarkupError(f"{path}:{n}: malformed exercise marker (expected "
                              f"'/* BEGIN EXERCISE NN.K (P points): title */' or '/* END EXERCISE */')")
    if open_ex:
        raise MarkupError(f"{path}:{open_ex.begin}: exercise {open_ex.id} is never closed")
    return found


def stub(text, path):
    """The student edition of a chapter file: each region's body becomes a TODO call."""
    exercises = parse(path, text)
    lines = text.splitlines(keepends=True)
    out, i = [], 0
    for ex in exercises:
        out += lines[i:ex.begin]  # up to and including the BEGIN marker
        out.append(f"{ex.indent}TODO({ex.chapter}, {ex.number}); /* your code here: the task is stated "
                   f"in the prose above */\n")
        i = ex.end - 1  # keep the END marker
    out += lines[i:]
    return "".join(out)


SOURCE_EXTS = (".c", ".h", ".cu", ".cuh")


def is_exercise_file(name):
    """Files whose exercise regions are stubbed in the workbook: sources that are not tests."""
    return name.endswith(SOURCE_EXTS) and not name.startswith("test_")


def chapter_exercises(root, name):
    """All exercises of chapter directory `name` (the main file first, then any other source
    file of the chapter), checking that numbers are unique across files."""
    d = os.path.join(root, "chapters", name)
    main = name + ".c"
    files = [main] + sorted(f for f in os.listdir(d) if f != main and is_exercise_file(f))
    found, seen = [], {}
    for f in files:
        for ex in parse(os.path.join(d, f)):
            if ex.id in seen:
                raise MarkupError(f"{ex.path}:{ex.begin}: exercise {ex.id} is also numbered in {seen[ex.id]}")
            seen[ex.id] = ex.path
            found.append(ex)
    return sorted(found, key=lambda e: e.number)


def chapter_source(root, chapter_dir):
    name = os.path.basename(chapter_dir.rstrip("/"))
    return os.path.normpath(os.path.join(root, "chapters", name, name + ".c"))


def test_blocks(course, name, kind):
    """{exercise id: text} of the /*hint NN.K ... */, /*note NN.K ... */ or /*forbid NN.K ... */
    blocks of a chapter's test file (kind is "hint", "note" or "forbid")."""
    path = os.path.join(course, "chapters", name, f"test_{name}.c")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    return {m.group(1): m.group(2) for m in
            re.finditer(r"^/\*" + kind + r" (\d\d\.\d+)\s*\n(.*?)^\*/", text, flags=re.M | re.S)}


def forbidden(course, name):
    """{exercise id: [function names]} of the /*forbid NN.K ... */ blocks of a chapter's test file:
    the library's own versions of an exercise (its twins in common/ or gpu/), which the exercise's
    region may not call (integrity.py refuses them there). A block lists C identifiers separated by
    spaces, commas or new lines; text after a '--' on a line is a comment."""
    out = {}
    for exid, text in test_blocks(course, name, "forbid").items():
        names = []
        for line in text.splitlines():
            names += re.findall(r"[A-Za-z_]\w*", line.split("--")[0])
        out[exid] = names
    return out
