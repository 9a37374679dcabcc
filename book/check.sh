#!/usr/bin/env bash
# check.sh: test the rendered book in headless Chromium (CI runs it after book/build.sh).
#
#   bash book/check.sh [OUT_DIR] [CHAPTERS_DIR]     (defaults: book/out and chapters)
#
# One line per page (OK, or FAIL and its problems), then `N passed, N failed`; exit status 1 if
# any page failed. The checks themselves are in check.py (Python standard library only).
set -euo pipefail
# Relative arguments are taken from where it was called; the defaults from the repository root.
out=$(realpath "${1:-$(dirname "${BASH_SOURCE[0]}")/out}")
chapters=$(realpath "${2:-$(dirname "${BASH_SOURCE[0]}")/../chapters}")
[[ -d $out ]] || { echo "check: $out does not exist (run bash book/build.sh first)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "check: python3 is missing: sudo apt-get install python3" >&2; exit 1; }
export CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n $CHROMIUM ]] || { echo "check: chromium is missing: sudo apt-get install chromium" >&2; exit 1; }
exec python3 "$(dirname "${BASH_SOURCE[0]}")/check.py" "$out" "$chapters"
