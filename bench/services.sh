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
# The service cases of the turn family, as given addresses of one more organization (until the
# testbed registers every family's cases itself).
$PY - "$BED" <<'PY'
import json, pathlib, sys
sys.path.insert(0, "tests/testbed")
import svc_turn
d = pathlib.Path(sys.argv[1])
cs = svc_turn.cases()
svc_turn.start(d, cs)
lines = (d / "targets-assets.csv").read_text()
addrs = " ".join(c["addr"] for c in cs)
(d / "targets-bench.csv").write_text(lines + f"svc900,Service cases,svc900.test,,{addrs},,\n")
(d / "service-addrs").write_text(",".join(c["addr"] for c in cs))
PY
$PY bench/services.py "$BED" --targets "$BED/targets-bench.csv" --service-addrs "$(cat "$BED/service-addrs")"
for p in "$BED"/pids/turn-*.pid; do kill "$(cat "$p")" 2>/dev/null || true; done
