#!/usr/bin/python3
"""/docs and /plot as a person sees them: loaded in headless Chromium.

  browser_check.py MODEL_SERVER_BINARY [--shots DIR]

Starts the binary on a free port with a fresh store, fits three series (the
contract's rule, a two-sided zscore, the online range detector), then loads
/docs and each series' /plot in Debian's headless Chromium and reads the DOM
Chromium rendered (--dump-dom) and its network log (--log-net-log). Every
request the page made (the requests whose network isolation key is the
page's site) must go to the server itself: a page that fetches anything
from elsewhere (a script, a font, a stylesheet, an image) fails. Chromium's
own background requests (component updates, network time) are told apart
by that key, and none of them leaves the machine: everything but the
loopback goes to a local proxy that answers 403. Checks:
  /docs: a heading for every path and method of /openapi.json, and every
    schema section;
  /plot: a legend entry for every kind of mark drawn, and time ticks at
    round UTC times (at least three, in the format the span calls for).
With --shots DIR it also saves a screenshot of each page there.
Exits 0 when all hold, 1 otherwise; 77 (skipped) without Chromium.
"""
import html.parser
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from server_process import start  # noqa: E402

failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text)


class Recorder(socketserver.ThreadingTCPServer):
    """An HTTP proxy that records the first line of every request it gets
    and answers 403: nothing Chromium asks for leaves the machine."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.seen = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(handler):
                line = handler.rfile.readline(8192).decode("latin-1").strip()
                if line:
                    self.seen.append(line)
                handler.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        super().__init__(("127.0.0.1", 0), Handler)


def page_requests(netlog_path, site):
    """URLs of the requests whose network isolation key's top frame is
    `site`: the page's own, not Chromium's background ones."""
    with open(netlog_path) as f:
        log = json.load(f)
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for e in log["events"]:
        params = e.get("params") or {}
        if e["type"] == start and "url" in params and \
                params.get("network_isolation_key", "").split(" ")[0] == site:
            urls.append(params["url"])
    return urls


def chromium(browser, proxy_port, profile, url, extra):
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            "--disable-default-apps", "--disable-extensions", "--user-data-dir=" + profile,
            f"--proxy-server=http://127.0.0.1:{proxy_port}", *extra, url]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120, check=True)
    return out.stdout.decode("utf-8", "replace")


class Dom(html.parser.HTMLParser):
    """The texts of the elements with a given class, and every id."""

    def __init__(self):
        super().__init__()
        self.stack, self.by_class, self.ids, self.legend = [], {}, set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        self.stack.append((tag, a.get("class", ""), []))

    def handle_endtag(self, tag):
        while self.stack:
            t, cls, text = self.stack.pop()
            content = "".join(text).strip()
            for c in cls.split():
                self.by_class.setdefault(c, []).append(content)
            if t == "li" and any(p[1] == "legend" for p in self.stack):
                self.legend.append(content)
            if self.stack:
                self.stack[-1][2].append("".join(text))
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)


def parse(text):
    d = Dom()
    d.feed(text)
    return d


def post(base, path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=30).read()


def check_docs(dom, doc):
    headings = set(dom.by_class.get("path", []))
    methods = [m.upper() for m in dom.by_class.get("method", [])]
    for path, item in doc["paths"].items():
        if path not in headings:
            fail(f"/docs: no heading for {path}")
        for m in ("get", "post", "put", "delete", "patch"):
            if m in item and f"op-{m}-" + re.sub(r"[^A-Za-z0-9]", "-", path) not in dom.ids:
                fail(f"/docs: no section for {m.upper()} {path}")
    for name in doc["components"]["schemas"]:
        if "schema-" + name not in dom.ids:
            fail(f"/docs: no section for schema {name}")
    print(f"/docs: {len(headings)} paths, {len(methods)} method labels drawn")


TICK_FORMATS = [r"\d\d:\d\d(:\d\d)?", r"[A-Z][a-z]{2}( \d\d)?", r"\d{4}"]


def check_plot(name, dom, expected):
    legend = dom.legend
    for words in expected:
        if not any(words in entry for entry in legend):
            fail(f"/plot {name}: no legend entry with {words!r} (legend: {legend})")
    ticks = dom.by_class.get("time-tick", [])
    if len(ticks) < 3 or not all(any(re.fullmatch(f, t) for f in TICK_FORMATS) for t in ticks):
        fail(f"/plot {name}: time ticks {ticks} are not round UTC times")
    print(f"/plot {name}: legend {legend}; time ticks {ticks}")


def main():
    args = sys.argv[1:]
    shots = None
    if "--shots" in args:
        shots = args[args.index("--shots") + 1]
        del args[args.index("--shots"):args.index("--shots") + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    browser = shutil.which("chromium")
    if not browser:
        print("skipped: no chromium (scripts/setup test installs it)")
        sys.exit(77)
    work = tempfile.mkdtemp()
    proxy = Recorder()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proc, port, _ = start(args[0], ["--data-dir=" + os.path.join(work, "data")], os.path.join(work, "log"))
    base = f"http://127.0.0.1:{port}"
    try:
        day = [1705000000 + i * 600 for i in range(300)]  # 50 hours, 10 minutes apart
        values = [50 + (i % 24) * 0.5 + (30 if i == 150 else 0) for i in range(300)]
        post(base, "/fit/contract", {"timestamps": day, "values": values})
        post(base, "/fit/zscore", {"timestamps": day, "values": values, "detector": {"type": "zscore", "k": 2}})
        post(base, "/fit/range", {"timestamps": day, "values": values,
                                  "detector": {"type": "range", "window": 100}})
        with urllib.request.urlopen(base + "/openapi.json", timeout=30) as r:
            doc = json.load(r)
        pages = [("docs", "/docs", None),
                 ("contract", "/plot?series_id=contract", ["training points", "mean", "threshold",
                                                         "outside the bounds"]),
                 ("zscore", "/plot?series_id=zscore", ["training points", "normal band", "center",
                                                      "upper and lower bounds"]),
                 ("range", "/plot?series_id=range", ["training points", "bounds as learned",
                                                    "center as learned", "the band now"])]
        for name, path, expected in pages:
            profile = tempfile.mkdtemp(dir=work)
            netlog = os.path.join(profile, "net.json")
            dom = parse(chromium(browser, proxy.server_address[1], profile, base + path,
                                 ["--dump-dom", "--log-net-log=" + netlog]))
            urls = page_requests(netlog, "http://127.0.0.1")
            if base + path not in urls:  # the log must show the page itself, or it shows nothing
                fail(f"{path}: the network log does not show the page's own request ({urls})")
            outside = [u for u in urls if not u.startswith(base + "/")]
            if outside:
                fail(f"{path}: the page fetched from outside the server: {outside}")
            if expected is None:
                check_docs(dom, doc)
            else:
                check_plot(name, dom, expected)
            if shots:
                os.makedirs(shots, exist_ok=True)
                out = os.path.abspath(os.path.join(shots, name + ".png"))
                chromium(browser, proxy.server_address[1], tempfile.mkdtemp(dir=work), base + path,
                         ["--window-size=1100,1400" if name == "docs" else "--window-size=1040,760",
                          "--screenshot=" + out])
        print(f"the pages fetched nothing but the server; Chromium's own {len(proxy.seen)} "
              "background requests were refused by the local proxy")
    finally:
        proc.terminate()
        proc.wait()
        proxy.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"browser_check: {len(failures)} failure(s)")
        sys.exit(1)
    print("browser_check: /docs and /plot rendered in Chromium, nothing fetched from outside")


if __name__ == "__main__":
    main()
