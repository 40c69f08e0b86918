#!/usr/bin/env bash
# Exposed services: addresses swept per second by vitals (sweep and service probes at the margin
# of a scan with --services on against off) and the time nmap -sT takes for the same sweep, and
# nmap -sT -sV on the service cases, in one run. Runs in a private network namespace on
# 127.0.0.0/8 only; see bench/services.py. Prints figures and ratios; asserts nothing.
#   ORGS=200 bench/services.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
if [ -z "${VITALS_BENCH_NS:-}" ]; then
	exec env VITALS_BENCH_NS=1 unshare -n -m bash -c 'ip link set lo up; exec "$0" "$@"' "$0" "$@"
fi
ORGS=${ORGS:-200}
BED=${BED:-/tmp/vitals-bench-services}
PY=/usr/bin/python3
trap '$PY tests/testbed/testbed.py down --dir "$BED" >/dev/null 2>&1 || true' EXIT
$PY tests/testbed/testbed.py up --orgs "$ORGS" --seed 11 --no-trap --no-hostile --no-mail --dir "$BED" | tail -1
# one address per service case (the testbed's svcKnn organisations) for nmap -sV
$PY -c 'import json, sys; m = json.load(open(sys.argv[1])); print(",".join(o["svc_addr"] for o in m["organizations"] if o.get("svc_case")))' "$BED/manifest.json" > "$BED/service-addrs"
$PY bench/services.py "$BED" --service-addrs "$(cat "$BED/service-addrs")" --intensity "${INTENSITY:-2}"
