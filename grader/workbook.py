#!/usr/bin/env python3
"""Export the student edition: a copy of chapters/ with every exercise region stubbed out.

    python3 grader/workbook.py [--src chapters] [--dst workbook]

A file the student has changed is never overwritten: workbook/.manifest records a hash of every
file as exported, and a file whose content no longer matches it (or that the manifest does not
know) is left alone, with a note. Unchanged files are refreshed from the current chapters.
"""
import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises  # noqa: E402


def digest(data):
    return hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="chapters")
    ap.add_argument("--dst", default="workbook")
    args = ap.parse_args()
    manifest_path = os.path.join(args.dst, ".manifest")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        manifest = {}
    written = kept = same = 0
    for dirpath, dirs, files in sorted(os.walk(args.src)):
        # decoys/ holds the wrong solutions the self-check feeds the grader: not the student's.
        dirs[:] = [d for d in dirs if d != "decoys"]
        for name in sorted(files):
            src = os.path.join(dirpath, name)
            rel = os.path.join("chapters", os.path.relpath(src, args.src))
            with open(src, "rb") as f:
                data = f.read()
            if exercises.is_exercise_file(name):
                try:
                    data = exercises.stub(data.decode("utf-8"), src).encode("utf-8")
                except exercises.MarkupError as e:
                    sys.exit(f"workbook: {e}")
            dst = os.path.join(args.dst, rel)
            if os.path.exists(dst):
                with open(dst, "rb") as f:
                    current = digest(f.read())
                if current == digest(data):
                    same += 1
                    manifest[rel] = current
                    continue
                if manifest.get(rel) != current:
                    print(f"kept your changes to {dst} (delete it and re-run make workbook for a fresh copy)")
                    kept += 1
                    continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            tmp = dst + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, dst)
            manifest[rel] = digest(data)
            written += 1
    os.makedirs(args.dst, exist_ok=True)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(manifest_path + ".tmp", manifest_path)
    print(f"workbook: {written} files written, {same} unchanged, {kept} kept as you edited them, in {args.dst}/")
    if written:
        print("Next: read a chapter in workbook/chapters/, fill in its TODOs, and grade it with make check CH=01")


if __name__ == "__main__":
    main()
