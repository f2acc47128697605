"""python -m tests.realworld [--project NAME]... [--jobs N] [--no-verify] [--no-timing]

Runs the real-world suite (tests/realworld/suite.py), saves the results as JSON in the
cache folder (or --results) and writes the Markdown report (benchmarks/realworld.md,
or --report). Exit code 0 whatever sqlgen did: the tests in test_realworld.py judge
the results; 1 only when a project could not be fetched.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.realworld.projects import REPO
from tests.realworld.report import write_report
from tests.realworld.suite import default_plan, default_results_path, run_suite, save


def _say(text: str) -> None:
    print(f"realworld: {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.realworld", description=__doc__)
    parser.add_argument("--project", action="append", default=[], help="only this project")
    parser.add_argument("--jobs", type=int, default=2, help="ranges run at once (default 2)")
    parser.add_argument("--no-verify", action="store_true", help="skip sqlgen verify")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing runs")
    parser.add_argument("--results", type=Path, default=None, help="results JSON path")
    parser.add_argument(
        "--report", type=Path, default=REPO / "benchmarks" / "realworld.md", help="Markdown"
    )
    parser.add_argument("--no-report", action="store_true", help="do not write the report")
    args = parser.parse_args(argv)
    plan = default_plan(args.project, args.jobs, not args.no_verify, not args.no_timing, say=_say)
    results = run_suite(plan)
    path = args.results or default_results_path()
    save(results, path)
    _say(f"results in {path} ({results.seconds:.0f} s)")
    if not args.no_report:
        write_report(results, args.report)
        _say(f"report in {args.report}")
    return 1 if results.fetch_errors else 0


if __name__ == "__main__":
    sys.exit(main())
