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
