#!/usr/bin/python3
"""Draws the README's /plot example and checks it in a real browser.

Starts a model_server on a fresh store, fits one synthetic series (a daily
wave with noise, a spike and a level shift; 600 points, 5 minutes apart) with
the online range detector (window 200), saves its /plot page and takes a
screenshot of it with headless Chromium (Debian's `chromium` package).

  scripts/plot_screenshot.py [--build DIR] [--out FILE]   FILE: http/pages/plot_example.png
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from server_process import start

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "http", "pages", "plot_example.png"))
    args = p.parse_args()
    browser = shutil.which("chromium")
    if not browser:
        sys.exit("plot_screenshot: needs Debian's chromium (apt-get install chromium)")
    work = tempfile.mkdtemp()
    proc, port, _ = start(os.path.join(args.build, "model_server"),
                          ["--data-dir=" + os.path.join(work, "data")], os.path.join(work, "log"))
    try:
        random.seed(7)
        ts = [1705000000 + i * 300 for i in range(600)]
        vs = []
        for i in range(600):
            v = 50 + 10 * math.sin(2 * math.pi * i / 288) + random.gauss(0, 1.5)
            v += 18 if i >= 400 else 0  # a level shift
            v += 35 if i == 250 else 0  # a spike
            vs.append(round(v, 2))
        body = {"timestamps": ts, "values": vs, "detector": {"type": "range", "window": 200}}
        req = urllib.request.Request(f"http://127.0.0.1:{port}/fit/demo", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
        page = os.path.join(work, "plot.html")
        with open(page, "wb") as f:
            f.write(urllib.request.urlopen(f"http://127.0.0.1:{port}/plot?series_id=demo").read())
        profile = os.path.join(work, "profile")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                        "--window-size=1040,860", "--screenshot=" + os.path.abspath(args.out),
                        "file://" + page], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        print("plot_screenshot: wrote", args.out)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
