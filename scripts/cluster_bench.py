"""The cluster case of scripts/bench (--cluster N): the cost of forwarding.

Starts N model_server nodes on 127.0.0.1 (fresh stores; with --store postgres
they share a private PostgreSQL instead of a node list), pre-trains series
through node 0, learns which node owns which series from the answers'
X-Series-Owner header, then runs wrk against node 0 per connection count: on
series node 0 owns (answered locally), on series other nodes own (forwarded in
one hop through CAF's remote actors), and durable fits of new series (spread
over every owner). For each it prints req/s, p50/p99 and the CPU
time per request summed over every node's process (utime + stime from
/proc/PID/stat), beside the bare cpp-httplib baseline of the same run. On a
2-core machine N nodes share the cores, so throughput across nodes says
nothing; the p50 difference and the CPU per request are the forwarding cost.
"""
import os
import shutil
import socket
import sys
import tempfile
import time
import urllib.request

from server_process import start

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / TICKS


def wait_peers(port, want, timeout_s=30):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
        if (f'model_server_cluster_peers{{state="up"}} {want}' in text
                and "model_server_cluster_serving 1" in text):
            return
        time.sleep(0.05)
    sys.exit(f"node on port {port} did not see {want} peers")


def owner_of(port, series_id):
    """The HTTP address the answer to a predict names as the series' owner."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/predict/{series_id}",
                                 data=b'{"timestamp":"1705000100","value":10.0}', method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["X-Series-Owner"]


def run(args, wrk, pretrain, pg=None):
    n = args.cluster
    conns = [int(c) for c in args.connections.split(",")]
    work = tempfile.mkdtemp(prefix="bench_cluster_")
    nodes = [f"127.0.0.1:{free_port()}" for _ in range(n)]
    node_list = "[" + ",".join(f'"{x}"' for x in nodes) + "]"
    if pg:
        store = ["--store.backend=postgres", f"--store.postgres={pg.conninfo()}"]
    else:
        store = [f"--cluster.nodes={node_list}"]
    procs, ports = [], []
    rows = []
    try:
        base_proc, base_port, _ = start(os.path.join(args.build, "baseline_server"),
                                        [f"--threads={max(conns) + 100}"],
                                        os.path.join(work, "baseline.log"))
        procs.append(base_proc)
        for i, node in enumerate(nodes):
            p, port, _ = start(os.path.join(args.build, "model_server"),
                               [f"--data-dir={work}/node{i}", *store,
                                f"--cluster.self={node}", *args.server_args],
                               os.path.join(work, f"node{i}.log"))
            procs.append(p)
            ports.append(port)
        for port in ports:
            wait_peers(port, n - 1)
        pretrain(ports[0], args.series)
        local, forwarded = [], []
        for k in range(args.series):
            sid = f"bench_{k}"
            (local if owner_of(ports[0], sid) == f"127.0.0.1:{ports[0]}" else forwarded).append(sid)
        print(f"  series owned by node 0: {len(local)}, by the others: {len(forwarded)}",
              file=sys.stderr)
        node_pids = [p.pid for p in procs[1:]]
        for c in conns:
            base = wrk(base_port, "predict.lua", "/", c, args, {"SERIES": "1000"}, base_proc.pid)
            base.update(case="baseline", connections=c, cpu_ms=None)
            rows.append(base)
            for case, ids in (("predict, owner", local), ("predict, forwarded", forwarded)):
                cpu0 = cpu_seconds(node_pids)
                r = wrk(ports[0], "predict.lua", "/", c, args, {"IDS": ",".join(ids[:500])},
                        procs[1].pid)
                cpu = cpu_seconds(node_pids) - cpu0
                r.update(case=case, connections=c,
                         cpu_ms=cpu * 1000 / max(1, r["rps"] * args.duration))
                rows.append(r)
            cpu0 = cpu_seconds(node_pids)
            r = wrk(ports[0], "fit.lua", "/", c, args, {"RUN": f"{c}_{time.time_ns()}"},
                    procs[1].pid)
            r.update(case="fit, any owner", connections=c,
                     cpu_ms=(cpu_seconds(node_pids) - cpu0) * 1000 / max(1, r["rps"] * args.duration))
            rows.append(r)
            for r in rows[-3:]:
                case = r["case"]
                print(f"  {case:20} c={c:<4} {r['rps']:>8.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                      f"p99 {r['p99_ms']:.3f} ms  cpu {r['cpu_ms']:.3f} ms/req  errors {r['errors']}",
                      file=sys.stderr)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{n} nodes on 127.0.0.1 ({'a shared PostgreSQL' if pg else 'SQLite each'}), "
          f"requests sent to node 0; wrk -t{args.threads} "
          f"-d{args.duration}s; CPU = utime + stime of all {n} nodes per request")
    print("| case | connections | req/s | p50 ms | p99 ms | CPU ms/request | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        cpu = f"{r['cpu_ms']:.3f}" if r["cpu_ms"] is not None else "-"
        print(f"| {r['case']} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.3f} | "
              f"{r['p99_ms']:.3f} | {cpu} | {r['errors']} |")
    for c in conns:
        own = next(r for r in rows if r["case"] == "predict, owner" and r["connections"] == c)
        fwd = next(r for r in rows if r["case"] == "predict, forwarded" and r["connections"] == c)
        print(f"forwarding at {c} connection(s): +{fwd['p50_ms'] - own['p50_ms']:.3f} ms p50, "
              f"+{fwd['cpu_ms'] - own['cpu_ms']:.3f} ms CPU per request")
    return 1 if any(r["errors"] for r in rows) else 0
