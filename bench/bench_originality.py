"""Near-duplicate index: redline's persistent winnowing index vs datasketch's MinHashLSH.

Both index the same synthetic notes (~300 characters of Chinese words and punctuation); half of
them are near-copies of the other half with a share of characters replaced (5 % by default).
Every note is inserted, then every note is queried, 1,000 texts per query call, each excluding its
own id (the path `redline corpus check --batch FILE.jsonl` takes):

- recall: a copy's query returns its original;
- false matches: an original's query returns a note other than itself and its own copy;
- insert / query throughput: notes per second, text in → index updated / matches out
  (datasketch: 5-character shingles, `MinHash.bulk`, `insertion_session`, `query`;
  redline: normalisation, fingerprints, on-disk segments with fsync, candidates verified shingle
  by shingle into copied passages with their offsets);
  Times are CPU seconds of the process (`time.process_time`): both engines are single-threaded,
  and on a shared machine CPU time is far steadier than wall-clock time;
- memory per note: bytes held by the index after inserting (tracemalloc, in a separate process
  per engine so timings are not disturbed; redline's memory-mapped note text is on disk and not
  counted, datasketch holds everything on the heap).

Each engine runs in its own subprocess. Usage:

    nice uv run python bench/bench_originality.py --notes 100000
    uv run python bench/bench_originality.py --notes 5000        # quick check
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

WORD_CHARS = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3500))
PUNCT = "，。！？、~ "


def make_notes(count: int, edit_share: float, seed: int) -> tuple[list[str], list[str]]:
    """Ids and texts: originals o0.. and, for each, a copy c0.. with `edit_share` of characters
    replaced by random characters."""
    rng = np.random.default_rng(seed)
    vocabulary = ["".join(rng.choice(list(WORD_CHARS), size=n)) for n in rng.integers(1, 5, size=20000)]
    weights = 1.0 / np.arange(1, len(vocabulary) + 1) ** 0.9  # Zipf-like: common words recur
    weights /= weights.sum()
    originals = count // 2
    ids: list[str] = []
    texts: list[str] = []
    words = rng.choice(len(vocabulary), size=(originals, 130), p=weights)
    for i in range(originals):
        pieces = []
        length = 0
        for w in words[i]:
            pieces.append(vocabulary[w])
            length += len(vocabulary[w])
            if rng.random() < 0.12:
                pieces.append(PUNCT[rng.integers(len(PUNCT))])
                length += 1
            if length >= 300:
                break
        texts.append("".join(pieces))
        ids.append(f"o{i}")
    for i in range(count - originals):
        chars = list(texts[i])
        positions = rng.choice(len(chars), size=max(1, round(len(chars) * edit_share)), replace=False)
        for p in positions:
            chars[p] = WORD_CHARS[rng.integers(len(WORD_CHARS))]
        texts.append("".join(chars))
        ids.append(f"c{i}")
    return ids, texts


def score(ids: list[str], results: list[set[str]]) -> dict:
    copies_found = copies = false_matches = originals = 0
    for note_id, found in zip(ids, results):
        number = note_id[1:]
        if note_id[0] == "c":
            copies += 1
            copies_found += f"o{number}" in found
        else:
            originals += 1
            false_matches += bool(found - {note_id, f"c{number}"})
    return {"recall": copies_found / max(copies, 1), "false_matches": false_matches, "originals": originals}


# ---- engines -----------------------------------------------------------------------------


def run_redline(ids, texts, batch: int, measure_memory: bool) -> dict:
    from redline.originality import IndexParams, query_index
    from redline.originality.index import notes_content
    from redline.policy import default_policy
    from redline.store.corpus import CorpusStore
    from redline.text.normalize import normalizer_for

    policy = default_policy()
    normalizer = normalizer_for(policy)
    accounts = [f"a{i % 5000}" for i in range(len(ids))]
    with tempfile.TemporaryDirectory() as directory:
        if measure_memory:
            tracemalloc.start()
        start, wall = time.process_time(), time.perf_counter()
        store = CorpusStore.open(Path(directory) / "notes", IndexParams.from_policy(policy))
        for i in range(0, len(ids), batch):
            store.add(ids[i : i + batch], accounts[i : i + batch], *notes_content(texts[i : i + batch], normalizer))
        insert_s, insert_wall = time.process_time() - start, time.perf_counter() - wall
        if measure_memory:
            gc.collect()
            memory = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            return {"memory_bytes": memory}
        start, wall = time.process_time(), time.perf_counter()
        found: list[set[str]] = []
        for i in range(0, len(texts), 1000):
            # A note is not "earlier" than itself: each query excludes its own id.
            for result in query_index(store.index, texts[i : i + 1000], policy, exclude_ids=ids[i : i + 1000]):
                found.append({match.note_id for match in result.matches})
        query_s, query_wall = time.process_time() - start, time.perf_counter() - wall
    return {"insert_s": insert_s, "query_s": query_s, "insert_wall": insert_wall, "query_wall": query_wall,
            **score(ids, found)}


def _shingles(text: str, k: int = 5) -> list[bytes]:
    return [text[i : i + k].encode("utf-8") for i in range(max(len(text) - k + 1, 1))]


def run_datasketch(ids, texts, threshold: float, num_perm: int, measure_memory: bool) -> dict:
    from datasketch import MinHash, MinHashLSH

    if measure_memory:  # the index only: signatures are computed before tracing starts
        signatures = MinHash.bulk([_shingles(t) for t in texts], num_perm=num_perm)
        gc.collect()
        tracemalloc.start()
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        with lsh.insertion_session() as session:
            for note_id, signature in zip(ids, signatures):
                session.insert(note_id, signature)
        del signatures
        gc.collect()
        memory = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return {"memory_bytes": memory}
    start, wall = time.process_time(), time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i in range(0, len(texts), 1000):
            chunk = MinHash.bulk([_shingles(t) for t in texts[i : i + 1000]], num_perm=num_perm)
            for note_id, signature in zip(ids[i : i + 1000], chunk):
                session.insert(note_id, signature)
    insert_s, insert_wall = time.process_time() - start, time.perf_counter() - wall
    start, wall = time.process_time(), time.perf_counter()
    found: list[set[str]] = []
    for i in range(0, len(texts), 1000):
        for signature in MinHash.bulk([_shingles(t) for t in texts[i : i + 1000]], num_perm=num_perm):
            found.append(set(lsh.query(signature)))
    query_s, query_wall = time.process_time() - start, time.perf_counter() - wall
    return {"insert_s": insert_s, "query_s": query_s, "insert_wall": insert_wall, "query_wall": query_wall,
            **score(ids, found), "bands": lsh.b, "rows": lsh.r}


# ---- driver ------------------------------------------------------------------------------


def child(args) -> None:
    ids, texts = make_notes(args.notes, args.edit, args.seed)
    if args.engine == "redline":
        result = run_redline(ids, texts, args.batch, args.memory)
    else:
        result = run_datasketch(ids, texts, args.threshold, args.num_perm, args.memory)
    print(json.dumps(result))


def spawn(args, engine: str, memory: bool) -> dict:
    command = [sys.executable, __file__, "--child", "--engine", engine, "--notes", str(args.notes),
               "--edit", str(args.edit), "--seed", str(args.seed), "--batch", str(args.batch),
               "--threshold", str(args.threshold), "--num-perm", str(args.num_perm)]
    if memory:
        command.append("--memory")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--edit", type=float, default=0.05, help="share of characters changed in copies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=10_000, help="redline: notes per add (one segment each)")
    parser.add_argument("--threshold", type=float, default=0.4, help="datasketch MinHashLSH threshold")
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="redline", help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    load_before = os.getloadavg()
    rows = {}
    for engine in ("redline", "datasketch"):
        timed = spawn(args, engine, memory=False)
        timed.update(spawn(args, engine, memory=True))
        rows[engine] = timed
    n = args.notes
    ours, peer = rows["redline"], rows["datasketch"]
    print(f"{n} notes (~300 chars, half near-copies with {args.edit:.0%} of characters changed); "
          f"datasketch MinHashLSH threshold={args.threshold} num_perm={args.num_perm} "
          f"(b={peer['bands']}, r={peer['rows']})\n")
    header = f"{'':24}{'redline':>12}{'datasketch':>14}{'ratio':>10}"
    print(header)
    print("-" * len(header))
    for label, key in (("insert notes/s (CPU)", "insert_s"), ("query notes/s (CPU)", "query_s"),
                       ("insert notes/s (wall)", "insert_wall"), ("query notes/s (wall)", "query_wall")):
        a, b = n / ours[key], n / peer[key]
        print(f"{label:24}{a:>12,.0f}{b:>14,.0f}{a / b:>9.1f}×")
    a, b = ours["memory_bytes"] / n, peer["memory_bytes"] / n
    print(f"{'memory bytes/note':24}{a:>12,.0f}{b:>14,.0f}{a / b:>9.2f}×")
    print(f"{'recall on copies':24}{ours['recall']:>12.4f}{peer['recall']:>14.4f}")
    print(f"{'false matches':24}{ours['false_matches']:>12}{peer['false_matches']:>14}"
          f"   (of {ours['originals']} originals)")
    print(f"\nload average (1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
