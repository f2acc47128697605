"""python -m benchmarks [--sizes 200,1000,5000] [--runs 5]: time, print, record.

Builds the corpora with tests/corpus/generate.py (kept in .cache/bench),
runs every scenario of benchmarks.scenarios on each, prints the table with the
targets, and writes it into benchmarks/results.md between its markers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.report import CorpusResult, document, write_into
from benchmarks.scenarios import DIALECTS, CorpusBench, make_corpus

ROOT = Path(__file__).resolve().parent.parent


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="200,1000,5000", help="corpus sizes, in revisions")
    parser.add_argument("--runs", type=int, default=5, help="runs per command (at least 5)")
    parser.add_argument("--corpora", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results.md", help="where to record"
    )
    parser.add_argument("--no-record", action="store_true", help="print only")
    return parser.parse_args()


def _bench(corpus: Path, runs: int, revisions: int) -> CorpusResult:
    with tempfile.TemporaryDirectory(prefix="sqlgen-bench-") as scratch:
        bench = CorpusBench(corpus, runs, Path(scratch))
        _say(f"{revisions} revisions: warming up")
        bench.warm_up()
        alembic = []
        for dialect in DIALECTS:
            _say(f"{revisions} revisions: alembic {dialect}")
            alembic.append(bench.alembic(dialect))
        sqlgen = []
        for name in ("cold", "no_cache", "warm", "one_edit", "help"):
            _say(f"{revisions} revisions: sqlgen {name.replace('_', ' ')}")
            sqlgen.append(getattr(bench, name)())
    return CorpusResult(revisions, tuple(alembic), tuple(sqlgen))


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def main() -> int:
    args = _arguments()
    if args.runs < 5:
        print("bench: --runs must be at least 5", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for revisions in sizes:
        _say(f"writing the {revisions}-revision corpus")
        corpus = make_corpus(revisions, args.corpora)
        results.append(_bench(corpus, args.runs, revisions))
    lines = document(results)
    print("\n".join(lines))
    if not args.no_record:
        write_into(args.results, lines)
        _say(f"recorded in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
