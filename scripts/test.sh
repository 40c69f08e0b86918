#!/usr/bin/env bash
# The whole test suite: install, build (warnings as errors), unit and fuzz-corpus
# tests, the same under ASan+UBSan, every fuzz target for a fixed number of libFuzzer
# runs (clang), style and man-page checks, then the
# integration tests against a 200-organization testbed with the sanitized binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

passed=0
failed=0
stage() {
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $name: ok"
	else
		failed=$((failed + 1))
		echo "=== $name: FAILED"
	fi
}

setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

stage "build (-Werror)" setup build --werror
stage "unit tests" meson test -C build --print-errorlogs
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "build (ASan+UBSan)" setup build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false
stage "unit tests (ASan+UBSan)" meson test -C build-asan --print-errorlogs
stage "fuzzing (libFuzzer, ASan+UBSan, fixed runs per target)" bash scripts/fuzz-short.sh
stage "man page lists every option" /usr/bin/python3 scripts/check-manpage.py
stage "layers: no upward include, no cycle" /usr/bin/python3 scripts/check-layers.py
stage "clang-format" bash -c 'clang-format --dry-run --Werror src/*/*.c src/*/*.h tests/unit/*.c tests/fuzz/*.c tests/*.h'
stage "integration (testbed, ASan+UBSan binary)" env VITALS_BIN="$PWD/build-asan/vitals" \
	/usr/bin/python3 -m pytest -v -rP -p no:cacheprovider tests/integration

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
