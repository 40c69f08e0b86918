#!/usr/bin/env bash
# Deep TLS: vitals' full enumeration and sector sweep against sslscan (one host at a time,
# as users run it) and testssl.sh (a small sample), on every HTTPS endpoint of a testbed
# with the deep-TLS cases. See bench/tls.py for what is measured. Everything runs on
# 127.0.0.0/8. Prints figures and ratios; asserts nothing.
#   ORGS=200 SSLSCAN_SAMPLE=0 TESTSSL_SAMPLE=2 bench/tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS=${ORGS:-200}
BED=${BED:-$PWD/bench/run-tls}
PY=/usr/bin/python3
command -v /usr/bin/time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
trap '$PY tests/testbed/testbed.py down --dir "$BED" >/dev/null 2>&1 || true' EXIT
$PY tests/testbed/testbed.py up --orgs "$ORGS" --seed 11 --no-trap --no-hostile --tls-cases --dir "$BED" | tail -1
$PY bench/tls.py "$BED" --sslscan-sample "${SSLSCAN_SAMPLE:-0}" --testssl-sample "${TESTSSL_SAMPLE:-2}"
