#!/usr/bin/env python3
"""Numbers that reproduce: checks every number a chapter's prose quotes against a fresh run.

    python3 grader/numbers.py [--out out] [CH ...]

Each chapter may list its quoted numbers in chapters/NN_name/numbers.tsv, one per line, columns
separated by tabs (lines starting with # are comments):

    quoted        the text as the prose has it, e.g. `95.1%` or `takes 42` (whitespace and line
                  breaks in the prose do not matter). It must occur in the chapter file.
    file          where the run leaves the value, relative to out/NN/: run.txt is what the
                  default run printed (make run CH=NN saves it), or a CSV/text file the run writes
    pattern       a Python regular expression with one group that captures the value in that
                  file (the first match counts; use (?s) or a longer context to pick another)
    tolerance     how far the run's value may be from the quoted one, in the quoted units:
                  0 for integers and deterministic results, about 1 (point) for accuracies in
                  percent, which move with the BLAS kernels of another CPU; or xF (e.g. x3) for
                  an order of magnitude: the run's value within a factor F of the quoted one
    scale         optional: the run's value is multiplied by it first (100 when the prose quotes
                  a percentage of a fraction the run prints)
    value         optional: the quoted value as a plain number, when the quoted text does not
                  start with it (e.g. `2.2 \\cdot 10^{5}`: give 2.2e5)

The prose must quote each number to the precision its tolerance can guarantee (or say "about").
A chapter without numbers.tsv is skipped. Exit status 1 if any entry fails.
"""
import argparse
import glob
import os
import re
import sys

NUMBER = re.compile(r"[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")


def to_float(text):
    return float(text.replace(",", "").replace("−", "-"))


def squash(text):
    return " ".join(text.split())


def check_chapter(chapter_dir, out_root):
    name = os.path.basename(chapter_dir)
    nn = name[:2]
    table = os.path.join(chapter_dir, "numbers.tsv")
    if not os.path.exists(table):
        return 0, 0, [], []
    with open(os.path.join(chapter_dir, name + ".c"), encoding="utf-8") as f:
        prose = squash(f.read())
    out_dir = os.path.join(out_root, nn)
    cache, problems, notes, checked = {}, [], [], 0
    with open(table, encoding="utf-8") as f:
        rows = [(n, l.rstrip("\n")) for n, l in enumerate(f, 1) if l.strip() and not l.startswith("#")]
    for n, line in rows:
        where = f"{table}:{n}"
        cols = line.split("\t")
        if len(cols) < 4:
            notes.append(f"{where}: not checked: {quoted_of(cols)!r} has no pattern and tolerance columns "
                         "(quoted, file, pattern, tolerance)")
            continue
        quoted, file, pattern, tol = cols[:4]
        scale = float(cols[4]) if len(cols) > 4 and cols[4] else 1.0
        if squash(quoted) not in prose:
            problems.append(f"{where}: the chapter's text does not contain {quoted!r} (was the number requoted?)")
            continue
        if len(cols) > 5 and cols[5]:
            want = float(cols[5])
        else:
            m = NUMBER.search(quoted)
            if not m:
                problems.append(f"{where}: no number in {quoted!r}: give it in the value column")
                continue
            want = to_float(m.group(0))
        path = os.path.join(out_dir, file)
        if path not in cache:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    cache[path] = fh.read()
            except FileNotFoundError:
                cache[path] = None
        if cache[path] is None:
            problems.append(f"{where}: {path} does not exist: run the chapter first (make numbers does)")
            continue
        m = re.search(pattern, cache[path])
        if not m:
            problems.append(f"{where}: the pattern {pattern!r} matches nothing in {path}")
            continue
        got = to_float(m.group(1)) * scale
        checked += 1
        if not within(got, want, tol):
            problems.append(f"{where}: the prose quotes {quoted!r} ({want:g}) but the run gives {got:g} "
                            f"(tolerance {tol}): requote it, or quote it less precisely")
    return checked, len(rows) - len(notes), problems, notes


def within(got, want, tol):
    """Is got close enough to want: |got - want| <= tol, or for tol 'xF' within a factor F."""
    if tol.startswith("x"):
        f = float(tol[1:])
        return want != 0 and got / want > 0 and 1 / f <= got / want <= f
    return abs(got - want) <= float(tol) + 1e-9 * max(1.0, abs(want))


def quoted_of(cols):
    return cols[0] if cols else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="the directory holding the runs' NN/ folders")
    ap.add_argument("chapters", nargs="*")
    a = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    dirs = sorted(d.rstrip("/") for d in glob.glob("chapters/[0-9][0-9]_*/"))
    if a.chapters:
        dirs = [d for d in dirs if os.path.basename(d)[:2] in {c.zfill(2) for c in a.chapters}]
    total = ok_total = 0
    failed = False
    for d in dirs:
        checked, listed, problems, notes = check_chapter(d, a.out)
        if notes:
            print(f"{os.path.basename(d):<24} {len(notes)} line(s) of numbers.tsv in another format: listed, not checked")
        if not listed:
            continue
        ok = checked - sum(1 for p in problems if "but the run gives" in p)
        total += listed
        ok_total += ok
        print(f"{os.path.basename(d):<24} {ok}/{listed} quoted numbers reproduce")
        for p in problems:
            print(f"  ✘ {p}")
        failed |= bool(problems)
    print(f"numbers: {ok_total}/{total} reproduce" + (" — FAILED" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
