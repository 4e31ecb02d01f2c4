#!/usr/bin/env bash
# The browser tests in two processes at once, one served portal each, every file whole in one of them.
# Why not pytest-xdist: its scheduler hands files to whichever worker is free, so the order in which
# files meet one portal's data changes from run to run; here each half runs its files in the same
# alphabetical order every time (the order the single-process suite always had), so a run repeats.
# The second process names itself as xdist's second worker would (tests/browser/conftest.py,
# worker_folder), so it serves from a build folder of its own.
set -uo pipefail
cd "$(dirname "$0")/../.."
PYTEST=${PYTEST:-.venv/bin/pytest}
files=(tests/browser/test_*.py)
one=() two=()
for i in "${!files[@]}"; do
  if (( i % 2 )); then two+=("${files[$i]}"); else one+=("${files[$i]}"); fi
done
log1=$(mktemp) log2=$(mktemp)
"$PYTEST" -q -m browser -p no:cacheprovider "${one[@]}" >"$log1" 2>&1 &
first=$!
PYTEST_XDIST_WORKER=gw1 "$PYTEST" -q -m browser -p no:cacheprovider "${two[@]}" >"$log2" 2>&1 &
second=$!
wait "$first"; status1=$?
wait "$second"; status2=$?
echo "== browser tests, first half"; cat "$log1"
echo "== browser tests, second half"; cat "$log2"
rm -f "$log1" "$log2"
exit $(( status1 || status2 ))
