"""The resolver against a seeded slice of the labelled benchmark corpus (bench/make_corpus.py).

The full corpus (24,200 entries) and the speed figures are in bench/ and docs/benchmarks.md; this
keeps a small, fast slice of it in the test suite so a change to the resolver that breaks one of
the written forms fails here, not only in the benchmark.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fairdesk.areas.resolver import MAX_CANDIDATES, resolve

# every test here runs with the compiled reader (when it is built) and the pure-Python one
pytestmark = pytest.mark.usefixtures("both_readers")

MAKE_CORPUS = Path(__file__).resolve().parents[4] / "bench" / "make_corpus.py"
Corpus = tuple[ModuleType, list[dict[str, Any]]]  # bench/make_corpus.py and its entries


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    spec = importlib.util.spec_from_file_location("make_corpus", MAKE_CORPUS)
    assert spec is not None and spec.loader is not None, MAKE_CORPUS
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = mod
    spec.loader.exec_module(mod)
    return mod, mod.generate(seed=20260101, scale=0.05)


def test_the_slice_has_every_form(corpus: Corpus) -> None:
    mc, entries = corpus
    forms = Counter(e["form"] for e in entries)
    assert set(forms) == set(mc.QUOTAS)
    statuses = Counter(e["expect_status"] for e in entries)
    assert {"resolved", "ambiguous", "retired", "not_found"} <= set(statuses)
    assert len(entries) >= 1000


def test_accuracy_on_the_slice(corpus: Corpus) -> None:
    mc, entries = corpus
    failures = []
    for e in entries:
        r = resolve(e["input"])
        cands = [c.code for c in r.candidates]
        ok = mc.is_correct(e, r.status, r.code, cands) or (
            e["expect_status"] == "ambiguous"
            and r.status == "ambiguous"
            and len(cands) >= MAX_CANDIDATES
            and set(cands) <= set(e["expect_candidates"])
        )
        if not ok:
            failures.append(
                (e["input"], e["expect_status"], e.get("expect_code"), r.status, r.code)
            )
    assert len(failures) / len(entries) <= 0.001, failures[:20]


def test_no_resolved_answer_on_the_ambiguous_part(
    corpus: Corpus,
) -> None:
    _, entries = corpus
    wrong = [
        e["input"]
        for e in entries
        if e["expect_status"] == "ambiguous" and resolve(e["input"]).status == "resolved"
    ]
    assert wrong == []


def test_resolve_many_gives_each_text_the_answer_of_resolve(
    corpus: Corpus,
) -> None:
    """The batch reads the texts in another order and past the answer cache: same answers,
    in the input order, repeats and raw inputs kept."""
    from fairdesk.areas import resolver
    from fairdesk.areas.resolver import resolve_many

    _, entries = corpus
    texts = [e["input"] for e in entries]
    texts += [f" {texts[0]} ", texts[1], texts[1], "", "  ", "x" * 500, texts[2] + "。" * 300]
    texts.reverse()
    resolver._resolve_normalized.cache_clear()
    many = resolve_many(texts)
    # the answer cache of resolve() is neither used nor filled
    assert resolver._resolve_normalized.cache_info().currsize == 0
    assert len(many) == len(texts)
    for text, got in zip(texts, many, strict=True):
        assert got == resolve(text), text
    assert resolve_many([]) == []
    assert resolve_many(iter(["北京市"]))[0].code == "110000"  # any iterable
