"""A private PostgreSQL server for the Python tools (bench --store postgres):
Debian's postgresql, initdb into a temporary folder (as `nobody` when run as
root: PostgreSQL refuses root), on a free port of 127.0.0.1 with its socket
in that folder, durable settings left at their defaults (fsync on), stopped
and removed on exit."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit("PostgreSQL is not installed: run scripts/setup test")
    return found[-1]


class Postgres:
    def __init__(self, max_connections=300):
        self.dir = tempfile.mkdtemp(prefix="bench_pg_")
        self.user = None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.user = (nobody.pw_uid, nobody.pw_gid)
            os.chown(self.dir, *self.user)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = os.path.join(self.dir, "data")
        self._run([_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--locale=C"], wait=True)
        self.proc = self._run([_bin("postgres"), "-D", data, "-p", str(self.port), "-k", self.dir,
                               "-c", "listen_addresses=127.0.0.1",
                               "-c", f"max_connections={max_connections}"], wait=False)
        for _ in range(1000):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                time.sleep(0.2)  # accepting TCP a moment before it accepts logins
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
        sys.exit("PostgreSQL did not start: " + open(os.path.join(self.dir, "server.log")).read())

    def _run(self, cmd, wait):
        user = self.user

        def demote():
            if user:
                os.setgid(user[1])
                os.setuid(user[0])
        log = open(os.path.join(self.dir, "server.log"), "a")
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, preexec_fn=demote)
        if wait and proc.wait() != 0:
            sys.exit(f"{cmd[0]} failed: " + open(os.path.join(self.dir, "server.log")).read())
        return proc

    def conninfo(self):
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres"

    def stop(self):
        self.proc.terminate()  # a smart shutdown
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_args(pg):
    """model_server options of one node using `pg` as its store."""
    return ["--store.backend=postgres", f"--store.postgres={pg.conninfo()}",
            f"--cluster.self=127.0.0.1:{free_port()}"]


def wait_ready(port, timeout_s=30):
    """Waits until the node on `port` answers /health/ready with 200 (joined)."""
    import urllib.error
    import urllib.request
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    sys.exit(f"node on port {port} never became ready")
