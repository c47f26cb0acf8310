"""Starting a server binary for the Python tools (bench, scale, soak)."""
import re
import subprocess
import sys
import time


def start(binary, args, log_path, timeout_s=20):
    """Starts `binary --port=0 --host=127.0.0.1 ARGS` with stderr in `log_path`
    and waits for its "listening on [HOST:]PORT" line. Returns (process, port,
    seconds until it listened); exits with the log if it does not come up."""
    log = open(log_path, "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary, "--port=0", "--host=127.0.0.1", *args], stderr=log)
    while time.perf_counter() - t0 < timeout_s:
        with open(log_path) as f:
            m = re.search(r"listening on (?:[^:\s]+:)?(\d+)[,\s]", f.read())
        if m:
            return proc, int(m.group(1)), time.perf_counter() - t0
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    with open(log_path) as f:
        sys.exit(f"{binary} did not start:\n{f.read()}")
