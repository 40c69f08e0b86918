#!/usr/bin/env bash
# Every fuzz target for a short, fixed number of runs (RUNS, default 10000) under libFuzzer
# with ASan+UBSan, starting from its seed corpus. New inputs go to a scratch directory, never
# into tests/fuzz/corpus. A crash, leak or sanitizer report fails the run and leaves the
# reproducer in that directory. Needs clang (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10000}
dir=build-fuzz
opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false --werror)
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
	CC=clang meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" >/dev/null
scratch=$(mktemp -d)
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
failed=0
for exe in "$dir"/tests/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	t=${exe##*/fuzz_}
	mkdir -p "$scratch/$t"
	start=$(date +%s.%N)
	if "$exe" -runs="$RUNS" -max_len=65536 -artifact_prefix="$scratch/$t/" "$scratch/$t" \
		"tests/fuzz/corpus/$t" >"$scratch/$t.log" 2>&1; then
		printf '%-10s %d runs in %.1f s\n' "$t" "$RUNS" "$(echo "$(date +%s.%N) - $start" | bc)"
	else
		echo "$t: FAILED (reproducer and log in $scratch)"
		tail -30 "$scratch/$t.log"
		failed=1
	fi
done
[ "$failed" -eq 0 ] && rm -rf "$scratch"
exit "$failed"
