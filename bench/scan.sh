#!/usr/bin/env bash
# Scan throughput and memory on the simulated sector, against a peer measured in
# the same run on the same machine.
#
# vitals: one process, one event loop per worker, every check of every asset of every
#         organization (targets-assets.csv: apex, www, MX and NS hosts, given hosts and
#         addresses; a shared vendor portal listed by every 10th organization), for each
#         sector size in SIZES and each worker count in WORKERS.
# peer:   the same evidence gathered the usual way with standard tools: a local
#         validating unbound answering kdig (SOA +dnssec, TXT, _dmarc TXT, CAA, MX, NS),
#         curl for http://, https:// and security.txt, and openssl s_client for the
#         modern, TLS 1.0 and TLS 1.1 handshakes; run per organization by xargs -P,
#         as many in parallel as vitals's --concurrency.
# Everything runs on 127.0.0.0/8. Prints figures and the ratio; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000 3000"}
CONC=${CONC:-128}
WORKERS=${WORKERS:-"1 2"}
PEER_SAMPLE=${PEER_SAMPLE:-200}
BED=${BED:-$PWD/bench/run}
PY=/usr/bin/python3
command -v unbound >/dev/null && command -v /usr/bin/time >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q unbound time >/dev/null; }
systemctl stop unbound >/dev/null 2>&1 || true
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
cleanup() {
	[ -n "${UB_PID:-}" ] && kill "$UB_PID" 2>/dev/null || true
	$PY tests/testbed/testbed.py down --dir "$BED" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rows=()
for orgs in $SIZES; do
	$PY tests/testbed/testbed.py down --dir "$BED" >/dev/null 2>&1 || true
	$PY tests/testbed/testbed.py up --orgs "$orgs" --seed 11 --no-trap --no-hostile --dir "$BED" | tail -1
	vendor_log="$BED/logs/vendor-access.log"
	listing=$(grep -c 'portal\.' "$BED/targets-assets.csv" || true)
	# One run per worker count: share-nothing engines on their own threads (--workers).
	for w in $WORKERS; do
		echo "== vitals: $orgs organizations, --concurrency $CONC, --workers $w"
		rm -f "$BED/bench.db"*
		before=$(wc -l <"$vendor_log" 2>/dev/null || echo 0)
		/usr/bin/time -f "%e %M" -o "$BED/vitals-$w.time" ./build/vitals scan --scope 127.0.0.0/8 \
			--root-hints "$BED/root.hints" --trust-anchor "$BED/root.key" --ca-file "$BED/ca.pem" \
			--db "$BED/bench.db" -o "$BED/bench-$w.ndjson" --concurrency "$CONC" --workers "$w" \
			--no-progress "$BED/targets-assets.csv" 2>"$BED/vitals-$w.log"
		grep -h "shared endpoints" "$BED/vitals-$w.log" || true
		after=$(wc -l <"$vendor_log" 2>/dev/null || echo 0)
		read -r secs kb <"$BED/vitals-$w.time"
		rows+=("$orgs" "$w" "$(grep -c '"type":"organization"' "$BED/bench-$w.ndjson")" "$secs" "$kb" \
			"$listing" "$((after - before))")
	done
done

echo "== peer: kdig + curl + openssl through a local validating unbound, $PEER_SAMPLE organizations, -P $CONC"
sed -e "s#^    interface: .*#    interface: 127.0.0.1@5399#" -e "s#^    pidfile: .*#    pidfile: \"\"\n    num-threads: 2\n    outgoing-range: 4096\n    num-queries-per-thread: 4096#" \
	"$BED/resolver-example.conf" >"$BED/bench-unbound.conf"
unbound -d -c "$BED/bench-unbound.conf" >"$BED/bench-unbound.log" 2>&1 &
UB_PID=$!
sleep 1
cat >"$BED/peer-one.sh" <<'ONE'
#!/usr/bin/env bash
# The evidence for one domain, gathered with standard tools.
d=$1 ca=$2
q() { kdig @127.0.0.1 -p 5399 +dnssec +timeout=3 +retry=0 "$@" >/dev/null 2>&1; }
q "$d" SOA; q "$d" TXT; q "_dmarc.$d" TXT; q "$d" CAA; q "$d" MX; q "$d" NS
addr=$(kdig @127.0.0.1 -p 5399 +short "$d" A 2>/dev/null | head -1)
[ -n "$addr" ] || exit 0
for u in "http://$d/" "https://$d/" "https://$d/.well-known/security.txt"; do
	curl -sk -m 5 --resolve "$d:80:$addr" --resolve "$d:443:$addr" -o /dev/null -D - "$u" >/dev/null 2>&1
done
for v in "" -tls1 -tls1_1; do
	echo | timeout 5 openssl s_client -connect "$addr:443" -servername "$d" -CAfile "$ca" $v \
		${v:+-cipher DEFAULT:@SECLEVEL=0} >/dev/null 2>&1
done
exit 0
ONE
chmod +x "$BED/peer-one.sh"
sed -n "2,$((PEER_SAMPLE + 1))p" "$BED/targets.csv" | cut -d, -f3 >"$BED/peer-domains"
/usr/bin/time -f "%e %M" -o "$BED/peer.time" \
	xargs -P "$CONC" -I{} "$BED/peer-one.sh" {} "$BED/ca.pem" <"$BED/peer-domains"
read -r p_secs p_kb <"$BED/peer.time"
n_peer=$(wc -l <"$BED/peer-domains")

$PY - "$n_peer" "$p_secs" "${rows[@]}" <<'PY'
import sys
np_, ps = int(sys.argv[1]), float(sys.argv[2])
rows = [sys.argv[i:i + 7] for i in range(3, len(sys.argv), 7)]
p_rate = np_ / ps
print(f"\n{'':30}{'orgs':>7}{'seconds':>10}{'orgs/s':>9}{'peak RSS':>12}{'portal listed by':>18}{'portal requests':>17}")
rates = {}
for size, w, n, secs, kb, listing, reqs in rows:
    rates[(int(size), int(w))] = int(n) / float(secs)
    print(f"{'vitals --workers ' + w:30}{int(n):7}{float(secs):10.2f}{rates[(int(size), int(w))]:9.1f}"
          f"{int(kb) / 1024:9.1f} MB{int(listing):18}{int(reqs):17}")
print(f"{'peer (kdig+curl+openssl), apex':30}{np_:7}{ps:10.2f}{p_rate:9.1f}")
best = max(rates.values())
print(f"\nvitals is {best / p_rate:.1f}x the peer's throughput on organizations (and measures every asset, grades and stores).")
for (size, w), r in sorted(rates.items()):
    if w > 1 and (size, 1) in rates:
        print(f"{size} organizations: --workers {w} is {r / rates[(size, 1)]:.2f}x --workers 1 "
              "(the testbed's servers share these cores).")
print("portal requests: HTTP requests the shared vendor portal received in one scan (one measurement"
      " is its 3-4 fetches), however many organizations list it.")
print(f"at the best rate a 30,000-organization sector takes {30000 / best / 60:.1f} minutes on this machine.")
PY
