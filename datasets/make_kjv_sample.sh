#!/usr/bin/env bash
# Cut the small KJV sample the tests use (datasets/kjv-sample/kjv.txt) out of Debian's bible-kjv:
# the first 20,000 bytes of the text chapter 8 reads, without the last (partial) line.
#   datasets/make_kjv_sample.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p kjv-sample
full=$(mktemp)
bible 'Genesis 1:1-Revelation 22:21' >"$full"
head -c 20000 "$full" | sed '$d' >kjv-sample/kjv.txt
rm -f "$full"
echo "wrote $(wc -c <kjv-sample/kjv.txt) bytes to datasets/kjv-sample/kjv.txt"

# The World English Bible sample chapter 12's LoRA experiment fine-tunes on in the tests
# (datasets/kjv-sample/web.txt): Genesis 1-11 from Debian's sword-text-web, laid out as chapter 12's
# web_path lays out the gospels (heading, "  verse text" wrapped at 78 columns, quotes and dashes
# folded to ' and -), words with a byte the KJV sample lacks dropped, cut at 20,000 bytes.
diatheke -b engWEB2015eb -f plain -k 'Genesis 1:1-11:32' | python3 -c '
import re, sys
known = set(open("kjv-sample/kjv.txt", "rb").read())
out, prev = [], None
for line in sys.stdin.read().split("\n"):
    m = re.match(r"^(.*) (\d+):(\d+): (.*)$", line)
    if not m:
        continue
    book, ch, vs, text = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    if (book, ch) != prev:
        out.append("\n%s %d\n\n" % (book, ch))
        prev = (book, ch)
    text = re.sub("[\u2013\u2014]", "-", text)
    text = re.sub("[\u2018-\u201d]", "\x27", text)
    s = "  %d" % vs
    col = len(s)
    for w in text.split():
        if not set(w.encode()) <= known:
            continue
        if col + 1 + len(w) > 78:
            s, col = s + "\n", 0
        else:
            s, col = s + " ", col + 1
        s, col = s + w, col + len(w)
    out.append(s + "\n")
t = "".join(out).encode()[:20000]
sys.stdout.buffer.write(t[:t.rindex(b"\n") + 1])
' >kjv-sample/web.txt
echo "wrote $(wc -c <kjv-sample/web.txt) bytes to datasets/kjv-sample/web.txt"
