#!/usr/bin/env bash
# The grader's self-check (CI runs it): proves the grader can tell right from wrong.
#   1. the reference chapters earn every point, and no test passes without asserting anything;
#   2. a freshly exported workbook compiles, and every exercise's tests fail on its stub
#      (a test that passes on TODO could not tell a student's wrong answer from a right one);
#   3. every decoy (chapters/NN_name/decoys/NN.K-slug.c, a plausible wrong solution) earns 0 points
#      on its exercise, and each exercise has enough of them (grader/decoys.py); a decoy costs only
#      its own exercise, not those that run it, and a region that does not compile costs only its
#      own exercise, not the chapter (grader/isolate.py --selftest), and an exercise that loops
#      waits out one time-out, not one per check (grader/runtests.py --selftest);
#   4. each test's assertion count on the reference is recorded (chapters/*/expected_asserts.tsv,
#      make expected-asserts), every cheat attempt of grader/cheats/ earns 0 points, and (grader/
#      integrity.py --selftest) the outside-region comparison tells code from prose and every
#      /*forbid NN.K block names library functions that exist and that its reference does not use;
#   5. the exercise markup is sound: unique numbers, positive points, a test suite per exercise
#      and no suite without an exercise (report.py checks these while grading).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
wb=$B/selfcheck-workbook
status=0

echo "== self-check 1/4: the reference chapters earn full points"
if make --no-print-directory -s check REF=1 >"$B/selfcheck-ref.log" 2>&1; then
  tail -n 2 "$B/selfcheck-ref.log"
else
  cat "$B/selfcheck-ref.log"; echo "self-check: the reference chapters do not pass their own tests"; status=1
fi

echo "== self-check 2/4: every exercise fails on its stub"
rm -rf "$wb"
python3 grader/workbook.py --src chapters --dst "$wb" >/dev/null || exit 1
make --no-print-directory -s check WB="$wb" >"$B/selfcheck-stubs.log" 2>&1
edition=wb-${wb//\//_}
dirs=$(for c in chapters/[0-9][0-9]_*/; do c=${c%/}; echo "$B/$edition/${c#chapters/}"; done)
python3 grader/report.py --expect-stubs --root "$wb" $dirs || { cat "$B/selfcheck-stubs.log"; status=1; }

echo "== self-check 3/4: every decoy fails: reference ✔, stub ✘, each decoy ✘; and costs only its exercise"
python3 grader/decoys.py --build "$B" --stubs "$B/$edition" || status=1
python3 grader/isolate.py --selftest --build "$B" || status=1
python3 grader/runtests.py --selftest || status=1  # a looping exercise waits out one time-out

echo "== self-check 4/4: each test's assertion record is current, and every cheat attempt earns 0"
python3 grader/asserts.py --verify $(for c in chapters/[0-9][0-9]_*/; do c=${c%/}; echo "$B/ref/${c#chapters/}"; done) || status=1
python3 grader/cheats.py --build "$B" || status=1
python3 grader/integrity.py --selftest | tail -n 1 || status=1  # code outside the regions, not prose
[ $status = 0 ] && echo "self-check passed" || echo "self-check FAILED"
exit $status
