"""NAB's scoring rules (the Numenta Anomaly Benchmark), as published.

Pure functions, no I/O beyond reading a corpus folder: `score_file` scores one
file's detections, `score_corpus` normalises a corpus so that never detecting
scores 0 and a perfect detector 100. The rules (the corpus README restates
them): a probation period whose detections count for nothing; a scaled sigmoid
that pays the earliest detection in a window most; a missed window costs A_FN;
every detection outside windows costs up to A_FP, less just after a window.
"""
import csv
import json
import math
import os

PROFILES = {
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0},
    "reward_low_FP": {"tp": 1.0, "fp": 0.22, "fn": 1.0},
    "reward_low_FN": {"tp": 1.0, "fp": 0.11, "fn": 2.0},
}


def sigmoid(x):
    """The scaled sigmoid: 2 / (1 + e^(5x)) - 1, and -1 beyond x = 3."""
    if x > 3:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_rows(n):
    return min(n * 15 // 100, 750)


def score_file(n, windows, detections, profile):
    """Scores one file of `n` rows. `windows`: (a, b) row indices, inclusive,
    in order; `detections`: row indices where the detector fired. Returns
    (raw score, number of scored windows)."""
    w = PROFILES[profile]
    p = probation_rows(n)
    scored = [(a, b) for a, b in windows if b >= p]
    hits = sorted(i for i in set(detections) if p <= i < n)
    total = 0.0
    for a, b in scored:
        inside = [i for i in hits if a <= i <= b]
        if inside:
            width = b - a + 1
            total += sigmoid(-(b - inside[0] + 1) / width) * w["tp"] / sigmoid(-1.0)
        else:
            total -= w["fn"]
    for i in hits:
        if any(a <= i <= b for a, b in scored):
            continue
        before = [(a, b) for a, b in scored if b < i]
        if not before:
            total -= w["fp"]
            continue
        a, b = before[-1]
        width = b - a + 1
        x = (i - b) / (width - 1) if width > 1 else math.inf
        total += sigmoid(x) * w["fp"]
    return total, len(scored)


def normalise(raw, windows, profile):
    w = PROFILES[profile]
    null, perfect = -windows * w["fn"], windows * w["tp"]
    return 100.0 * (raw - null) / (perfect - null)


def score_corpus(files, profile):
    """`files`: {name: (n, windows, detections)}. Returns the normalised score."""
    raw, count = 0.0, 0
    for n, windows, detections in files.values():
        r, c = score_file(n, windows, detections, profile)
        raw += r
        count += c
    return normalise(raw, count, profile)


def read_corpus(folder):
    """{name: (timestamps as text, values, windows as row pairs)} for every
    labelled file under `folder` (NAB's layout: data/<category>/<file>.csv and
    labels/combined_windows.json)."""
    with open(os.path.join(folder, "labels", "combined_windows.json")) as f:
        labels = json.load(f)
    corpus = {}
    for name in sorted(labels):
        path = os.path.join(folder, "data", name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        stamps = [r["timestamp"] for r in rows]
        values = [float(r["value"]) for r in rows]
        row_of = {}
        for i, t in enumerate(stamps):
            row_of.setdefault(t, i)
        windows = []
        for start, end in labels[name]:
            a = row_of[start.split(".")[0]]
            b = max(i for i, t in enumerate(stamps) if t == end.split(".")[0])
            windows.append((a, b))
        corpus[name] = (stamps, values, windows)
    return corpus
