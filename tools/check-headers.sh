#!/usr/bin/env bash
# check-headers.sh — every installed header of libnn compiles on its own, as C11 and as C++, with
# -Wall -Wextra -pedantic -Werror; and the umbrella nn.h includes every one of them.
#   tools/check-headers.sh HEADER...      (the Makefile passes the installed headers)
set -euo pipefail
CC=${CC:-cc} CXX=${CXX:-c++}
fail=0 n=0
for h in "$@"; do
  b=$(basename "$h")
  n=$((n + 1))
  if ! out=$(printf '#include "%s"\n#include "%s"\n' "$b" "$b" | $CC -std=c11 -Wall -Wextra -pedantic -Werror \
             -fsyntax-only -Icommon -x c - 2>&1); then
    printf '%s: does not compile alone as C11 (included twice):\n%s\n' "$h" "$out"; fail=1
  fi
  if ! out=$(printf '#include "%s"\n' "$b" | $CXX -std=c++11 -Wall -Wextra -pedantic -Werror -fsyntax-only \
             -Icommon -x c++ - 2>&1); then
    printf '%s: does not compile alone as C++11:\n%s\n' "$h" "$out"; fail=1
  fi
  if [ "$b" != nn.h ] && ! grep -q "^#include \"$b\"" common/nn.h; then
    printf 'common/nn.h: does not include %s: add it, so that <nn/nn.h> gives the whole library\n' "$b"; fail=1
  fi
  if [ "$b" != nn.h ] && ! grep -q '^#ifdef __cplusplus' "$h"; then
    printf '%s: no extern "C" block for C++ (#ifdef __cplusplus / extern "C" { ... })\n' "$h"; fail=1
  fi
done
[ $fail = 0 ] && echo "check-headers: $n installed headers compile alone as C11 and C++11 (-Wall -Wextra -pedantic)"
exit $fail
