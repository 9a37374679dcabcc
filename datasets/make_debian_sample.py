#!/usr/bin/env python3
"""Writes datasets/debian-packages-sample/packages.txt: a small, committed excerpt of
`apt-cache dumpavail` (only the Package, Section, Depends and Pre-Depends fields) that chapter 9's
tests and --quick run read instead of the full list. It keeps the first 600 packages (in name
order) whose section is one of a few common ones, plus nothing else: dependencies on packages
outside the excerpt are kept in the text and skipped by the loader, as the real list does with
virtual packages. Run once; the output is committed."""
import subprocess, sys

KEEP = ("python", "perl", "libs", "utils", "devel", "science", "text", "net", "admin", "x11")
text = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
stanzas = []
for block in text.split("\n\n"):
    fields = {}
    for line in block.splitlines():
        if line[:1] in (" ", "\t") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        if k in ("Package", "Section", "Depends", "Pre-Depends"):
            fields[k] = v.strip()
    if "Package" in fields and fields.get("Section", "").split("/")[-1] in KEEP:
        stanzas.append(fields)
stanzas.sort(key=lambda f: f["Package"])
# a connected-ish excerpt: packages of these sections whose names start with a few prefixes
pick = [f for f in stanzas if f["Package"].startswith(("python3-", "libperl", "perl", "libc6", "libgcc",
                                                          "libstdc", "zlib", "libssl", "libpython3"))][:600]
with open(sys.argv[1] if len(sys.argv) > 1 else "datasets/debian-packages-sample/packages.txt", "w") as out:
    out.write("# An excerpt of `apt-cache dumpavail` written by datasets/make_debian_sample.py.\n")
    for f in pick:
        for k in ("Package", "Section", "Pre-Depends", "Depends"):
            if k in f:
                out.write(f"{k}: {f[k]}\n")
        out.write("\n")
