#!/usr/bin/env bash
# The demo: install, build, stand up a simulated sector on 127.0.0.0/8, scan it,
# print a summary, write the HTML report, and take the sector down again.
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS=${ORGS:-300}
SEED=${SEED:-2026}
bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
BED=$PWD/tests/testbed/run
trap '/usr/bin/python3 tests/testbed/testbed.py down --dir "$BED" >/dev/null 2>&1 || true' EXIT
/usr/bin/python3 tests/testbed/testbed.py up --orgs "$ORGS" --seed "$SEED" --no-trap --no-hostile --dir "$BED"
rm -f demo.db demo.db-wal demo.db-shm
start=$(date +%s.%N)
./build/vitals scan --scope 127.0.0.0/8 --root-hints "$BED/root.hints" --trust-anchor "$BED/root.key" \
	--ca-file "$BED/ca.pem" --db demo.db -o demo.ndjson "$BED/targets.csv"
end=$(date +%s.%N)
./build/vitals report --db demo.db -o report.html
/usr/bin/python3 - "$start" "$end" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open("demo.ndjson")]
recs = [r for r in lines if r["type"] == "organization"]
meta = next((r for r in lines if r["type"] == "metadata"), None)
secs = float(sys.argv[2]) - float(sys.argv[1])
print(f"\n{len(recs)} organizations scanned in {secs:.1f} s ({len(recs) / secs:.1f} per second), "
      f"scan {meta['scan_id']} {meta['status']}, methodology v{meta['method']}\n")
grades = collections.Counter(r["scores"]["grade"] or "-" for r in recs)
print("overall grade   " + "  ".join(f"{g}: {grades.get(g, 0):3}" for g in "ABCDF-"))
for fid in ("dns", "transport", "appsec"):
    c = collections.Counter((r["scores"]["factors"][fid]["grade"] or "-") for r in recs)
    print(f"{fid:15} " + "  ".join(f"{g}: {c.get(g, 0):3}" for g in "ABCDF-"))
cov = [r["scores"]["coverage"]["percent"] for r in recs if r["scores"].get("coverage", {}).get("percent") is not None]
if cov:
    print(f"\ncoverage: {sum(cov) / len(cov):.0f}% of applicable checks determined on average, "
          f"lowest {min(cov)}%")
fails = collections.Counter(f["check"] for r in recs for f in r["findings"] if f["status"] == "fail")
print("\nmost common failures:")
for check, n in fails.most_common(10):
    print(f"  {check:28} {n:4} organizations")
worst = sorted(recs, key=lambda r: r["scores"]["score"] if r["scores"]["score"] is not None else 101)[:5]
print("\nworst graded:")
for r in worst:
    print(f"  {r['org_id']:8} {r['scores']['grade'] or '-'} {r['scores']['score']!s:>4}  {r['name']}")
PY
echo
echo "HTML report: $PWD/report.html   (per organization: ./build/vitals show ORG_ID --db demo.db)"
