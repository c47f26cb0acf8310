#!/usr/bin/python3
"""The docs tell the truth. Fails (exit 1, one line per problem) when:
  - README.md is longer than README_MAX_LINES lines;
  - README.md or a docs/*.md names a repository file or folder (a path such
    as scripts/x, http/..., docs/...) that does not exist;
  - docs/configuration.md or packaging/model_server.ini is not what
    scripts/gen-config-doc writes from `model_server --help` (an option
    missing, or a changed default or meaning);
  - an installed route is missing from the OpenAPI document (the http_tests
    case "openapi: every installed route is described...").

  docs_check.py --binary BUILD/model_server --http-tests BUILD/tests/http_tests
"""
import argparse
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Strict: the README is a two-minute read. Longer material belongs in docs/.
README_MAX_LINES = 200
# Top-level folders of the repository whose paths the docs may name.
FOLDERS = ("actors", "cmake", "docs", "http", "model", "packaging", "scripts", "tests")
PATH = re.compile(r"(?<![\w/.:-])((?:%s)/[A-Za-z0-9_./*{}<>…-]*)" % "|".join(FOLDERS))
failures = []


def fail(text):
    failures.append(text)
    print("FAIL:", text)


def exists(path):
    """A named file or folder; a module may be named without its extension
    (`model/cluster` for model/cluster.hpp and .cpp)."""
    full = os.path.join(ROOT, path)
    return os.path.exists(full) or any(os.path.exists(full + ext) for ext in (".hpp", ".cpp", ".py", ".md"))


def check_paths(doc):
    with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, line in enumerate(lines, 1):
        for m in PATH.finditer(line):
            path = m.group(1).rstrip(".,:;")
            if any(c in path for c in "*{}<>…"):
                continue  # a pattern or a placeholder, not a file
            if not exists(path.rstrip("/")):
                fail(f"{doc}:{n}: names {path}, which is not in the repository")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", required=True)
    p.add_argument("--http-tests", required=True)
    args = p.parse_args()
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme_lines = len(f.read().splitlines())
    if readme_lines > README_MAX_LINES:
        fail(f"README.md has {readme_lines} lines; at most {README_MAX_LINES} (move detail to docs/)")
    docs = ["README.md"] + sorted(os.path.relpath(d, ROOT) for d in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    for doc in docs:
        check_paths(doc)
    gen = subprocess.run([os.path.join(ROOT, "scripts", "gen-config-doc"), "--check", args.binary],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if gen.returncode != 0:
        fail("generated files are stale: " + gen.stdout.strip())
    routes = subprocess.run([args.http_tests, "--test-case=openapi: every installed route*"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if routes.returncode != 0 or "1 passed" not in routes.stdout:
        fail("a route is missing from the OpenAPI document (or the check did not run):\n" + routes.stdout[-3000:])
    print(f"docs_check: {len(docs)} documents, README {readme_lines} lines; {len(failures)} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
