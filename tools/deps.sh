#!/usr/bin/env bash
# Make sure the Debian packages a course task needs are installed.
#
#   tools/deps.sh build|run|book|watch|sandbox|gpu ...
#
# Each group names the packages one kind of work needs. Missing packages are installed with
# apt-get when we are root (or have password-less sudo); otherwise the exact apt-get line is
# printed and the script exits 1, so `make` stops with something the user can copy.
set -euo pipefail

declare -A GROUP=(
  [build]="gcc make pkg-config python3 libopenblas-dev libcriterion-dev zlib1g-dev gnuplot-nox protobuf-c-compiler libprotobuf-c-dev python3-onnx python3-numpy"
  [run]="dataset-fashion-mnist bible-kjv diatheke sword-text-web"
  [text]="bible-kjv diatheke sword-text-web"
  [book]="pandoc libjs-katex graphviz chromium"
  [watch]="inotify-tools"
  [fuzz]="clang-14 libclang-rt-14-dev"
  [sandbox]="bubblewrap util-linux"
)

want=()
for g in "$@"; do
  [[ -n "${GROUP[$g]:-}" ]] || { echo "tools/deps.sh: unknown group '$g' (known: ${!GROUP[*]})" >&2; exit 2; }
  for p in ${GROUP[$g]}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || want+=("$p")
  done
done
((${#want[@]} == 0)) && exit 0

line="apt-get install -y --no-install-recommends ${want[*]}"
if [[ $(id -u) == 0 ]]; then sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"
else
  echo "Missing Debian packages: ${want[*]}" >&2
  echo "Install them as root with:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
echo "Installing missing Debian packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when apt-get cannot find a package without it.
$sudo $line -qq >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo $line -qq; }
