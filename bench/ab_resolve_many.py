"""resolve_many against one resolve() call per entry, in one process, chunks interleaved.

    flock /tmp/fairdesk-bench.lock uv run --group bench python bench/ab_resolve_many.py \
        --corpus bench/corpus100k.jsonl --rounds 4

The machine's speed swings by a third from one minute to the next, so fresh processes run one
after the other measure the minute as much as the code. Here the ways of reading take turns on
chunks of --chunk distinct entries (each chunk read one way only, the order rotated), in one
process: a swing affects all of them alike. Ways:

  each      one ``resolve`` call per entry (its answer cache cleared before each chunk)
  many      ``resolve_many`` on the chunk (sorted, read once each, the collector paused)
  unsorted  the same, in input order (the share of the sort in the gain)

``many`` and ``unsorted`` count the collector's pass over the chunk's answers that they postpone
(``gc.collect(0)``). Prints entries/s per way and the median and quartiles of the ratio to
``each`` over the rotations; --json writes them.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus100k.jsonl")
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=4, help="shuffles of the corpus")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)

    from fairdesk.areas import resolver
    from fairdesk.areas.resolver import Resolution, _gc_paused, _key, _resolution

    resolver.resolve("北京市")
    with a.corpus.open(encoding="utf-8") as fh:
        corpus = [json.loads(line)["input"] for line in fh if line.strip()]

    def unsorted_many(texts: list[str]) -> list[Resolution]:
        read = resolver._resolve_normalized.__wrapped__
        with _gc_paused():
            return [_resolution(raw, read(_key(raw))) for raw in texts]

    def each(chunk: list[str]) -> None:
        for s in chunk:
            resolver.resolve(s)

    def many(chunk: list[str]) -> None:
        answers = resolver.resolve_many(chunk)
        del answers
        gc.collect(0)

    def unsorted(chunk: list[str]) -> None:
        answers = unsorted_many(chunk)
        del answers
        gc.collect(0)

    ways = {"each": each, "many": many, "unsorted": unsorted}
    names = list(ways)
    seconds = dict.fromkeys(ways, 0.0)
    entries = dict.fromkeys(ways, 0)
    ratios: dict[str, list[float]] = {"many": [], "unsorted": []}
    for rnd in range(a.rounds):
        texts = corpus[:]
        random.Random(rnd).shuffle(texts)
        chunks = [texts[i : i + a.chunk] for i in range(0, len(texts) - a.chunk + 1, a.chunk)]
        for j in range(0, len(chunks) - len(names) + 1, len(names)):
            order = names[j % 3 :] + names[: j % 3]
            rate = {}
            for way, chunk in zip(order, chunks[j : j + 3], strict=True):
                resolver._resolve_normalized.cache_clear()
                gc.collect()
                t = time.perf_counter()
                ways[way](chunk)
                dt = time.perf_counter() - t
                seconds[way] += dt
                entries[way] += len(chunk)
                rate[way] = len(chunk) / dt
            for way in ratios:
                ratios[way].append(rate[way] / rate["each"])
    out = {
        "command": "uv run --group bench python bench/ab_resolve_many.py "
        + " ".join(argv or sys.argv[1:]),
        "per_s": {w: round(entries[w] / seconds[w]) for w in ways},
        "rotations": len(ratios["many"]),
    }
    for way, rs in ratios.items():
        q = statistics.quantiles(rs, n=4)
        out[f"{way}_over_each"] = {
            "median": round(statistics.median(rs), 3),
            "quartiles": [round(q[0], 3), round(q[2], 3)],
            "min_max": [round(min(rs), 3), round(max(rs), 3)],
        }
    print(json.dumps(out, indent=2))
    if a.json:
        a.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
