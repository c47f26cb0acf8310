#!/usr/bin/python3
"""The Debian package, checked without installing it.

  tests/scripts/package_check.py [--deb FILE]

Builds the package (scripts/package) unless --deb names one, unpacks it with
dpkg-deb -x (and its control files with -e) into a temporary folder, and
checks:
  - its name is model-server_<version>_<arch>.deb, <version> the one the
    unpacked binary's --version prints, <arch> dpkg's;
  - it holds /usr/bin/model_server, /etc/model_server/model_server.ini (a
    conffile, data-dir /var/lib/model_server), the systemd unit (its own user,
    StateDirectory, ExecStart with the packaged ini) and the copyright;
  - postinst creates the model_server system user with adduser, and Depends
    names adduser;
  - Depends names the Debian package of every shared library the binary
    links (objdump's NEEDED, found with ldconfig, owned per dpkg -S);
  - the unpacked binary, run with the packaged ini on a free port and a
    temporary data directory, answers /health/ready 200 and stops with
    status 0 on SIGTERM; with every commented-out option of the ini turned
    on, it starts too.
Exits 0 when all hold, 1 with one line per failure otherwise.
"""
import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from server_process import start  # noqa: E402

failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text)


def run(*args):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout


def depends_names(depends):
    """Package names in a Depends field ("a (>= 1), b | c" -> {a, b, c})."""
    names = set()
    for alternatives in depends.split(","):
        for item in alternatives.split("|"):
            name = item.strip().split(" ")[0].split(":")[0]
            if name:
                names.add(name)
    return names


def library_packages(binary):
    """{soname: Debian package} for every NEEDED library of `binary`."""
    needed = re.findall(r"NEEDED\s+(\S+)", run("objdump", "-p", binary))
    cache = run("/sbin/ldconfig", "-p")
    out = {}
    for soname in needed:
        m = re.search(r"^\s*" + re.escape(soname) + r" \(([^)]*)\) => (\S+)", cache, re.M)
        if not m:
            fail(f"{soname}: not found by ldconfig")
            continue
        path = os.path.realpath(m.group(2))
        owner = subprocess.run(["dpkg", "-S", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
        if owner.returncode != 0:  # /lib vs /usr/lib (merged /usr): ask for the other spelling
            alt = path[4:] if path.startswith("/usr/") else "/usr" + path
            owner = subprocess.run(["dpkg", "-S", alt], stdout=subprocess.PIPE, text=True)
        out[soname] = owner.stdout.split(":")[0].strip() if owner.returncode == 0 else None
        if out[soname] is None:
            fail(f"{soname} ({path}): no Debian package owns it")
    return out


def check_unit(path):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(path)
    service = unit["Service"] if unit.has_section("Service") else {}
    expect = {"User": "model_server", "StateDirectory": "model_server",
              "ExecStart": "/usr/bin/model_server --config-file=/etc/model_server/model_server.ini"}
    for key, want in expect.items():
        if service.get(key) != want:
            fail(f"unit: {key}={service.get(key)!r}, expected {want!r}")
    if not unit.has_section("Install") or unit["Install"].get("WantedBy") != "multi-user.target":
        fail("unit: no WantedBy=multi-user.target (systemctl enable would do nothing)")


def check_runs(tree, work):
    binary = os.path.join(tree, "usr/bin/model_server")
    ini = os.path.join(tree, "etc/model_server/model_server.ini")
    proc, port, _ = start(binary, ["--config-file=" + ini, "--data-dir=" + os.path.join(work, "data")],
                          os.path.join(work, "server.log"))
    try:
        status = None
        for _ in range(500):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.02)
        if status != 200:
            fail(f"the unpacked binary with the packaged ini: /health/ready answered {status}")
        else:
            print(f"the unpacked binary answered /health/ready 200 on port {port}")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    if code != 0:
        with open(os.path.join(work, "server.log")) as f:
            fail(f"the unpacked binary exited {code} on SIGTERM:\n{f.read()}")


def check_every_option(tree, work):
    """The packaged ini with every commented-out option turned on (at the
    defaults it gives) is accepted: an unknown key or a wrongly typed value
    would stop the start with exit 2."""
    with open(os.path.join(tree, "etc/model_server/model_server.ini")) as f:
        text = re.sub(r"^;([a-z][a-z-]*=)", r"\1", f.read(), flags=re.M)
    turned_on = len(re.findall(r"^[a-z][a-z-]*=", text, re.M))
    path = os.path.join(work, "every-option.ini")
    with open(path, "w") as f:
        f.write(text)
    proc, port, _ = start(os.path.join(tree, "usr/bin/model_server"),
                          ["--config-file=" + path, "--data-dir=" + os.path.join(work, "data2")],
                          os.path.join(work, "every-option.log"))
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=60) != 0:
        fail("the packaged ini with every option turned on: the server did not stop cleanly")
    print(f"the packaged ini with all {turned_on} options turned on is accepted")


def main():
    args = sys.argv[1:]
    t0 = time.monotonic()
    if args[:1] == ["--deb"]:
        deb = os.path.abspath(args[1])
    else:
        deb = run(os.path.join(ROOT, "scripts/package")).strip().splitlines()[-1]
        print(f"built {os.path.basename(deb)} in {time.monotonic() - t0:.1f}s")
    work = tempfile.mkdtemp()
    try:
        tree = os.path.join(work, "root")
        run("dpkg-deb", "-x", deb, tree)
        run("dpkg-deb", "-e", deb, os.path.join(work, "DEBIAN"))
        binary = os.path.join(tree, "usr/bin/model_server")
        version_line = run(binary, "--version").strip()
        m = re.fullmatch(r"model_server (\S+) \(commit (\S+)\)", version_line)
        if not m:
            fail(f"--version printed {version_line!r}")
            return
        arch = run("dpkg", "--print-architecture").strip()
        want_name = f"model-server_{m.group(1)}_{arch}.deb"
        if os.path.basename(deb) != want_name:
            fail(f"package file {os.path.basename(deb)}, expected {want_name}")
        fields = {k: run("dpkg-deb", "-f", deb, k).strip() for k in ("Package", "Version", "Architecture", "Depends")}
        print(f"{os.path.basename(deb)}: {version_line}\nDepends: {fields['Depends']}")
        if fields["Package"] != "model-server" or fields["Version"] != m.group(1) or fields["Architecture"] != arch:
            fail(f"control fields {fields}")
        for path in ("usr/bin/model_server", "etc/model_server/model_server.ini",
                     "lib/systemd/system/model_server.service", "usr/share/doc/model-server/copyright"):
            if not os.path.isfile(os.path.join(tree, path)):
                fail(f"/{path} is not in the package")
        if not os.access(binary, os.X_OK):
            fail("/usr/bin/model_server is not executable")
        with open(os.path.join(work, "DEBIAN/conffiles")) as f:
            if "/etc/model_server/model_server.ini" not in f.read().split():
                fail("the ini is not a conffile")
        with open(os.path.join(work, "DEBIAN/postinst")) as f:
            if not re.search(r"adduser --system\b.*model_server", f.read(), re.S):
                fail("postinst does not create the model_server system user")
        ini = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=(";", "#"))
        ini.read(os.path.join(tree, "etc/model_server/model_server.ini"))
        data_dir = ini.get("global", "data-dir", fallback="").strip('"')
        if data_dir != "/var/lib/model_server":
            fail(f"the packaged ini's data-dir is {data_dir!r}, expected /var/lib/model_server")
        check_unit(os.path.join(tree, "lib/systemd/system/model_server.service"))
        names = depends_names(fields["Depends"])
        if "adduser" not in names:
            fail("Depends does not name adduser (postinst uses it)")
        for soname, package in library_packages(binary).items():
            if package and package not in names:
                fail(f"Depends does not name {package}, which provides {soname}")
        check_runs(tree, work)
        check_every_option(tree, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"package_check: {len(failures)} failure(s) in {time.monotonic() - t0:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
