"""`vitals serve` over HTTP on a copy of the session's testbed scan: the security headers of
every page, the program page's scope, security.txt, a submission with an attachment and its
link, nothing of the report readable in the database file, no receipted report lost to
kill -9, refused bodies leaving no row, wrong links, and cross-site posts.

The server listens on 127.0.0.1 only, on a port the test picks."""
import base64
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import vitals_bin

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
BASE = "https://vdp.example.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db, key, port):
        self.db, self.key, self.port = db, key, port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([vitals_bin(), "serve", "--db", str(self.db), "--key-file", str(self.key),
                                      "--listen", f"127.0.0.1:{self.port}", "--base-url", BASE],
                                     stderr=subprocess.PIPE, text=True)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                assert self.proc.poll() is None, self.proc.stderr.read()
                time.sleep(0.05)
        pytest.fail("vitals serve did not listen")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def srv(scan, tmp_path_factory):
    d = tmp_path_factory.mktemp("serve")
    db = d / "serve.db"
    shutil.copy(scan[2], db)
    key = d / "key"
    subprocess.run([vitals_bin(), "serve", "--new-key-file", str(key)], check=True)
    s = Server(db, key, free_port()).start()
    yield s
    if s.proc.poll() is None:
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=20) == 0, "SIGTERM stops the server cleanly, exit 0"


def get(srv, path, headers=None):
    req = urllib.request.Request(srv.url(path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def post(srv, path, body, ctype, headers=None):
    req = urllib.request.Request(srv.url(path), data=body, method="POST",
                                 headers={"Content-Type": ctype, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def multipart(fields, files=()):
    b = "vitalsboundary7d0a"
    out = []
    for k, v in fields.items():
        out.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for name, data, ctype in files:
        out.append(f'--{b}\r\nContent-Disposition: form-data; name="attachment"; filename="{name}"\r\n'
                   f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{b}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={b}"


def form_token(srv, path):
    status, _, body = get(srv, path)
    assert status == 200
    return re.search(rb'name="form_token" value="([A-Za-z0-9_-]+)"', body).group(1).decode()


def rows(db, table="reports"):
    con = sqlite3.connect(str(db))
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def an_org(scan):
    records = scan[0]
    return next(r for r in records.values() if len(r["assets"]) >= 3)


def report_fields(org, title):
    return {"asset": org["assets"][0].get("host") or org["assets"][0]["addr"], "title": title,
            "description": "The uploads folder lists every file.", "steps": "1. open /uploads/",
            "impact": "Anyone can read the files."}


def test_headers_on_every_page(srv, scan):
    org = an_org(scan)["org_id"]
    pages = ["/", "/orgs", f"/orgs/{org}", f"/orgs/{org}/program", f"/orgs/{org}/security.txt",
             f"/orgs/{org}/report", "/assets/vitals.css", f"/api/v1/orgs/{org}/program", "/nope",
             "/orgs/nosuchorg/program", "/r/AAAA", "/api/v1/reports/AAAA"]
    for path in pages:
        status, h, _ = get(srv, path)
        assert status in (200, 404), (path, status)
        assert h["Content-Security-Policy"] == CSP, path
        assert h["X-Content-Type-Options"] == "nosniff", path
        assert h["Referrer-Policy"] == "no-referrer", path
        assert h["X-Frame-Options"] == "DENY", path
        assert "camera=()" in h["Permissions-Policy"], path
        assert h["Strict-Transport-Security"] is None, f"{path}: HSTS over plain HTTP"
    for path in (f"/orgs/{org}/program", f"/orgs/{org}/report"):
        assert get(srv, path)[1]["Cache-Control"] == "no-store", path
    status, h, _ = post(srv, f"/orgs/{org}/program", b"x", "text/plain")
    assert status == 405 and h["Content-Security-Policy"] == CSP
    status, _, body = get(srv, "/nope")
    assert status == 404 and b"<main>" in body and b"<script" not in body and b"style=" not in body


def test_scorecards_are_served(srv, scan):
    """The live scorecards (report/pages.h in the server's layout): the overview, the list with
    its filters and the JSON twin agreeing with the scan's own records, an organization's
    scorecard linking its disclosure program, a bad query a 400 naming it, an unknown
    organization a 404; every page without inline style or script."""
    records = scan[0]
    graded = {o: r for o, r in records.items() if r["scores"].get("grade")}
    status, h, page = get(srv, "/")
    assert status == 200 and b"<svg" in page, status
    status, _, page = get(srv, "/orgs?grade=F&sort=score&order=asc")
    assert status == 200
    want = sorted(o for o, r in graded.items() if r["scores"]["grade"] == "F")
    status, _, doc = get(srv, "/api/v1/orgs?grade=F&sort=name")
    doc = json.loads(doc)
    assert status == 200 and doc["total"] == len(want), (doc["total"], len(want))
    got = [o["org_id"] for o in doc["organizations"]]
    assert set(got) <= set(want) and len(got) == min(len(want), doc["page_size"]), got
    names = [o["name"] for o in doc["organizations"]]
    assert names == sorted(names, key=str.lower) or names == sorted(names), names
    assert all(o["grade"] == "F" for o in doc["organizations"])
    rec = an_org(scan)
    status, _, page = get(srv, f"/orgs/{rec['org_id']}")
    text = page.decode()
    assert status == 200 and f"/orgs/{rec['org_id']}/program" in text
    status, _, doc = get(srv, f"/api/v1/orgs/{rec['org_id']}")
    doc = json.loads(doc)
    assert status == 200 and doc["org_id"] == rec["org_id"]
    assert doc["grade"] == rec["scores"]["grade"] and doc["score"] == rec["scores"]["score"]
    status, _, body = get(srv, "/orgs?sort=nosuchkey")
    assert status == 400 and b"sort" in body, body[:300]
    assert get(srv, "/api/v1/orgs?grade=Q")[0] == 400
    assert get(srv, "/orgs/nosuchorg")[0] == 404
    assert get(srv, "/api/v1/orgs/nosuchorg")[0] == 404
    for path in ("/", "/orgs", f"/orgs/{rec['org_id']}"):
        body = get(srv, path)[2]
        assert b"style=" not in body and b"<style" not in body and b"<script" not in body, path
    css = get(srv, "/assets/vitals.css")[2].decode()
    assert "form.vdp" in css and ".st-" in css, "the server's and the scorecards' styles in one sheet"


def test_program_lists_the_assets(srv, scan):
    rec = an_org(scan)
    _, _, page = get(srv, f"/orgs/{rec['org_id']}/program")
    text = page.decode()
    for a in rec["assets"]:
        name = a.get("host") or a["addr"]
        assert f'<td class="mono">{name}</td>' in text, name
        assert a["why"][0] in text
    for words in ("patient data", "Safe harbor", "within 3 business days", "within 10 business days",
                  "within 90 days"):
        assert words in text, words
    _, _, doc = get(srv, f"/api/v1/orgs/{rec['org_id']}/program")
    doc = json.loads(doc)
    assert doc["scope"] == rec["assets"]
    assert doc["response_times"] == {"acknowledge_business_days": 3, "triage_business_days": 10,
                                     "resolution_days": 90}


def test_security_txt(srv, scan):
    org = an_org(scan)["org_id"]
    status, h, body = get(srv, f"/orgs/{org}/security.txt")
    assert status == 200 and h["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in body.decode().splitlines() if not line.startswith("#"))
    assert fields["Contact"] == f"{BASE}/orgs/{org}/report"
    assert fields["Policy"] == f"{BASE}/orgs/{org}/program"
    assert fields["Canonical"] == f"{BASE}/orgs/{org}/security.txt"
    assert fields["Preferred-Languages"] == "en"
    exp = time.mktime(time.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 360 * 86400 < exp - time.time() < 365 * 86400, "Expires under a year ahead (RFC 9116 s2.5.5)"


def test_submission_sealed_at_rest(srv, scan):
    rec = an_org(scan)
    org = rec["org_id"]
    title = "Secret-title-5b1f directory listing"
    fields = {**report_fields(rec, title), "description": "Secret-description-93ac the uploads folder",
              "form_token": form_token(srv, f"/orgs/{org}/report"), "contact": "researcher@example.test"}
    secret = b"Secret-attachment-c0de" + os.urandom(64)
    body, ctype = multipart(fields, [("proof.txt", secret, "text/plain")])
    status, h, page = post(srv, f"/orgs/{org}/report", body, ctype)
    assert status == 200, page
    assert h["Cache-Control"] == "no-store"
    link = re.search(rb'href="(/r/[A-Za-z0-9_-]{43})"', page).group(1).decode()
    rid = re.search(rb"<code>([0-9a-f]{16})</code>", page).group(1).decode()
    status, _, view = get(srv, link)
    assert status == 200 and title.encode() in view and b"proof.txt" in view and rid.encode() in view
    status, _, api = get(srv, "/api/v1" + link.replace("/r/", "/reports/"))
    doc = json.loads(api)
    assert doc["id"] == rid and doc["title"] == title and doc["state"] == "new"
    assert doc["attachments"] == [{"name": "proof.txt", "size": len(secret), "content_type": "text/plain"}]
    # a message through the link's form, shown in the thread
    tok = form_token(srv, link)
    status, h, _ = post(srv, link, f"form_token={tok}&body=Secret-message-77aa".encode(),
                        "application/x-www-form-urlencoded")
    assert status == 200 and b"Secret-message-77aa" in get(srv, link)[2]
    raw = b""
    for suffix in ("", "-wal"):
        p = str(srv.db) + suffix
        if os.path.exists(p):
            raw += open(p, "rb").read()
    assert len(raw) > 0
    for needle in (title.encode(), b"Secret-description-93ac", b"Secret-attachment-c0de", b"researcher@example",
                   b"Secret-message-77aa", b"proof.txt", link.encode()[3:]):
        assert needle not in raw, f"{needle!r} readable in the database file"


def test_wrong_link_shows_nothing(srv, scan):
    rec = an_org(scan)
    payload = json.dumps(report_fields(rec, "Other-report-title-4411")).encode()
    status, _, body = post(srv, f"/api/v1/orgs/{rec['org_id']}/reports", payload, "application/json")
    assert status == 201
    good = json.loads(body)
    wrong = good["token"][:-2] + ("AA" if not good["token"].endswith("AA") else "BB")
    for path in (f"/r/{wrong}", f"/api/v1/reports/{wrong}", "/r/short", "/r/" + "A" * 300):
        status, _, page = get(srv, path)
        assert status == 404, path
        assert b"Other-report-title-4411" not in page and good["id"].encode() not in page
    status, _, _ = post(srv, f"/api/v1/reports/{wrong}/messages", b'{"body": "hi"}', "application/json")
    assert status == 404


def test_refused_bodies_leave_no_row(srv, scan):
    rec = an_org(scan)
    org = rec["org_id"]
    before = (rows(srv.db), rows(srv.db, "attachments"))
    tok = form_token(srv, f"/orgs/{org}/report")
    fields = {**report_fields(rec, "refused"), "form_token": tok}
    # an attachment over 5 MiB
    body, ctype = multipart(fields, [("big.bin", b"x" * (5 * 1024 * 1024 + 1), "application/octet-stream")])
    assert post(srv, f"/orgs/{org}/report", body, ctype)[0] == 413
    # six attachments
    body, ctype = multipart(fields, [(f"f{i}.txt", b"x", "text/plain") for i in range(6)])
    assert post(srv, f"/orgs/{org}/report", body, ctype)[0] == 413
    # a multipart body cut before its closing boundary
    body, ctype = multipart(fields, [("a.txt", b"data", "text/plain")])
    assert post(srv, f"/orgs/{org}/report", body[:-40], ctype)[0] == 400
    # malformed: bytes with no part in them (so no form token either), JSON that is not an object,
    # a field the form has not
    assert post(srv, f"/orgs/{org}/report", b"garbage", "multipart/form-data; boundary=zz")[0] == 403
    assert post(srv, f"/api/v1/orgs/{org}/reports", b"[1, 2", "application/json")[0] == 400
    assert post(srv, f"/api/v1/orgs/{org}/reports", b'{"title": 5}', "application/json")[0] == 400
    body, ctype = multipart({**fields, "extra": "x"})
    assert post(srv, f"/orgs/{org}/report", body, ctype)[0] == 400
    # a title over its cap
    status, _, page = post(srv, f"/api/v1/orgs/{org}/reports",
                           json.dumps({**report_fields(rec, "t" * 201)}).encode(), "application/json")
    assert status == 400 and b"title" in page
    # a declared body over the cap: refused before it is read
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.putrequest("POST", f"/orgs/{org}/report")
    c.putheader("Content-Type", ctype)
    c.putheader("Content-Length", str(64 * 1024 * 1024))
    c.endheaders()
    assert c.getresponse().status == 413
    c.close()
    # a body cut short by the client: nothing can be answered, nothing may be stored
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        body, ctype = multipart(fields)
        s.sendall(f"POST /orgs/{org}/report HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2])
        s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        try:
            s.recv(100)
        except OSError:
            pass
    assert (rows(srv.db), rows(srv.db, "attachments")) == before
    assert get(srv, "/")[0] == 200, "the server still answers"


def test_cross_site_post_refused(srv, scan):
    rec = an_org(scan)
    org = rec["org_id"]
    before = rows(srv.db)
    fields = {**report_fields(rec, "cross-site"), "form_token": form_token(srv, f"/orgs/{org}/report")}
    body, ctype = multipart(fields)
    assert post(srv, f"/orgs/{org}/report", body, ctype, {"Origin": "https://evil.example"})[0] == 403
    assert post(srv, f"/orgs/{org}/report", body, ctype, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    body2, ctype2 = multipart(report_fields(rec, "no token"))
    assert post(srv, f"/orgs/{org}/report", body2, ctype2)[0] == 403
    # a form-encoded post to the JSON API (what another site's page could send) is refused
    assert post(srv, f"/api/v1/orgs/{org}/reports", b"title=x", "application/x-www-form-urlencoded")[0] == 415
    assert rows(srv.db) == before
    # our own form, as a browser sends it under Referrer-Policy: no-referrer, is taken
    assert post(srv, f"/orgs/{org}/report", body, ctype, {"Origin": "null", "Sec-Fetch-Site": "same-origin"})[0] == 200


def test_kill_9_loses_no_receipted_report(srv, scan):
    rec = an_org(scan)
    org = rec["org_id"]
    receipts, stop = [], []

    def submit(i):
        if stop:
            return None
        payload = json.dumps({**report_fields(rec, f"burst {i}"), "attachments": [
            {"name": "a.bin", "content_type": "application/octet-stream",
             "data": base64.b64encode(os.urandom(20000)).decode()}]}).encode()
        try:
            status, _, body = post(srv, f"/api/v1/orgs/{org}/reports", payload, "application/json")
        except (OSError, http.client.HTTPException):
            return None
        if status == 201:
            receipts.append(json.loads(body)["id"])
        return status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        futs = [ex.submit(submit, i) for i in range(400)]
        while len(receipts) < 40:
            time.sleep(0.01)
        srv.proc.kill()
        stop.append(1)
        srv.proc.wait()
        concurrent.futures.wait(futs)
    got = list(receipts)
    con = sqlite3.connect(str(srv.db))
    stored = {r[0] for r in con.execute("SELECT id FROM reports")}
    orphans = con.execute("SELECT count(*) FROM attachments WHERE report_id NOT IN (SELECT id FROM reports)")
    assert orphans.fetchone()[0] == 0
    con.close()
    missing = [r for r in got if r not in stored]
    print(f"{len(got)} receipts before kill -9; {len(stored)} reports stored; missing {missing}")
    assert len(got) >= 40 and not missing
    srv.start()
    assert get(srv, "/")[0] == 200, "the server starts again on the database after kill -9"


def test_user_accounts_on_the_command_line(scan, tmp_path):
    """`vitals user`: an admin and a staff account of a scanned organization; the password only
    as an argon2id hash (the database file holds no password text); the policy, unknown
    organizations, taken and unknown logins refused with their reason; passwd and disable end
    the account's sessions; list shows no hash."""
    db = tmp_path / "users.db"
    shutil.copy(scan[2], db)
    org = next(iter(scan[0]))
    pw_admin, pw_staff, pw_new = "admin passphrase 2026", "staff passphrase 2026", "a newer passphrase"

    def user(*args, stdin=""):
        return subprocess.run([vitals_bin(), "user", *args[:1], "--db", str(db), *args[1:]], input=stdin,
                              capture_output=True, text=True, timeout=60)

    assert user("add", "--role", "admin", "alice", stdin=pw_admin + "\n").returncode == 0
    assert user("add", "--role", "staff", "--org", org, "carol", stdin=pw_staff + "\n").returncode == 0
    r = user("add", "--role", "admin", "bob", stdin="short\n")
    assert r.returncode == 3 and "shorter than 12" in r.stderr, r.stderr
    r = user("add", "--role", "staff", "--org", "no-such-org", "dave", stdin=pw_staff + "\n")
    assert r.returncode == 3 and "no-such-org" in r.stderr, r.stderr
    r = user("add", "--role", "staff", "erin", stdin=pw_staff + "\n")
    assert r.returncode == 2 and "--org" in r.stderr, r.stderr
    r = user("add", "--role", "admin", "alice", stdin=pw_admin + "\n")
    assert r.returncode == 3 and "exists already" in r.stderr, r.stderr
    assert user("add", "--role", "admin", "Bad/Login", stdin=pw_admin + "\n").returncode == 2
    with sqlite3.connect(db) as con:
        hashes = dict(con.execute("select login, pwhash from users"))
        assert set(hashes) == {"alice", "carol"}
        assert all(h.startswith("$argon2id$") for h in hashes.values()), hashes
        con.execute("insert into sessions(token_hash, user_id, csrf_secret, expires) "
                    "select x'01', id, x'02', 1 from users where login = 'carol'")
    assert user("passwd", "carol", stdin=pw_new + "\n").returncode == 0
    with sqlite3.connect(db) as con:
        assert con.execute("select pwhash from users where login = 'carol'").fetchone()[0] != hashes["carol"]
        assert con.execute("select count(*) from sessions").fetchone()[0] == 0, "passwd ends the sessions"
    assert user("disable", "carol").returncode == 0
    assert user("disable", "nobody").returncode == 3
    out = user("list").stdout
    assert out == f"alice\tadmin\t-\tactive\ncarol\tstaff\t{org}\tdisabled\n", out
    for f in (db, db.with_name(db.name + "-wal")):
        if f.exists():
            data = f.read_bytes()
            for pw in (pw_admin, pw_staff, pw_new):
                assert pw.encode() not in data, f"{pw!r} in {f.name}"
