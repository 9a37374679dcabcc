#!/usr/bin/env bash
# make watch CH=NN: re-grade chapter NN each time one of its workbook files is saved, and show
# the next exercise to work on with its hint. Ctrl-C stops.
set -uo pipefail
ch=$1 name=$2 wb=${3:-workbook}
dir=$wb/chapters/$name
if [ ! -d "$dir" ]; then
  echo "There is no workbook yet: run make workbook first, then make watch CH=$ch." >&2
  exit 1
fi
while true; do
  clear 2>/dev/null || true
  report=$(make --no-print-directory -s check CH="$ch" WB="$wb" 2>&1)
  # The next exercise to do: the first one the table marks as not passing, with its hints.
  next=$(awk '!found && / ✘ [0-9][0-9]\.[0-9]+ /{found=1; print; next} found && /^      /{print; next} found{exit}' <<<"$report")
  grep -E '^(Total|[0-9]+ passed|.*does not compile)' <<<"$report"
  if [ -n "$next" ]; then
    echo; echo "Next up:"; echo "$next"
  else
    echo; echo "Every exercise of chapter $ch passes. Well done: make run CH=$ch shows it learning."
  fi
  echo; echo "(watching $dir; save a file to re-grade, Ctrl-C to stop)"
  inotifywait -qq -e close_write -e moved_to -r "$dir" || exit 0
done
