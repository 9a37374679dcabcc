#!/usr/bin/env python3
"""The record of how many assertions each test makes on the reference solution.

    python3 grader/asserts.py --write  build/ref/NN_name...   (make expected-asserts)
    python3 grader/asserts.py --verify build/ref/NN_name...   (make selfcheck, CI)

A test counts as passed only if it ran to its end. Student code is compiled into the test binary,
so it could end a test early with a clean exit status (exit(0), _exit(0), a longjmp, a signal
handler): Criterion would call that a pass. Criterion counts the assertions a test made, and a test
cut short made fewer than the reference does, so the report requires a passed test to have made at
least the number recorded here. The record is chapters/NN_name/expected_asserts.tsv (suite, test,
assertions), one per chapter so that chapters written in parallel do not touch the same file.
Skipped tests (a GPU test without a GPU) are not recorded; a test missing from the record must make
at least one assertion, and --verify fails until the record is regenerated.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

HEADER = "# suite\ttest\tassertions on the reference (make expected-asserts writes this file)\n"


def record_path(course, name):
    return os.path.join(course, "chapters", name, "expected_asserts.tsv")


def load(course, name):
    """{(suite, test): assertions}, or None when the chapter has no record."""
    try:
        with open(record_path(course, name)) as f:
            rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    except FileNotFoundError:
        return None
    return {(s, t): int(n) for s, t, n in rows}


def measured(d):
    import report  # report imports this module
    results = report.load_results(d)
    if results is None:
        return None
    return {(s, t[0]): t[3] for s, tests in results.items() for t in tests if t[1] == "PASSED"}


def render(counts):
    return HEADER + "".join(f"{s}\t{t}\t{n}\n" for (s, t), n in sorted(counts.items()))


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--verify", action="store_true")
    ap.add_argument("--course", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    bad = 0
    for d in a.dirs:
        name = os.path.basename(os.path.normpath(d))
        counts = measured(d)
        if counts is None:
            print(f"asserts: {name} did not build, no record written"); bad += 1
            continue
        path = record_path(a.course, name)
        text = render(counts)
        if a.write:
            old = open(path).read() if os.path.exists(path) else None
            if old != text:
                with open(path + ".tmp", "w") as f:
                    f.write(text)
                os.replace(path + ".tmp", path)
                print(f"asserts: wrote {path} ({len(counts)} tests)")
        else:
            rec = load(a.course, name)
            if rec != counts:
                diff = sorted(k for k in set(counts) | set(rec or {}) if (rec or {}).get(k) != counts.get(k))
                print(f"asserts: {path} is not current ({len(diff)} test(s) differ, e.g. "
                      f"{'::'.join(diff[0])}: recorded {(rec or {}).get(diff[0])}, the reference makes "
                      f"{counts.get(diff[0])}). Run make expected-asserts and commit the file.")
                bad += 1
    if a.verify and not bad:
        print(f"asserts: the records of {len(a.dirs)} chapters match the reference")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
