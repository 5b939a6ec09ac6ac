#!/usr/bin/env python3
"""Choose the small corpus that is checked in to fuzz/corpus/<target>/.

`cargo fuzz cmin` keeps every input that adds a feature, which for these targets is still
hundreds to thousands of files. This keeps at most --max-files files (and --max-bytes bytes)
that cover as many edges as it can, greedily:

1. the pinned inputs (named seed-* or regression-*) are always kept;
2. libFuzzer's merge (with -use_counters=0, so a feature is an edge) runs over the pinned
   inputs first and the candidates after, and tells which candidate adds how many edges;
3. the best half of the remaining budget is taken, and step 2 runs again against what is
   kept, until the budget is spent or no candidate adds an edge.

Usage, from fuzz/ (after `cargo fuzz build`):
    python3 trim_corpus.py TARGET CANDIDATE_DIR... [--max-files 200] [--max-bytes 1048576]
The candidates are the current fuzz/corpus/TARGET plus the given directories (e.g. the
scratch corpus a long run grew in fuzz/work/TARGET). Chosen inputs are written under their
SHA-1, as libFuzzer names them; other unpinned files in fuzz/corpus/TARGET are removed.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "target", "x86_64-unknown-linux-gnu", "release")


def pinned(name):
    return name.startswith("seed-") or name.startswith("regression-")


def new_edges(binary, kept, candidates, scratch):
    """Edges each candidate adds to `kept` (candidates are run smallest first)."""
    out = os.path.join(scratch, "kept")
    cand = os.path.join(scratch, "cand")
    for d in (out, cand):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for name, data in kept.items():
        open(os.path.join(out, name), "wb").write(data)
    for name, data in candidates.items():
        open(os.path.join(cand, name), "wb").write(data)
    control = os.path.join(scratch, "control")
    if os.path.exists(control):
        os.remove(control)
    subprocess.run(
        [binary, "-merge=1", "-use_counters=0", f"-merge_control_file={control}", out, cand],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = open(control).read().splitlines()
    count = int(lines[0])
    paths = lines[2 : 2 + count]
    gained = {}
    total = 0
    for line in lines[2 + count :]:
        if line.startswith("FT "):
            parts = line.split()
            n = len(parts) - 2
            total += n
            path = paths[int(parts[1])]
            if os.path.dirname(path) == cand:
                gained[os.path.basename(path)] = n
    return gained, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("candidates", nargs="*")
    ap.add_argument("--max-files", type=int, default=200)
    ap.add_argument("--max-bytes", type=int, default=1 << 20)
    args = ap.parse_args()

    binary = os.path.join(BIN, args.target)
    corpus = os.path.join(HERE, "corpus", args.target)
    kept, pool = {}, {}
    for d in [corpus] + args.candidates:
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if not os.path.isfile(path):
                continue
            data = open(path, "rb").read()
            if d == corpus and pinned(name):
                kept[name] = data
            else:
                pool[hashlib.sha1(data).hexdigest()] = data
    pinned_hashes = {hashlib.sha1(v).hexdigest() for v in kept.values()}
    pool = {k: v for k, v in pool.items() if k not in pinned_hashes}

    with tempfile.TemporaryDirectory() as scratch:
        _, everything = new_edges(binary, {}, pool | kept, scratch)
        while True:
            files_left = args.max_files - len(kept)
            bytes_left = args.max_bytes - sum(len(v) for v in kept.values())
            if files_left <= 0 or not pool:
                break
            gained, _ = new_edges(binary, kept, pool, scratch)
            best = sorted(
                (name for name, n in gained.items() if n > 0),
                key=lambda name: (-gained[name], len(pool[name])),
            )
            if not best:
                break
            take = max(1, (files_left + 1) // 2)
            added = 0
            for name in best:
                if added == take or len(pool[name]) > bytes_left:
                    continue
                kept[name] = pool.pop(name)
                bytes_left -= len(kept[name])
                added += 1
            if added == 0:
                break
        _, covered = new_edges(binary, kept, {}, scratch)

    for name in os.listdir(corpus):
        if not pinned(name):
            os.remove(os.path.join(corpus, name))
    for name, data in kept.items():
        path = os.path.join(corpus, name)
        if not os.path.exists(path):
            open(path, "wb").write(data)
    size = sum(len(v) for v in kept.values())
    print(
        f"{args.target}: kept {len(kept)} files, {size} bytes, "
        f"covering {covered} of the {everything} edges all candidates reach"
    )


if __name__ == "__main__":
    sys.exit(main())
