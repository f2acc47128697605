"""benchmarks/realworld.md from the suite's results."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tests.realworld.limits import KINDS, Limit, explaining, load_limits
from tests.realworld.suite import DIRECTIONS, MODES, RangeResult, Results

WARM_TARGET = 0.1  # the timing's target: warm run time / cold run time


PASS_TARGET = 0.85  # share of all ranges sqlgen --data-reads=empty must complete


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(r: RangeResult) -> str:
    for mode in MODES:
        found = r.compared.get(mode)
        if found is None:
            continue
        note = "" if mode == "strict" else " (empty mode)"
        if found.same:
            used = ", ".join(f"{k} x{v}" for k, v in sorted(found.applied.items()))
            return f"yes{note}" + (f"; allowed: {used}" if used else "")
        return f"**no**{note}: {found.differing_steps} of {found.steps} steps differ"
    return "—"


_REVISION = re.compile(r"^\[[^\]]*\]\s*revision\s+\S+\s+\([^)]*\)\s*")
_HEX = re.compile(r"\b[0-9a-f]{12}\b")


_PATH = re.compile(r"\(/\S*/([^/\s]+\.py)(:\d+)?\)")
_GROUPING = [
    (re.compile(r"\((?:SELECT|WITH|UPDATE|INSERT|DELETE)\b.*?\)(?=[;:,]| saw| AS)"), "(<query>)"),
    (re.compile(r"\b(table|column|index|constraint)s? [`'\"]?[\w.]+[`'\"]?"), r"\1 <name>"),
    (re.compile(r"(NoSuchTableError|NoSuchColumnError|KeyError): \S+"), r"\1: <name>"),
    (re.compile(r"\(revision <rev>, line \d+\)"), ""),
    (re.compile(r"\(<query>\)( AS \w+ FROM \(<query>\))?"), "(<query>)"),
    (re.compile(r" saw no rows: .*"), " saw no rows"),
    (re.compile(r"line \d+"), "line <n>"),
    (re.compile(r"; so \d+ revision\(s\).*"), "; so later revisions could not be rendered"),
    (re.compile(r":\w+ with no value"), ":<param> with no value"),
    (re.compile(r"OVERRIDES/\S+"), "OVERRIDES/<file>"),
    (
        re.compile(
            r"failed: (NotImplementedError: .*(?:[Dd]owngrade|reversible).*"
            r"|Exception: Base revision, no downgrade is possible)"
        ),
        "failed: the migration's downgrade raises on purpose (NotImplementedError or similar)",
    ),
]


def short(reason: str) -> str:
    """An error line with the migration's folder left out of its path."""
    return _PATH.sub(lambda m: f"({m.group(1)}{m.group(2) or ''})", reason)


def cause(reason: str) -> str:
    """An error line without its dialect, revision, file, line and names: its cause."""
    text = _REVISION.sub("", reason)
    text = _HEX.sub("<rev>", text)
    for pattern, replacement in _GROUPING:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())[:200]


def limits_of(r: RangeResult, limits: list[Limit]) -> list[Limit]:
    """The reviewed limits that explain why empty mode does not complete `r`."""
    empty = r.sqlgen["empty"]
    if empty.ok:
        return []
    return explaining(limits, r.project, r.dialect, r.direction, empty.errors or [empty.reason])


def _reasons(r: RangeResult, limits: list[Limit]) -> str:
    parts = [f"**{lim.kind}** (`{lim.id}`)" for lim in limits_of(r, limits)]
    if not r.alembic.ok:
        parts.append(f"alembic: {r.alembic.reason[:200]}")
    for mode in MODES:
        outcome = r.sqlgen[mode]
        if not outcome.ok:
            more = f" (+{len(outcome.errors) - 1} more)" if len(outcome.errors) > 1 else ""
            parts.append(f"sqlgen {mode}: {short(outcome.reason)}{more}")
    for mode in MODES:
        found = r.compared.get(mode)
        if found is not None and not found.same:
            parts.append(f"tokens ({mode}): {found.first}")
    return _cell("; ".join(parts), 600) if parts else ""


def totals(results: Results) -> dict[str, int]:
    ranges = results.ranges
    return {
        "ranges": len(ranges),
        "alembic": sum(r.alembic.ok for r in ranges),
        "strict": sum(r.sqlgen["strict"].ok for r in ranges),
        "empty": sum(r.sqlgen["empty"].ok for r in ranges),
        "alembic_only": sum(r.alembic.ok and not r.sqlgen["strict"].ok for r in ranges),
        "same": sum(
            r.alembic.ok and r.sqlgen["strict"].ok and r.compared["strict"].same
            for r in ranges
            if "strict" in r.compared
        ),
        "differ": sum(
            1 for r in ranges if "strict" in r.compared and not r.compared["strict"].same
        ),
    }


def document(results: Results) -> list[str]:
    t = totals(results)
    n = t["ranges"] or 1
    limits = load_limits()
    kinds: Counter[str] = Counter()
    for r in results.ranges:
        if not r.sqlgen["empty"].ok:
            found = limits_of(r, limits)
            kinds[found[0].kind if found else "no reviewed reason"] += 1
    why = ", ".join(f"{kind} {kinds[kind]}" for kind in (*KINDS, "no reviewed reason"))
    lines = [
        "# Real-world suite: sqlgen against `alembic --sql` on public migration histories",
        "",
        "Generated by `make realworld` (`python -m tests.realworld`); do not edit by hand.",
        f"Run {results.started}, {results.seconds:.0f} s; sqlgen {results.sqlgen_version}, "
        f"Alembic {results.alembic_version}, SQLAlchemy {results.sqlalchemy_version}, "
        f"Python {results.python}. Projects and pins: tests/realworld/projects.toml; "
        "harnesses and stand-ins: tests/realworld/.",
        "",
        "## Totals",
        "",
        f"- ranges (project, dialect, direction): **{t['ranges']}**",
        f"- `alembic --sql` completes: **{t['alembic']}** ({100 * t['alembic'] / n:.0f}%)",
        f"- sqlgen (strict) completes: **{t['strict']}** ({100 * t['strict'] / n:.0f}%)",
        f"- sqlgen `--data-reads=empty` completes: **{t['empty']}** "
        f"({100 * t['empty'] / n:.0f}%; target ≥ {100 * PASS_TARGET:.0f}%)",
        f"- not completed with `--data-reads=empty`: **{n - t['empty']}**: {why} "
        "(tests/realworld/limits.toml; see *Why the rest cannot be done*)",
        f"- ranges Alembic completes and sqlgen (strict) does not: **{t['alembic_only']}**",
        f"- ranges both complete, with the same tokens: **{t['same']}**; "
        f"with different tokens: **{t['differ']}**",
    ]
    for name, error in sorted(results.fetch_errors.items()):
        lines.append(f"- {name}: **could not be fetched**: {_cell(error)}")
    lines += [
        "",
        "## Ranges",
        "",
        "`upgrade` is `base:heads`, `downgrade` is `heads:base`. *Same tokens* compares "
        "sqlgen strict with Alembic (or empty mode, where strict did not complete), "
        "statement by statement; *verify* is `sqlgen verify base:heads` (both directions).",
        "",
        "| project | version | dialect | direction | alembic | sqlgen strict | sqlgen empty "
        "| same tokens | verify | why not |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results.ranges:
        lines.append(
            f"| {r.project} | {r.version} | {r.dialect} | {r.direction} | {_yes(r.alembic.ok)} "
            f"| {_yes(r.sqlgen['strict'].ok)} | {_yes(r.sqlgen['empty'].ok)} | {_cell(_same(r))} "
            f"| {_cell(short(r.verify) or '—', 200)} | {_reasons(r, limits)} |"
        )
    lines += _limits(results, limits)
    lines += _causes(results)
    lines += _timings(results)
    if results.allowances:
        lines += ["", "## Differences accepted as sqlgen being right", ""]
        lines += [f"- `{k}`: {v}" for k, v in sorted(results.allowances.items())]
        lines.append("")
        lines.append("(tests/realworld/differences.toml says where each applies.)")
    lines.append("")
    return lines


def _limits(results: Results, limits: list[Limit]) -> list[str]:
    lines = [
        "",
        "## Why the rest cannot be done",
        "",
        "Reviewed reasons (tests/realworld/limits.toml); each explains a range only while one "
        "of its failures says so.",
        "",
        "| reason | kind | ranges | why |",
        "| --- | --- | --- | --- |",
    ]
    for lim in limits:
        used = [
            f"{r.project} {r.dialect} {r.direction}"
            for r in results.ranges
            if lim in limits_of(r, limits)
        ]
        lines.append(f"| `{lim.id}` | {lim.kind} | {', '.join(used) or '—'} | {lim.reason} |")
    return lines


def _causes(results: Results) -> list[str]:
    lines = ["", "## Why sqlgen does not complete: causes, by number of failing revisions", ""]
    for mode in MODES:
        counter: Counter[str] = Counter()
        ranges: dict[str, set[str]] = {}
        for r in results.ranges:
            outcome = r.sqlgen[mode]
            if outcome.ok:
                continue
            for error in outcome.errors or [outcome.reason]:
                key = cause(error)
                counter[key] += 1
                ranges.setdefault(key, set()).add(f"{r.project}/{r.dialect}/{r.direction}")
        lines.append(f"### sqlgen {mode}")
        lines.append("")
        if not counter:
            lines += ["every range completes", ""]
            continue
        lines += ["| failing revisions | ranges | cause |", "| --- | --- | --- |"]
        for key, count in counter.most_common(25):
            lines.append(f"| {count} | {len(ranges[key])} | {_cell(key)} |")
        lines.append("")
    return lines


def _seconds(value: float, ok: bool) -> str:
    return f"{value:.2f}" + ("" if ok else " (failed)")


def _timings(results: Results) -> list[str]:
    if not results.timings:
        return []
    lines = [
        "## Timing",
        "",
        "Wall time of one process each, run one at a time. Alembic: `upgrade base:heads "
        "--sql` per dialect. sqlgen: `upgrade base:heads --data-reads=empty` with every "
        "dialect of the project in one run, writing files; cold with an empty "
        "`--cache-dir`, warm the same command again (target: warm at most 0.1 of cold; "
        "a warm run is mostly the interpreter starting and sqlgen's imports, so the "
        "ratio rises as cold runs get faster).",
        "",
        "| project | revisions | alembic per dialect (s) | alembic total (s) | sqlgen cold (s) "
        "| sqlgen warm (s) | warm / cold |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in results.timings:
        per = ", ".join(f"{d} {_seconds(o.seconds, o.ok)}" for d, o in t.alembic.items())
        total = sum(o.seconds for o in t.alembic.values())
        ratio = t.warm.seconds / t.cold.seconds if t.cold.seconds else 0.0
        lines.append(
            f"| {t.project} {t.version} | {t.revisions} | {per} | {total:.2f} "
            f"| {_seconds(t.cold.seconds, t.cold.ok)} | {_seconds(t.warm.seconds, t.warm.ok)} "
            f"| {ratio:.2f}{' (over target)' if ratio > WARM_TARGET else ''} |"
        )
    lines.append("")
    return lines


def write_report(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(document(results)), encoding="utf-8")


__all__ = ["DIRECTIONS", "cause", "document", "totals", "write_report"]
