"""Targets with named columns, tags and a JSON Lines form, scanned against the testbed.

The tags given in the targets file are stored with each organization: the NDJSON lines and
`vitals show` carry them. Given hosts and addresses are read from both forms; a bad one is
reported with its file and line.
"""
import json
import subprocess

from conftest import scan_args, stream_orgs, vitals_bin

NAMED = (
    "# named columns, in an order of their own\n"
    "name,org_id,domains,type,region,tags,hosts,addresses\n"
    "{n1},org001,{d1},hospital,North East,pilot;beds=200,www.{d1} {d1},{a1}\n"
    "{n2},org002,{d2},clinic,,,,\n"
)


def orgs_of(bed, *ids):
    manifest = json.loads((bed / "manifest.json").read_text())
    by_id = {o["org_id"]: o for o in manifest["organizations"]}
    return [by_id[i] for i in ids]


def test_named_columns_and_json_lines_carry_tags_to_the_stream_and_show(bed, tmp_path):
    o1, o2, o3 = orgs_of(bed, "org001", "org002", "org003")
    named = tmp_path / "named.csv"
    named.write_text(NAMED.format(n1=o1["name"], d1=o1["domain"], a1=o1["web_addr"], n2=o2["name"],
                                  d2=o2["domain"]))
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text(json.dumps({"org_id": "org003", "name": o3["name"], "domains": [o3["domain"]],
                                 "hosts": ["www." + o3["domain"]], "addresses": [o3["web_addr"] + "/32"],
                                 "tags": {"type": "telehealth vendor", "vip": True}}) + "\n")
    db = tmp_path / "t.db"
    for i, targets in enumerate((named, jsonl)):
        out = tmp_path / f"out{i}.ndjson"
        p = subprocess.run(scan_args(bed, db, ["-o", str(out), str(targets)]), text=True,
                           capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert "skipped" not in p.stderr, p.stderr
        if i == 0:
            recs = stream_orgs(out)
            assert list(recs["org001"]["tags"].items()) == [
                ("type", "hospital"), ("region", "North East"), ("pilot", "true"), ("beds", "200")]
            assert recs["org002"]["tags"] == {"type": "clinic"}
            assert recs["org001"]["domains"] == [o1["domain"]]
        else:
            assert stream_orgs(out)["org003"]["tags"] == {"type": "telehealth vendor", "vip": "true"}
    show = subprocess.run([vitals_bin(), "show", "org001", "--db", str(db), "--scan", "1", "--no-color"],
                          text=True, capture_output=True, timeout=60)
    assert show.returncode == 0, show.stderr
    assert f"domains: {o1['domain']}\ntags: type=hospital; region=North East; pilot=true; beds=200\n" \
        in show.stdout
    show = subprocess.run([vitals_bin(), "show", "org003", "--db", str(db), "--no-color"], text=True,
                          capture_output=True, timeout=60)
    assert "tags: type=telehealth vendor; vip=true\n" in show.stdout, show.stdout


def test_bad_hosts_and_addresses_are_reported_by_line(bed, tmp_path):
    targets = tmp_path / "assets.csv"
    targets.write_text("org_id,name,domains,hosts,addresses\n"
                       "org001,One,org001.test,,127.0.0.256\n"
                       "org002,Two,org002.test,,127.0.0.0/8\n"
                       "org003,Three,org003.test,bad_host.org003.test,\n"
                       "org004,Four,org004.test,,127.0.0.1/30\n")
    p = subprocess.run(scan_args(bed, tmp_path / "h.db", [str(targets)]), text=True, capture_output=True,
                       timeout=60)
    assert p.returncode == 3, p.stderr
    for line, why in [(2, "invalid address '127.0.0.256': not an IPv4 or IPv6 address (nor a CIDR block of one)"),
                      (3, "invalid address '127.0.0.0/8': at most 16 addresses per block (/28 or longer)"),
                      (4, "invalid host 'bad_host.org003.test': character outside letters, digits and hyphen"),
                      (5, "invalid address '127.0.0.1/30': host bits set (the block is 127.0.0.0/30)")]:
        assert f"{targets}:{line}: {why}" in p.stderr, p.stderr
    assert f"{targets}: no organization to scan (4 lines rejected)" in p.stderr
