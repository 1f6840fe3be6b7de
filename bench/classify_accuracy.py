"""Accuracy and speed of the classifier over the labelled set.

Usage:  .venv/bin/python bench/classify_accuracy.py [--dir DIR] [--runs N]

Prints action and category accuracy, the confusion table (expected
category x category got), the forwards and notices of automatic or
unknown-sender mail (must be 0), the customer-language accuracy, every
misclassified message, and the median and 99th-percentile time to parse
and classify one message (after a warm-up pass, over N passes of the set).
The set and its world are tests/decide/labelled/ (tools/make_labelled_set.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from router.categories import AUTO_GENERATED, BUILTIN_CATEGORIES, UNKNOWN_SENDER  # noqa: E402
from router.decide.language import warm_up  # noqa: E402
from tests.decide.labelled.world import HERE, load  # noqa: E402

SHORT = {
    "auto_generated": "auto", "unknown_sender": "unkn", "follow_up": "foll",
    "seller_question": "sell", "invoice": "invc", "customization": "cust", "pre_sale": "pre",
    "amazon_fulfilled": "afn", "not_covered": "ncov", "post_sale_seller_fulfilled": "post",
    "order_unknown": "ounk",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=HERE, help="a labelled set directory")
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the set")
    args = parser.parse_args(argv)

    world = load(args.dir)
    labels = world.labels
    raws = [world.raw(label) for label in labels]
    warm_up()
    decisions = [world.classify(label, raw) for label, raw in zip(labels, raws, strict=True)]

    n = len(labels)
    actions_ok = sum(d.action == lab.action for lab, d in zip(labels, decisions, strict=True))
    cats_ok = sum(d.category == lab.category for lab, d in zip(labels, decisions, strict=True))
    print(f"labelled set: {n} messages in {args.dir}")
    print(f"action accuracy:   {actions_ok}/{n} = {actions_ok / n:.1%}")
    print(f"category accuracy: {cats_ok}/{n} = {cats_ok / n:.1%}")
    judged = [(lab, d) for lab, d in zip(labels, decisions, strict=True) if lab.language]
    lang_ok = sum(d.language == lab.language for lab, d in judged)
    print(f"customer language: {lang_ok}/{len(judged)} = {lang_ok / max(len(judged), 1):.1%}")
    unsafe = [(lab, d) for lab, d in zip(labels, decisions, strict=True)
              if lab.category in (AUTO_GENERATED, UNKNOWN_SENDER)
              and d.action in ("forward", "bounce", "redirect")]
    print(f"forwards/bounces of automatic or unknown-sender mail: {len(unsafe)} (must be 0)")

    cats = [c for c in BUILTIN_CATEGORIES if c in SHORT]
    order = sorted(cats, key=list(SHORT).index)
    extra = sorted({d.category for d in decisions} - set(order))
    columns = order + extra
    table = Counter((lab.category, d.category) for lab, d in zip(labels, decisions, strict=True))
    print("\nconfusion (rows: expected, columns: got)")
    print(f"{'':28}" + "".join(f"{SHORT.get(c, c[:4]):>6}" for c in columns))
    for row in order:
        counts = [table[(row, col)] for col in columns]
        if any(counts):
            print(f"{row:28}" + "".join(f"{c or '.':>6}" for c in counts))

    wrong = [(lab, d) for lab, d in zip(labels, decisions, strict=True)
             if d.category != lab.category or d.action != lab.action]
    if wrong:
        print("\nmisclassified:")
        for lab, d in wrong:
            print(f"  {lab.file}: expected {lab.category}/{lab.action}, got "
                  f"{d.category}/{d.action} by {d.rule}: {d.reason}\n      ({lab.note})")

    times: list[float] = []
    for _ in range(args.runs):
        for label, raw in zip(labels, raws, strict=True):
            start = time.perf_counter()
            world.classify(label, raw)
            times.append(time.perf_counter() - start)
    times.sort()
    median = statistics.median(times) * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"\ntime to parse + classify one message ({len(times)} timings, after a warm-up "
          f"pass): median {median:.2f} ms, p99 {p99:.2f} ms, max {times[-1] * 1000:.2f} ms "
          f"(target: median < 20 ms)")
    return 0 if not unsafe else 1


if __name__ == "__main__":
    raise SystemExit(main())
