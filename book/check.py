#!/usr/bin/env python3
"""check.py: test the rendered book in a real browser (headless Chromium). Called by check.sh.

    python3 book/check.py [OUT_DIR] [CHAPTERS_DIR]      (defaults: book/out, chapters)

For every HTML page in OUT_DIR it loads the page, lets its scripts run (KaTeX renders the math),
takes the resulting DOM and checks:
  * the page loads, and no script fails;
  * if the page has math: every formula became a .katex element, and none is a .katex-error;
  * every <img src>, <a href>, <link href>, <script src> that is a local file exists in OUT_DIR,
    and every #fragment names an id of its target page;
  * a chapter page has one exercise box (with its folded solution) per exercise region of its
    source, chapters/NN_name/NN_name.c (the one-page book.html: those of all chapters).
It prints one line per page and `N passed, N failed`; the exit status is 1 if a page failed.
"""
import html.parser
import os
import re
import subprocess
import sys
import urllib.parse

CHROMIUM = os.environ.get("CHROMIUM", "chromium")
BEGIN_EXERCISE = re.compile(r"^\s*/\* BEGIN EXERCISE (\d\d)\.(\d+) \((\d+) points?\): (.*?) \*/\s*$")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Page(html.parser.HTMLParser):
    """What the checks need from one HTML document: ids, references, math, exercise boxes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs = set(), []          # refs: (tag, url)
        self.math = self.katex = 0               # span.math (formulas), .katex (rendered ones)
        self.errors = []                         # .katex-error: the message KaTeX put in title
        self.exercises = []                      # per exercise box: does it fold a <details>?
        self.stack = []                          # open elements: (tag, is_exercise_box)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids.add(a["id"])
        for attr in ("href", "src"):
            if a.get(attr) is not None and tag in ("a", "img", "link", "script"):
                self.refs.append((tag, a[attr]))
        if tag == "span" and "math" in classes:
            self.math += 1
        if "katex" in classes:
            self.katex += 1
        if "katex-error" in classes:
            self.errors.append(a.get("title") or "KaTeX error")
        if tag == "details" and any(ex for _, ex in self.stack):
            self.exercises[-1] = True
        if "exercise" in classes:
            self.exercises.append(False)
        if tag not in VOID:
            self.stack.append((tag, "exercise" in classes))

    def handle_endtag(self, tag):
        # Pop up to the matching element (tolerates the odd unclosed tag).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def load(path):
    """Open the page in headless Chromium; return (DOM after scripts ran, console errors)."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
           "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
           "file://" + os.path.abspath(path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    console = [m.group(1) for m in re.finditer(r'CONSOLE[^\]]*\] "(.*)", source', r.stderr)
               if "Uncaught" in m.group(1) or "Failed to load" in m.group(1)]
    if r.returncode != 0 or "<body" not in r.stdout:
        console.append(f"chromium exited with {r.returncode}: " + r.stderr.strip()[-300:])
    return r.stdout, console


_ids = {}
def ids_of(path):
    """The ids of a page (from its file: the scripts add none that links point to)."""
    if path not in _ids:
        with open(path, encoding="utf-8", errors="replace") as f:
            _ids[path] = Page(f.read()).ids
    return _ids[path]


def expected_exercises(page, chapters):
    """How many exercise regions the page's source has; None if the page has no source."""
    name = os.path.splitext(os.path.basename(page))[0]
    if name == "book":
        sources = [os.path.join(chapters, d, d + ".c") for d in sorted(os.listdir(chapters))
                   if re.match(r"\d\d_", d)] if os.path.isdir(chapters) else []
    else:
        sources = [os.path.join(chapters, name, name + ".c")]
    sources = [s for s in sources if os.path.isfile(s)]
    if not sources:
        return None
    n = 0
    for s in sources:
        with open(s, encoding="utf-8", errors="replace") as f:
            n += sum(1 for line in f if BEGIN_EXERCISE.match(line))
    return n


def check(page, out, chapters):
    """All problems of one page, as a list of strings (empty: the page passed)."""
    dom, problems = load(page)
    if not dom:
        return problems or ["the page did not load"]
    with open(page, encoding="utf-8", errors="replace") as f:
        source = Page(f.read())
    p = Page(dom)

    # Math: KaTeX turned every span.math into .katex, without errors.
    # (each formula's span.math holds one .katex when typeset, or is a .katex-error)
    if source.math:
        missing = source.math - p.katex - len(p.errors)
        if missing > 0:
            problems.append(f"{missing} of {source.math} formulas not typeset "
                            "(is katex/ there? did its script run?)")
        problems += [f"KaTeX error: {e}" for e in p.errors]

    # References: local files must exist inside out/, fragments must name an id.
    root = os.path.realpath(out)
    for tag, url in p.refs:
        u = urllib.parse.urlsplit(url)
        if u.scheme in ("http", "https", "mailto", "data", "javascript"):
            if tag == "img" and u.scheme != "data":
                problems.append(f"external image {url} (the book must work offline)")
            continue
        target = os.path.realpath(os.path.join(os.path.dirname(page),
                                               urllib.parse.unquote(u.path))) if u.path else page
        if u.path and not (target + os.sep).startswith(root + os.sep):
            problems.append(f"<{tag}> {url} points outside {out}")
        elif not os.path.isfile(target):
            problems.append(f"<{tag}> {url}: no such file")
        elif u.fragment and target.endswith(".html"):
            ids = p.ids if target == os.path.realpath(page) else ids_of(target)
            if urllib.parse.unquote(u.fragment) not in ids:
                problems.append(f"<{tag}> {url}: no id \"{u.fragment}\" there")

    # Exercises: one box per region of the source, each with its solution folded.
    want = expected_exercises(page, chapters)
    if want is not None and len(p.exercises) != want:
        problems.append(f"{len(p.exercises)} exercise boxes, the source has {want} exercises")
    unfolded = p.exercises.count(False)
    if unfolded:
        problems.append(f"{unfolded} exercise boxes without a folded (<details>) solution")
    return problems


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "book/out"
    chapters = sys.argv[2] if len(sys.argv) > 2 else "chapters"
    pages = sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".html"))
    if not pages:
        print(f"check: no HTML pages in {out} (run book/build.sh first)")
        return 1
    def show(path):  # relative to the current directory when below it, else absolute
        rel = os.path.relpath(path)
        return path if rel.startswith("..") else rel

    failed = 0
    for page in pages:  # one at a time: on two cores, parallel Chromiums are no faster
        problems = check(page, out, chapters)
        if problems:
            failed += 1
            print(f"FAIL {show(page)}", flush=True)
            for msg in problems:
                print(f"     - {msg}", flush=True)
        else:
            print(f"OK   {show(page)}", flush=True)
    print(f"{len(pages) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
