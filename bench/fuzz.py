"""Fuzz every parser entry point for a while and print what was found.

The targets are tests/fuzz/targets.py (the test suite runs each briefly,
derandomized); here each runs with fresh random seeds in batches until its
share of the time is used.  A failure is shrunk by Hypothesis to a small
input, printed with the exception, and makes the exit status 1: add it to
tests/fuzz/test_findings.py as a regression test and record it in
docs/fuzzing.md.

    .venv/bin/python bench/fuzz.py --seconds 600            # all targets
    .venv/bin/python bench/fuzz.py --seconds 120 --target parse --target html
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.fuzz.targets import TARGETS, Target, corpus_files  # noqa: E402

BATCH = 200  # examples per Hypothesis run; runs repeat until the time is used


def fuzz(target: Target, seconds: float) -> tuple[int, int, list[str]]:
    """(examples run, batches, failures found) for `target` within `seconds`."""
    count = 0
    found: list[str] = []
    batches = 0
    end = time.monotonic() + seconds

    def check(value: Any) -> None:
        nonlocal count
        count += 1
        target.check(value)

    while time.monotonic() < end:
        batches += 1

        @settings(max_examples=BATCH, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), print_blob=True)
        @given(target.strategy())
        def run(value: Any) -> None:
            check(value)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - a finding, printed below
            notes = "\n".join(getattr(exc, "__notes__", []))
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            report = f"{text}\n{notes}".strip()
            if report not in found:
                found.append(report)
    return count, batches, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300,
                        help="total time, shared evenly by the targets (default 300)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS),
                        help="fuzz only this target (repeatable); default: all")
    args = parser.parse_args()
    names = args.target or sorted(TARGETS)
    share = args.seconds / len(names)
    print(f"fuzzing {', '.join(names)}: {share:.0f} s each; seeds: {len(corpus_files())} "
          f"corpus files (../shared/corpora) and the labelled set", flush=True)
    failures = 0
    for name in names:
        target = TARGETS[name]
        start = time.monotonic()
        count, batches, found = fuzz(target, share)
        took = time.monotonic() - start
        print(f"{name:15s} {count:7d} examples in {batches:4d} runs, {took:6.0f} s: "
              f"{len(found)} found  ({target.what})", flush=True)
        for report in found:
            failures += 1
            print("  FOUND " + report.replace("\n", "\n        "), flush=True)
    print(f"{failures} finding(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
