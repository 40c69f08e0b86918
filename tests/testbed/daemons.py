"""Starting the testbed's own daemons and commands, shared by tlscases.py and mail.py.

run() runs a command and fails with its output; spawn() starts a daemon in its own session
with its pid in DIR/pids/LABEL.pid (where `down` finds it); wait_port() waits until something
listens, failing at once when one of the daemons just started has exited. `who` names the
part of the testbed in the error ("tls cases", "mail cases").
"""

import socket
import subprocess
import time


def run(cmd, who, **kw):
    """Runs cmd; its output, or RuntimeError with that output when it fails."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{who}: {' '.join(map(str, cmd))} failed:\n{r.stdout}")
    return r.stdout


def spawn(d, label, cmd, env=None):
    """Starts one daemon in its own session, its pid in DIR/pids/LABEL.pid (for `down`)."""
    log = open(d / "logs" / f"{label}.log", "wb")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True, close_fds=True, env=env)
    log.close()
    (d / "pids" / f"{label}.pid").write_text(f"{p.pid}\n")
    # what `down` checks the process's command line against before it kills a recorded pid
    (d / "pids" / f"{label}.cmd").write_text(str(cmd[0]))
    return p


def wait_port(addr, port, procs, who, timeout=10.0):
    """Until addr:port accepts a connection; procs: [(label, Popen)] that must not exit meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((addr, port), timeout=0.5).close()
            return
        except OSError:
            for label, p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{who}: {label} exited with {p.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{who}: nothing listens on {addr}:{port}")
            time.sleep(0.02)
