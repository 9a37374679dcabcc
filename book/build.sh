#!/usr/bin/env bash
# build.sh: render the book.
#
#   bash book/build.sh          (from anywhere; `make book` calls it after running the chapters)
#
# Output, all in book/out/:
#   index.html           the table of contents
#   NN_name.html         one page per chapters/NN_name/NN_name.c
#   book.html, book.pdf  all chapters on one page, and that page printed by Chromium
#   figures/NN/          the chapters' plots (copied from out/NN/), katex/, book.css
#
# It does not run chapters: a figure that the prose shows but out/NN/ lacks is an error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."            # the repository root

BOOK_TITLE="Neural networks from scratch, in C"
OUT=book/out
KATEX=${KATEX:-/usr/share/javascript/katex}      # libjs-katex

die() { echo "book: $*" >&2; exit 1; }

# --- tools (all Debian packages) ------------------------------------------------------------
need() { command -v "$1" >/dev/null || die "$1 is missing: sudo apt-get install $2"; }
need pandoc pandoc
need dot graphviz
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n $CHROMIUM ]] || die "chromium is missing: sudo apt-get install chromium"
[[ -f $KATEX/katex.min.js ]] || die "KaTeX is missing ($KATEX): sudo apt-get install libjs-katex"
# Custom readers get a list of sources from pandoc 2.17 on (Debian 12 has 2.17.1.1).
ver=$(pandoc --version | sed -n '1s/^pandoc \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r major minor <<<"$ver"
(( major > 2 || (major == 2 && minor >= 17) )) || die "pandoc $major.$minor is too old (need >= 2.17)"

# --- the chapters, in order -----------------------------------------------------------------
files=() names=() titles=()
for dir in chapters/[0-9][0-9]_*/; do
  [[ -d $dir ]] || continue                       # no chapters at all: the glob stays literal
  name=$(basename "$dir")
  file=$dir$name.c
  [[ -f $file ]] || { echo "book: skipping $dir (no $name.c)" >&2; continue; }
  # The title is the first `# ` heading inside a /*md ... */ prose block.
  title=$(awk '/^\/\*md[ \t]*$/ { p = 1; next }  p && /^\*\/[ \t]*$/ { p = 0 }
               p && /^# / { sub(/^# +/, ""); print; exit }' "$file")
  [[ -n $title ]] || { echo "book: $file has no '# Title' heading" >&2; title=$name; }
  files+=("$file") names+=("$name") titles+=("$title")
done
(( ${#files[@]} > 0 )) || die "no chapters found (chapters/NN_name/NN_name.c)"

# --- static files: stylesheet, KaTeX, figures -----------------------------------------------
mkdir -p "$OUT"
rm -rf "$OUT"/*.html "$OUT/figures" "$OUT/katex"
cp book/book.css "$OUT/"
cp -rL "$KATEX" "$OUT/katex"                      # -L: Debian's package is full of symlinks
for name in "${names[@]}"; do
  nn=${name:0:2}
  mkdir -p "$OUT/figures/$nn"
  # What a run of the chapter drew (out/NN/), and figures committed next to the chapter.
  for fig in out/"$nn"/*.svg out/"$nn"/*.png chapters/"$name"/*.{svg,png,jpg}; do
    if [[ -f $fig ]]; then cp "$fig" "$OUT/figures/$nn/"; fi
  done
done

# Common pandoc options: our reader and filter, template, KaTeX from katex/ next to the page.
PANDOC=(pandoc -f book/litc.lua -L book/book.lua -t html5 -s --template=book/template.html
        --katex=katex/ --highlight-style=tango -M "booktitle=$BOOK_TITLE")

# --- the whole book on one page, printed to PDF (in the background, while the pages render) --
"${PANDOC[@]}" -M book=true -o "$OUT/book.html" "${files[@]}" \
  || die "rendering the one-page book failed (see above)"
echo "book: $OUT/book.html  all chapters"
# Chromium runs the page's scripts (KaTeX) before it prints: --print-to-pdf waits for the load
# event, and the virtual time budget lets fonts and scripts finish without waiting in real time.
rm -f "$OUT/book.pdf"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --virtual-time-budget=20000 --print-to-pdf="$PWD/$OUT/book.pdf" "file://$PWD/$OUT/book.html" \
  >/dev/null 2>"$OUT/chromium.log" &
pdf=$!
trap 'kill "$pdf" 2>/dev/null || true' EXIT          # if a later step fails, stop printing

# --- one page per chapter -------------------------------------------------------------------
n=${#files[@]}
for ((i = 0; i < n; i++)); do
  nav=()
  if ((i > 0)); then nav+=(-M "prev=${names[i-1]}.html" -M "prevtitle=${titles[i-1]}"); fi
  if ((i + 1 < n)); then nav+=(-M "next=${names[i+1]}.html" -M "nexttitle=${titles[i+1]}"); fi
  "${PANDOC[@]}" "${nav[@]}" -o "$OUT/${names[i]}.html" "${files[i]}" \
    || die "rendering ${files[i]} failed (see above)"
  echo "book: $OUT/${names[i]}.html  ${titles[i]}"
done

# --- the table of contents ------------------------------------------------------------------
{
  echo "# $BOOK_TITLE"
  echo
  echo "A literate course: every chapter is one C program whose comments are the prose you"
  echo "are reading. Read the whole book [on one page](book.html) or [as a PDF](book.pdf)."
  echo
  echo "::: chapter-list"
  for ((i = 0; i < n; i++)); do
    echo "- [${names[i]:0:2}]{.num} [${titles[i]}](${names[i]}.html)"
  done
  echo ":::"
} | pandoc -f markdown -t html5 -s --template=book/template.html --katex=katex/ \
      -M "booktitle=$BOOK_TITLE" -M "pagetitle=Contents" \
      -M "next=${names[0]}.html" -M "nexttitle=${titles[0]}" -o "$OUT/index.html"
echo "book: $OUT/index.html  Contents"

wait "$pdf" || { cat "$OUT/chromium.log" >&2; die "chromium failed to print the PDF"; }
[[ -s $OUT/book.pdf ]] || { cat "$OUT/chromium.log" >&2; die "chromium wrote no PDF"; }
rm -f "$OUT/chromium.log"
echo "book: $OUT/book.pdf"
