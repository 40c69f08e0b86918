"""Redis cases (family 0, 127.40.0.0/24): the reference service family.

Servers: Debian's redis-server, one per case, bound to the case address only, no persistence,
configuration and data under DIR/services/redis/<id>:
  redis_open  no password, protected mode off: PING answers PONG (svc.redis.noauth fails)
  redis_auth  requirepass: PING answers NOAUTH (passes)
Protected mode (DENIED) cannot be shown here: Redis lets loopback clients in, and the scanner
connects from loopback. The analyzer's handling of DENIED is covered by the unit tests.
"""

import os
import shutil

import daemons

FAMILY = 0
NET = "127.40.0"
WHO = "service cases (redis)"
REDIS = "/usr/bin/redis-server"

CASES = [
    ("redis_open", None, "fail"),
    ("redis_auth", "testbed-secret-password", "pass"),
]


def available():
    return None if os.access(REDIS, os.X_OK) else f"{REDIS} is not installed (scripts/install-deps.sh)"


def cases():
    # the open server's INFO announces Debian 12's redis_version 7.0.15: inside CVE-2025-49844's
    # range in data/versions.json, in no end-of-life range (the patching checks, banner-inferred);
    # the protected one announces nothing (na)
    patch = {"fail": {"svc.patching.known_vuln": "fail", "svc.patching.eol": "pass"}, "pass": {}}
    return [{"case": name, "addr": f"{NET}.{n}", "ports": [6379], "server": "redis-server",
             "requirepass": pw, "truth": {"svc.redis.noauth": verdict, **patch[verdict]}}
            for n, (name, pw, verdict) in enumerate(CASES, 1)]


def start(d, cases):
    procs = []
    for c in cases:
        wd = d / "services" / "redis" / c["id"]
        shutil.rmtree(wd, ignore_errors=True)
        wd.mkdir(parents=True)
        conf = [f"bind {c['addr']}", "port 6379", "protected-mode no", "daemonize no", 'save ""',
                "appendonly no", f"dir {wd}", "loglevel warning"]
        if c["requirepass"]:
            conf.append(f"requirepass {c['requirepass']}")
        (wd / "redis.conf").write_text("\n".join(conf) + "\n")
        procs.append((c["id"], daemons.spawn(d, f"svc-redis-{c['id']}", [REDIS, str(wd / "redis.conf")])))
    for c in cases:
        daemons.wait_port(c["addr"], 6379, procs, WHO)
    return {"server": "redis-server", "cases": [{"id": c["id"], "case": c["case"], "addr": c["addr"]}
                                                 for c in cases]}
