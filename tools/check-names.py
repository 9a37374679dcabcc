#!/usr/bin/env python3
"""check-names.py — checks the naming rule of common/ (issue 9) on its headers.

The rule:
  1. Every header's opening comment declares its prefixes: "Prefixes: tensor_, TENSOR_".
  2. Every name a header exports (function, type, struct/enum tag, enum constant, macro, global)
     starts with one of its own prefixes: lower-case names with a lower-case prefix, upper-case
     names (constants, macros) with the upper-case form of one (TENSOR_MAX_DIMS for tensor_).
     Function-like macros that stand for functions may be lower-case (nn_error(...)).
  3. A prefix belongs to one header: no two headers declare the same prefix, or one that the
     other's extends (relu_ in one header and relu_x_ in another would make ownership ambiguous).
  4. Types end in _t (typedef names, and the struct tags behind them).
Include guards (#ifndef NN_X_H / #define NN_X_H) are not names. Argument order (outputs, inputs,
sizes, options, rng_t * last) is a review rule, not checked here.

Usage: tools/check-names.py [HEADER...]   (default: common/*.h but course.h and simd4.h);
       tools/check-names.py --selftest     checks that each kind of violation is caught. Prints each violation as
file:line: message and exits 1 if there is any, else prints a one-line summary and exits 0.
"""
import glob
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
KEYWORDS = set("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool _Complex _Noreturn _Static_assert _Alignas _Alignof _Atomic
_Thread_local size_t uint8_t uint16_t uint32_t uint64_t int8_t int16_t int32_t int64_t FILE bool
__attribute__ format printf noreturn""".split())


def strip_comments_and_strings(text):
    """Comments and string contents become spaces; newlines are kept so line numbers stay right."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(q + " " * (j - i - 1) + q)
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def declared_prefixes(text):
    """The prefixes listed after "Prefixes:" (or "Prefix:") in the opening comment; the list may
    wrap onto continuation lines and ends at the first word that is not a prefix."""
    m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
    if not m:
        return None
    p = re.search(r"\bPrefix(?:es)?:\s*((?:[A-Za-z]\w*_\s*,\s*(?:\*\s*)?)*[A-Za-z]\w*_)(?!\w)", m.group(1))
    if not p:
        return None
    return [x.strip(" *\n") for x in p.group(1).split(",")]


def exported_names(text):
    """(name, kind, line) for every name the header exports."""
    code = strip_comments_and_strings(text)
    names = []
    lines = code.split("\n")
    guard = None
    # macros, line by line (continuations joined away: only the name matters)
    for no, line in enumerate(lines, 1):
        m = re.match(r"\s*#\s*ifndef\s+(\w+)", line)
        if m and guard is None:
            guard = m.group(1)
        m = re.match(r"\s*#\s*define\s+(\w+)(\()?", line)
        if m and m.group(1) != guard:
            names.append((m.group(1), "function-like macro" if m.group(2) else "macro", no))
    # declarations: drop preprocessor lines, then walk tokens at file scope
    body = "\n".join("" if re.match(r"\s*#", l) else l for l in lines)
    body = re.sub(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)", " ", body)
    # drop `extern "C" {` and its closing brace (C++ guards)
    body = re.sub(r'extern\s+"\s*"\s*\{', " ", body)
    tokens = [(m.group(0), body.count("\n", 0, m.start()) + 1)
              for m in re.finditer(r"[A-Za-z_]\w*|\d[\w.]*|\S", body)]
    i, depth = 0, 0
    stmt = []  # tokens of the current file-scope statement
    while i < len(tokens):
        tok, line = tokens[i]
        if tok == "{":
            # enum body at file scope: its constants are exported
            if depth == 0 and any(t == "enum" for t, _ in stmt):
                j, expect = i + 1, True
                while tokens[j][0] != "}":
                    t, l = tokens[j]
                    if expect and IDENT.fullmatch(t):
                        names.append((t, "enum constant", l))
                        expect = False
                    elif t == ",":
                        expect = True
                    j += 1
                i = j + 1
                continue
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and tok == ";":
            names.extend(statement_names(stmt))
            stmt = []
        elif depth == 0:
            stmt.append((tok, line))
        i += 1
    return names


def statement_names(stmt):
    out = []
    toks = [t for t, _ in stmt]
    if not toks:
        return out
    # struct/enum/union tags
    for k, t in enumerate(toks[:-1]):
        if t in ("struct", "enum", "union") and IDENT.fullmatch(toks[k + 1]) and toks[k + 1] not in KEYWORDS:
            out.append((toks[k + 1], "tag", stmt[k + 1][1]))
    if toks[0] == "typedef":
        # function pointer type: typedef R (*name)(...)
        for k in range(len(toks) - 2):
            if toks[k] == "(" and toks[k + 1] == "*" and IDENT.fullmatch(toks[k + 2]):
                out.append((toks[k + 2], "type", stmt[k + 2][1]))
                return out
        # otherwise the last identifier before any array bound
        for k in range(len(toks) - 1, 0, -1):
            if IDENT.fullmatch(toks[k]) and toks[k] not in KEYWORDS:
                out.append((toks[k], "type", stmt[k][1]))
                break
        return out
    # a function declaration: the identifier before the first "(" at paren depth 0
    if "(" in toks:
        k = toks.index("(")
        if k > 0 and IDENT.fullmatch(toks[k - 1]) and toks[k - 1] not in KEYWORDS:
            out.append((toks[k - 1], "function", stmt[k - 1][1]))
        return out
    # a variable (extern const char *const NAME[10])
    if toks[0] == "extern":
        idents = [(t, l) for t, l in stmt if IDENT.fullmatch(t) and t not in KEYWORDS]
        if idents:
            before_bracket = [(t, l) for (t, l) in stmt[: toks.index("[")] if IDENT.fullmatch(t)] \
                if "[" in toks else idents
            t, l = before_bracket[-1]
            out.append((t, "variable", l))
    return out


def main(paths):
    # course.h is the course's own plumbing (TODO) and simd4.h the library's internal vector
    # helpers: neither is installed, neither is part of the library's public names
    internal = ("common/course.h", "common/simd4.h")
    paths = paths or sorted(p for p in glob.glob("common/*.h") if p not in internal)
    problems, owner, total = [], {}, 0
    per_header = {}
    for path in paths:
        text = open(path, encoding="utf-8").read()
        prefixes = declared_prefixes(text)
        if not prefixes and not exported_names(text):
            continue  # nn.h, the umbrella: includes only, declares nothing
        if not prefixes:
            problems.append(f"{path}:1: no 'Prefixes: name_, NAME_' line in the opening comment")
            continue
        for p in prefixes:
            if not re.fullmatch(r"[a-z][a-z0-9_]*_|[A-Z][A-Z0-9_]*_", p):
                problems.append(f"{path}:1: prefix '{p}' must be lower_case_ or UPPER_CASE_ and end in _")
        per_header[path] = (prefixes, text)
    # rule 3: one header per prefix (case-insensitive: tensor_ and TENSOR_ are one prefix)
    for path, (prefixes, _) in per_header.items():
        for p in {x.lower() for x in prefixes}:
            for q, other in owner.items():
                if other != path and (p.startswith(q) or q.startswith(p)):
                    problems.append(f"{path}:1: prefix '{p}' clashes with '{q}' of {other}: a prefix belongs "
                                    "to one header")
            owner[p] = path
    for path, (prefixes, text) in per_header.items():
        lower = [p for p in prefixes if p.islower()]
        upper = [p for p in prefixes if p.isupper()] + [p.upper() for p in lower]
        for name, kind, line in exported_names(text):
            total += 1
            is_upper = name.upper() == name and any(c.isalpha() for c in name)
            if kind in ("macro", "enum constant") or (kind == "variable" and is_upper):
                if not is_upper:
                    problems.append(f"{path}:{line}: {kind} '{name}' must be upper case ({upper[0]}...)")
                elif not any(name.startswith(p) for p in upper):
                    problems.append(f"{path}:{line}: {kind} '{name}' does not start with a prefix of this header "
                                    f"({', '.join(upper)})")
                continue
            if not any(name.startswith(p) for p in lower):
                problems.append(f"{path}:{line}: {kind} '{name}' does not start with a prefix of this header "
                                f"({', '.join(lower)})")
            if kind in ("type", "tag") and not name.endswith("_t"):
                problems.append(f"{path}:{line}: {kind} '{name}' must end in _t")
    for p in problems:
        print(p)
    if problems:
        print(f"check-names: {len(problems)} violation(s) of the naming rule (see tools/check-names.py)")
        return 1
    print(f"check-names: {total} public names in {len(per_header)} headers follow the naming rule")
    return 0


BAD = {
    "no_prefix_line.h": ("/* no_prefix_line.h — a header that declares nothing. */\nvoid foo(void);\n",
                         "no 'Prefixes:"),
    "bare.h": ("/* bare.h\n * Prefixes: bare_\n */\nvoid matmul(int n);\n", "function 'matmul'"),
    "type.h": ("/* type.h\n * Prefixes: tensor_\n */\ntypedef struct { int n; } tensor;\n", "must end in _t"),
    "macro.h": ("/* macro.h\n * Prefixes: flags_\n */\n#define FLAG_INT 1\n", "macro 'FLAG_INT'"),
    "enum.h": ("/* enum.h\n * Prefixes: optim_\n */\ntypedef enum { OPT_SGD } optim_kind_t;\n", "enum constant 'OPT_SGD'"),
    "clash.h": ("/* clash.h\n * Prefixes: bare_x_\n */\nvoid bare_x_go(void);\n", "clashes with"),
    "fnptr.h": ("/* fnptr.h\n * Prefixes: gc_\n */\ntypedef double (*loss_fn)(void *);\n", "type 'loss_fn'"),
}


def selftest():
    import contextlib
    import io
    import os
    import tempfile
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for name, (text, _) in BAD.items():
            paths.append(os.path.join(d, name))
            with open(paths[-1], "w") as f:
                f.write(text)
        good = os.path.join(d, "good.h")
        with open(good, "w") as f:
            f.write("/* good.h\n * Prefixes: good_, GOOD_\n */\n#ifndef NN_GOOD_H\n#define NN_GOOD_H\n"
                    "#define GOOD_MAX 4\ntypedef struct good_t { int n; } good_t;\n"
                    "typedef void (*good_fn_t)(int);\nenum { GOOD_A, GOOD_B };\n"
                    "void good_run(good_t *out, const char *path, int n);\n#endif\n")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = main(paths + [good])
        out = buf.getvalue()
        for name, (_, expect) in BAD.items():
            hit = [l for l in out.splitlines() if name in l and expect in l]
            print(f"{'ok ' if hit else 'MISSED'} {name}: {expect}")
            failed += not hit
        if "good.h" in out:
            print("WRONG: good.h was reported:\n" + out)
            failed += 1
        if rc != 1:
            print("WRONG: exit status", rc)
            failed += 1
    print("check-names selftest:", "failed" if failed else "every violation caught, the good header passes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(selftest() if sys.argv[1:] == ["--selftest"] else main(sys.argv[1:]))
