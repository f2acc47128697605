"""Revision-graph tests on in-memory revisions (no files).

Graphs used below (ids are chosen so that 4-character prefixes are unique,
except where a test needs an ambiguous prefix):

    linear    aaa111 -> bbb222 -> ccc333 -> ddd444
    branches  r00001 -> r00002 -> aa0003 (label alpha) -> aa0004
                                -> bb0003 (label beta)  -> bb0004
    merge     root01 -> fork02 -> left03 -> merge4 (down_revision=(left03, rght03)) -> after5
                                -> rght03 -/
    merge_rev the same, but merge4 declares down_revision=(rght03, left03)
    depends   usr001 (label users)  -> usr002
              ord001 (label orders) -> ord002 (depends_on usr002) -> ord003
    roots     xxx001 (label xb) -> xxx002
              yyy001 (label yb) -> yyy002

Alembic's RevisionMap mutates the Revision objects it is given, so every graph
is built from fresh objects (`make(name)`), and the Alembic oracle below gets
its own copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.runtime.migration import HeadMaintainer, RevisionStep
from alembic.script.revision import Revision, RevisionMap

from sqlgen.errors import (
    AmbiguousRevision,
    EmptyRange,
    InvalidRange,
    MultipleHeadsError,
    ReversedRange,
    RevisionCycle,
    UnknownRevision,
)
from sqlgen.project.graph import Plan, PlannedStep, RevisionGraph, VersionChange

REPO = Path(__file__).resolve().parents[1]


# --- graphs ---------------------------------------------------------------------------------


def rev(
    revision: str,
    down: str | tuple[str, ...] | None = None,
    deps: str | tuple[str, ...] | None = None,
    labels: str | tuple[str, ...] | None = None,
) -> Revision:
    return Revision(revision, down, dependencies=deps, branch_labels=labels)


GRAPHS: dict[str, Callable[[], list[Revision]]] = {
    "linear": lambda: [
        rev("aaa111"),
        rev("bbb222", "aaa111"),
        rev("ccc333", "bbb222"),
        rev("ddd444", "ccc333"),
    ],
    "branches": lambda: [
        rev("r00001"),
        rev("r00002", "r00001"),
        rev("aa0003", "r00002", labels="alpha"),
        rev("aa0004", "aa0003"),
        rev("bb0003", "r00002", labels="beta"),
        rev("bb0004", "bb0003"),
    ],
    "merge": lambda: [
        rev("root01"),
        rev("fork02", "root01"),
        rev("left03", "fork02"),
        rev("rght03", "fork02"),
        rev("merge4", ("left03", "rght03")),
        rev("after5", "merge4"),
    ],
    "merge_rev": lambda: [
        rev("root01"),
        rev("fork02", "root01"),
        rev("left03", "fork02"),
        rev("rght03", "fork02"),
        rev("merge4", ("rght03", "left03")),
        rev("after5", "merge4"),
    ],
    "depends": lambda: [
        rev("usr001", labels="users"),
        rev("usr002", "usr001"),
        rev("ord001", labels="orders"),
        rev("ord002", "ord001", deps="usr002"),
        rev("ord003", "ord002"),
    ],
    "roots": lambda: [
        rev("xxx001", labels="xb"),
        rev("xxx002", "xxx001"),
        rev("yyy001", labels="yb"),
        rev("yyy002", "yyy001"),
    ],
}


def make(name: str) -> RevisionGraph:
    return RevisionGraph(GRAPHS[name]())


def ids(revisions: Sequence[Revision]) -> list[str]:
    return [r.revision for r in revisions]


def fmt(change: VersionChange) -> str:
    """A version-table change as `ins X`, `del X` or `upd X>Y`."""
    if change.kind == "insert":
        assert change.old is None
        return f"ins {change.new}"
    if change.kind == "delete":
        assert change.new is None
        return f"del {change.old}"
    assert change.kind == "update"
    return f"upd {change.old}>{change.new}"


def described(plan: Plan) -> list[str]:
    """Each step as `REV: change, change`."""
    return [
        f"{step.revision.revision}: {', '.join(fmt(c) for c in step.version_changes)}"
        for step in plan.steps
    ]


def replay(plan: Plan) -> set[str]:
    """Apply the plan's version changes to a table holding `plan.start`."""
    rows = set(plan.start)
    for step in plan.steps:
        for change in step.version_changes:
            if change.kind == "insert":
                assert change.new not in rows
                rows.add(change.new)
            elif change.kind == "delete":
                rows.remove(change.old)
            else:
                assert change.new not in rows
                rows.remove(change.old)
                rows.add(change.new)
    return rows


# --- Alembic as the oracle ------------------------------------------------------------------


class RecordingHeadMaintainer(HeadMaintainer):
    """Alembic's own HeadMaintainer.update_to_step, recording rows instead of running SQL."""

    def __init__(self, heads: Sequence[str]) -> None:
        super().__init__(context=None, heads=heads)  # type: ignore[arg-type]
        self.log: list[str] = []

    def _insert_version(self, version: str) -> None:
        assert version not in self.heads
        self.heads.add(version)
        self.log.append(f"ins {version}")

    def _delete_version(self, version: str) -> None:
        self.heads.remove(version)
        self.log.append(f"del {version}")

    def _update_version(self, from_: str, to_: str) -> None:
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)
        self.log.append(f"upd {from_}>{to_}")


def alembic_map(name: str) -> RevisionMap:
    revisions = GRAPHS[name]()
    for revision in revisions:
        # RevisionStep reads module.upgrade/downgrade; planning needs no code
        revision.module = SimpleNamespace(upgrade=None, downgrade=None)  # type: ignore[attr-defined]
    return RevisionMap(lambda: revisions)


def alembic_answer(
    name: str, direction: str, spec: str
) -> tuple[tuple[str, ...], list[str], list[set[str]], list[list[str]]]:
    """What Alembic does for the range: (current heads, step order, rows after each step, log).

    The step order is what ScriptDirectory._upgrade_revs / _downgrade_revs compute, with the
    left side of the range playing the part of the database's current heads.
    """
    revision_map = alembic_map(name)
    if ":" in spec:
        left, right = spec.split(":")
    else:
        left, right = ("base" if direction == "upgrade" else "heads"), spec
    current: list[str] = []
    for part in left.split(","):
        for found in revision_map.get_revisions(part):
            if found is not None and found.revision not in current:
                current.append(found.revision)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if direction == "upgrade":
            found_revs = revision_map.iterate_revisions(right, tuple(current), implicit_base=True)
            revisions = list(reversed(list(found_revs)))
        else:
            revisions = list(
                revision_map.iterate_revisions(tuple(current), right, select_for_downgrade=True)
            )
    maintainer = RecordingHeadMaintainer(current)
    rows_after, logs = [], []
    for revision in revisions:
        before = len(maintainer.log)
        maintainer.update_to_step(RevisionStep(revision_map, revision, direction == "upgrade"))
        rows_after.append(set(maintainer.heads))
        logs.append(maintainer.log[before:])
    return tuple(current), ids(revisions), rows_after, logs


# --- every range form, upgrade and downgrade --------------------------------------------------

# (graph, direction, spec, start, steps as "REV: changes", end)
PLANS = [
    # linear history
    ("linear", "upgrade", "base:heads", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333",
      "ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "base:head", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333",
      "ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "heads", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333",
      "ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "head", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333",
      "ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "ccc333", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333"],
     ("ccc333",)),
    ("linear", "upgrade", "ccc3", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333"],
     ("ccc333",)),
    ("linear", "upgrade", "bbb2:ddd4", ("bbb222",),
     ["ccc333: upd bbb222>ccc333", "ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "aaa111:ccc333", ("aaa111",),
     ["bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333"], ("ccc333",)),
    ("linear", "upgrade", "ccc333:head", ("ccc333",), ["ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "upgrade", "base:+2", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222"], ("bbb222",)),
    ("linear", "upgrade", "+2", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222"], ("bbb222",)),
    ("linear", "upgrade", "bbb222:+1", ("bbb222",), ["ccc333: upd bbb222>ccc333"], ("ccc333",)),
    # rev@+N: N steps on the branch of `rev`, counted from the start
    ("linear", "upgrade", "aaa111:ddd444@+2", ("aaa111",),
     ["bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333"], ("ccc333",)),
    # rev+N: N steps after `rev`
    ("linear", "upgrade", "base:aaa111+2", (),
     ["aaa111: ins aaa111", "bbb222: upd aaa111>bbb222", "ccc333: upd bbb222>ccc333"],
     ("ccc333",)),
    ("linear", "upgrade", "-1:heads", ("ccc333",), ["ddd444: upd ccc333>ddd444"], ("ddd444",)),
    ("linear", "downgrade", "heads:base", ("ddd444",),
     ["ddd444: upd ddd444>ccc333", "ccc333: upd ccc333>bbb222", "bbb222: upd bbb222>aaa111",
      "aaa111: del aaa111"], ()),
    ("linear", "downgrade", "base", ("ddd444",),
     ["ddd444: upd ddd444>ccc333", "ccc333: upd ccc333>bbb222", "bbb222: upd bbb222>aaa111",
      "aaa111: del aaa111"], ()),
    ("linear", "downgrade", "heads:-1", ("ddd444",), ["ddd444: upd ddd444>ccc333"], ("ccc333",)),
    ("linear", "downgrade", "-1", ("ddd444",), ["ddd444: upd ddd444>ccc333"], ("ccc333",)),
    ("linear", "downgrade", "ddd444:-2", ("ddd444",),
     ["ddd444: upd ddd444>ccc333", "ccc333: upd ccc333>bbb222"], ("bbb222",)),
    ("linear", "downgrade", "bbb222", ("ddd444",),
     ["ddd444: upd ddd444>ccc333", "ccc333: upd ccc333>bbb222"], ("bbb222",)),
    ("linear", "downgrade", "ddd4:bbb2", ("ddd444",),
     ["ddd444: upd ddd444>ccc333", "ccc333: upd ccc333>bbb222"], ("bbb222",)),
    ("linear", "downgrade", "-2:base", ("bbb222",),
     ["bbb222: upd bbb222>aaa111", "aaa111: del aaa111"], ()),
    # two heads: the second branch gets its own row (INSERT) on upgrade ...
    ("branches", "upgrade", "base:heads", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "bb0003: upd r00002>bb0003",
      "bb0004: upd bb0003>bb0004", "aa0003: ins aa0003", "aa0004: upd aa0003>aa0004"],
     ("aa0004", "bb0004")),
    ("branches", "upgrade", "heads", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "bb0003: upd r00002>bb0003",
      "bb0004: upd bb0003>bb0004", "aa0003: ins aa0003", "aa0004: upd aa0003>aa0004"],
     ("aa0004", "bb0004")),
    ("branches", "upgrade", "alpha@head", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "aa0003: upd r00002>aa0003",
      "aa0004: upd aa0003>aa0004"], ("aa0004",)),
    ("branches", "upgrade", "base:beta@head", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "bb0003: upd r00002>bb0003",
      "bb0004: upd bb0003>bb0004"], ("bb0004",)),
    ("branches", "upgrade", "r00002:alpha@head", ("r00002",),
     ["aa0003: upd r00002>aa0003", "aa0004: upd aa0003>aa0004"], ("aa0004",)),
    # a branch label alone names the revision that declares it
    ("branches", "upgrade", "alpha", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "aa0003: upd r00002>aa0003"],
     ("aa0003",)),
    ("branches", "upgrade", "beta", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "bb0003: upd r00002>bb0003"],
     ("bb0003",)),
    ("branches", "upgrade", "aa0004:heads", ("aa0004",),
     ["bb0003: ins bb0003", "bb0004: upd bb0003>bb0004"], ("aa0004", "bb0004")),
    ("branches", "upgrade", "aa0004:bb0004", ("aa0004",),
     ["bb0003: ins bb0003", "bb0004: upd bb0003>bb0004"], ("aa0004", "bb0004")),
    ("branches", "upgrade", "aa0004,bb0003:heads", ("aa0004", "bb0003"),
     ["bb0004: upd bb0003>bb0004"], ("aa0004", "bb0004")),
    ("branches", "upgrade", "aa0003:alpha@+1", ("aa0003",),
     ["aa0004: upd aa0003>aa0004"], ("aa0004",)),
    ("branches", "upgrade", "base:beta@+3", (),
     ["r00001: ins r00001", "r00002: upd r00001>r00002", "bb0003: upd r00002>bb0003"],
     ("bb0003",)),
    # ... and a downgrade to below the branch point deletes that row again
    ("branches", "downgrade", "heads:base", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003", "aa0003: del aa0003", "bb0004: upd bb0004>bb0003",
      "bb0003: upd bb0003>r00002", "r00002: upd r00002>r00001", "r00001: del r00001"], ()),
    ("branches", "downgrade", "base", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003", "aa0003: del aa0003", "bb0004: upd bb0004>bb0003",
      "bb0003: upd bb0003>r00002", "r00002: upd r00002>r00001", "r00001: del r00001"], ()),
    ("branches", "downgrade", "aa0004,bb0004:base", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003", "aa0003: del aa0003", "bb0004: upd bb0004>bb0003",
      "bb0003: upd bb0003>r00002", "r00002: upd r00002>r00001", "r00001: del r00001"], ()),
    ("branches", "downgrade", "heads:r00002", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003", "aa0003: del aa0003", "bb0004: upd bb0004>bb0003",
      "bb0003: upd bb0003>r00002"], ("r00002",)),
    ("branches", "downgrade", "alpha@head:r00002", ("aa0004",),
     ["aa0004: upd aa0004>aa0003", "aa0003: upd aa0003>r00002"], ("r00002",)),
    ("branches", "downgrade", "beta@head:base", ("bb0004",),
     ["bb0004: upd bb0004>bb0003", "bb0003: upd bb0003>r00002", "r00002: upd r00002>r00001",
      "r00001: del r00001"], ()),
    ("branches", "downgrade", "heads:alpha@-1", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003"], ("aa0003", "bb0004")),
    ("branches", "downgrade", "alpha@-1", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003"], ("aa0003", "bb0004")),
    ("branches", "downgrade", "heads:aa0003", ("aa0004", "bb0004"),
     ["aa0004: upd aa0004>aa0003"], ("aa0003", "bb0004")),
    # merges: DELETE the first declared parent, UPDATE the last one to the merge ...
    ("merge", "upgrade", "base:heads", (),
     ["root01: ins root01", "fork02: upd root01>fork02", "rght03: upd fork02>rght03",
      "left03: ins left03", "merge4: del left03, upd rght03>merge4", "after5: upd merge4>after5"],
     ("after5",)),
    ("merge", "upgrade", "head", (),
     ["root01: ins root01", "fork02: upd root01>fork02", "rght03: upd fork02>rght03",
      "left03: ins left03", "merge4: del left03, upd rght03>merge4", "after5: upd merge4>after5"],
     ("after5",)),
    ("merge", "upgrade", "left03", (),
     ["root01: ins root01", "fork02: upd root01>fork02", "left03: upd fork02>left03"],
     ("left03",)),
    ("merge", "upgrade", "left:heads", ("left03",),
     ["rght03: ins rght03", "merge4: del left03, upd rght03>merge4", "after5: upd merge4>after5"],
     ("after5",)),
    ("merge", "upgrade", "left03,rght03:merge4", ("left03", "rght03"),
     ["merge4: del left03, upd rght03>merge4"], ("merge4",)),
    ("merge", "upgrade", "fork02:merge4", ("fork02",),
     ["rght03: upd fork02>rght03", "left03: ins left03", "merge4: del left03, upd rght03>merge4"],
     ("merge4",)),
    # ... and an unmerge INSERTs the first declared parent and UPDATEs to the last one
    ("merge", "downgrade", "heads:base", ("after5",),
     ["after5: upd after5>merge4", "merge4: ins left03, upd merge4>rght03", "left03: del left03",
      "rght03: upd rght03>fork02", "fork02: upd fork02>root01", "root01: del root01"], ()),
    ("merge", "downgrade", "merge4:fork02", ("merge4",),
     ["merge4: ins left03, upd merge4>rght03", "left03: del left03", "rght03: upd rght03>fork02"],
     ("fork02",)),
    ("merge", "downgrade", "after5:left03", ("after5",),
     ["after5: upd after5>merge4", "merge4: ins left03, upd merge4>rght03"],
     ("left03", "rght03")),
    ("merge", "downgrade", "rght03,left03:base", ("rght03", "left03"),
     ["left03: del left03", "rght03: upd rght03>fork02", "fork02: upd fork02>root01",
      "root01: del root01"], ()),
    # the declared order decides which parent is deleted / inserted
    ("merge_rev", "upgrade", "base:heads", (),
     ["root01: ins root01", "fork02: upd root01>fork02", "left03: upd fork02>left03",
      "rght03: ins rght03", "merge4: del rght03, upd left03>merge4", "after5: upd merge4>after5"],
     ("after5",)),
    ("merge_rev", "downgrade", "heads:base", ("after5",),
     ["after5: upd after5>merge4", "merge4: ins rght03, upd merge4>left03", "rght03: del rght03",
      "left03: upd left03>fork02", "fork02: upd fork02>root01", "root01: del root01"], ()),
    ("merge_rev", "downgrade", "heads:fork02", ("after5",),
     ["after5: upd after5>merge4", "merge4: ins rght03, upd merge4>left03", "rght03: del rght03",
      "left03: upd left03>fork02"], ("fork02",)),
    # depends_on: the dependency is upgraded first and its row folds into the dependent's
    ("depends", "upgrade", "base:heads", (),
     ["usr001: ins usr001", "usr002: upd usr001>usr002", "ord001: ins ord001",
      "ord002: del ord001, upd usr002>ord002", "ord003: upd ord002>ord003"], ("ord003",)),
    ("depends", "upgrade", "ord002", (),
     ["usr001: ins usr001", "usr002: upd usr001>usr002", "ord001: ins ord001",
      "ord002: del ord001, upd usr002>ord002"], ("ord002",)),
    ("depends", "upgrade", "orders@head", (),
     ["usr001: ins usr001", "usr002: upd usr001>usr002", "ord001: ins ord001",
      "ord002: del ord001, upd usr002>ord002", "ord003: upd ord002>ord003"], ("ord003",)),
    ("depends", "upgrade", "users@head", (),
     ["usr001: ins usr001", "usr002: upd usr001>usr002"], ("usr002",)),
    ("depends", "upgrade", "usr002:ord003", ("usr002",),
     ["ord001: ins ord001", "ord002: del ord001, upd usr002>ord002", "ord003: upd ord002>ord003"],
     ("ord003",)),
    ("depends", "downgrade", "heads:base", ("ord003",),
     ["ord003: upd ord003>ord002", "ord002: ins ord001, upd ord002>usr002", "ord001: del ord001",
      "usr002: upd usr002>usr001", "usr001: del usr001"], ()),
    # downgrading the dependency first downgrades what depends on it
    ("depends", "downgrade", "heads:usr001", ("ord003",),
     ["ord003: upd ord003>ord002", "ord002: ins ord001, upd ord002>usr002",
      "usr002: upd usr002>usr001"], ("usr001", "ord001")),
    ("depends", "downgrade", "heads:ord001", ("ord003",),
     ["ord003: upd ord003>ord002", "ord002: ins ord001, upd ord002>usr002"],
     ("usr002", "ord001")),
    ("depends", "downgrade", "users@head:base", ("usr002",),
     ["usr002: upd usr002>usr001", "usr001: del usr001"], ()),
    # several bases: one row per root
    ("roots", "upgrade", "base:heads", (),
     ["yyy001: ins yyy001", "yyy002: upd yyy001>yyy002", "xxx001: ins xxx001",
      "xxx002: upd xxx001>xxx002"], ("xxx002", "yyy002")),
    ("roots", "upgrade", "xb@head", (),
     ["xxx001: ins xxx001", "xxx002: upd xxx001>xxx002"], ("xxx002",)),
    ("roots", "upgrade", "base:xb@+1", (), ["xxx001: ins xxx001"], ("xxx001",)),
    ("roots", "upgrade", "xxx002:heads", ("xxx002",),
     ["yyy001: ins yyy001", "yyy002: upd yyy001>yyy002"], ("xxx002", "yyy002")),
    ("roots", "downgrade", "heads:base", ("xxx002", "yyy002"),
     ["xxx002: upd xxx002>xxx001", "xxx001: del xxx001", "yyy002: upd yyy002>yyy001",
      "yyy001: del yyy001"], ()),
    ("roots", "downgrade", "xb@base", ("xxx002", "yyy002"),
     ["xxx002: upd xxx002>xxx001", "xxx001: del xxx001"], ("yyy002",)),
    ("roots", "downgrade", "yb@head:base", ("yyy002",),
     ["yyy002: upd yyy002>yyy001", "yyy001: del yyy001"], ()),
    ("roots", "downgrade", "xxx002,yyy002:xxx001", ("xxx002", "yyy002"),
     ["xxx002: upd xxx002>xxx001"], ("xxx001", "yyy002")),
]  # fmt: skip

PLAN_ARGS = ("graph", "direction", "spec", "start", "steps", "end")
PLAN_IDS = [f"{graph}-{direction}-{spec}" for graph, direction, spec, *_ in PLANS]


@pytest.mark.parametrize(PLAN_ARGS, PLANS, ids=PLAN_IDS)
def test_plan(
    graph: str,
    direction: str,
    spec: str,
    start: tuple[str, ...],
    steps: list[str],
    end: tuple[str, ...],
) -> None:
    plan = make(graph).plan(direction, spec)  # type: ignore[arg-type]
    assert plan.direction == direction
    assert plan.spec == spec
    assert plan.start == start
    assert plan.starts_at_base == (start == ())
    assert described(plan) == steps
    assert plan.revisions == tuple(s.split(":")[0] for s in steps)
    assert plan.end == end
    assert all(step.is_upgrade == (direction == "upgrade") for step in plan.steps)
    assert all(step.direction == direction for step in plan.steps)
    # the version changes, applied to the start rows, give the end rows
    assert replay(plan) == set(end)


@pytest.mark.parametrize(PLAN_ARGS, PLANS, ids=PLAN_IDS)
def test_plan_agrees_with_alembic(
    graph: str,
    direction: str,
    spec: str,
    start: tuple[str, ...],
    steps: list[str],
    end: tuple[str, ...],
) -> None:
    """Same steps as Alembic, and after each step the same version-table rows."""
    plan = make(graph).plan(direction, spec)  # type: ignore[arg-type]
    current, order, rows_after, logs = alembic_answer(graph, direction, spec)
    assert plan.start == current
    assert list(plan.revisions) == order
    rows = set(plan.start)
    for step, alembic_rows, alembic_log in zip(plan.steps, rows_after, logs, strict=True):
        ours = [fmt(c) for c in step.version_changes]
        for change in step.version_changes:
            if change.old is not None:
                rows.remove(change.old)
            if change.new is not None:
                rows.add(change.new)
        assert rows == alembic_rows, step.revision.revision
        if len(step.revision._normalized_down_revisions) > 1:
            # merge/unmerge: Alembic picks the parents through a set; same kinds of change
            assert Counter(c[:3] for c in ours) == Counter(c[:3] for c in alembic_log)
        else:
            assert ours == alembic_log
    assert set(plan.end) == (rows_after[-1] if rows_after else set(current))


# --- step details -------------------------------------------------------------------------------


def step_of(plan: Plan, revision: str) -> PlannedStep:
    (step,) = (s for s in plan.steps if s.revision.revision == revision)
    return step


def test_merge_step_details() -> None:
    up = make("merge").plan("upgrade", "base:heads")
    merge = step_of(up, "merge4")
    assert merge.from_ids == ("left03", "rght03")
    assert merge.to_ids == ("merge4",)
    assert merge.short_log == "upgrade left03, rght03 -> merge4"
    assert merge.version_changes == (
        VersionChange("delete", old="left03"),
        VersionChange("update", old="rght03", new="merge4"),
    )
    down = make("merge").plan("downgrade", "heads:base")
    unmerge = step_of(down, "merge4")
    assert unmerge.from_ids == ("merge4",)
    assert unmerge.to_ids == ("left03", "rght03")
    assert unmerge.short_log == "downgrade merge4 -> left03, rght03"
    assert unmerge.version_changes == (
        VersionChange("insert", new="left03"),
        VersionChange("update", old="merge4", new="rght03"),
    )


def test_base_step_details() -> None:
    up = make("linear").plan("upgrade", "base:aaa111")
    (first,) = up.steps
    assert (first.from_ids, first.to_ids) == ((), ("aaa111",))
    assert first.short_log == "upgrade  -> aaa111"
    down = make("linear").plan("downgrade", "bbb222:base")
    assert down.steps[-1].short_log == "downgrade aaa111 -> "
    assert down.steps[-1].version_changes == (VersionChange("delete", old="aaa111"),)


def test_depends_on_is_not_in_the_short_log() -> None:
    """from_ids/to_ids are the versioned down_revisions, without depends_on (like Alembic)."""
    up = make("depends").plan("upgrade", "base:heads")
    step = step_of(up, "ord002")
    assert step.from_ids == ("ord001",)
    assert step.short_log == "upgrade ord001 -> ord002"
    down = make("depends").plan("downgrade", "heads:base")
    assert step_of(down, "ord002").short_log == "downgrade ord002 -> ord001"


def test_upgrade_then_downgrade_round_trip() -> None:
    graph = make("merge")
    up = graph.plan("upgrade", "base:heads")
    down = graph.plan("downgrade", f"{','.join(up.end)}:base")
    assert down.start == up.end
    assert set(down.revisions) == set(up.revisions)
    assert replay(down) == set()


def test_heads_base_with_several_heads_ends_with_no_rows() -> None:
    for name in ("branches", "roots"):
        plan = make(name).plan("downgrade", "heads:base")
        assert len(plan.start) == 2
        assert plan.end == ()
        assert replay(plan) == set()
        assert sum(fmt(c).startswith("del") for s in plan.steps for c in s.version_changes) == 2


# --- determinism across hash seeds ----------------------------------------------------------

_SEED_SCRIPT = """
import json
from alembic.script.revision import Revision
from sqlgen.project.graph import RevisionGraph

def plans(revisions, ranges):
    graph = RevisionGraph(revisions)
    out = []
    for direction, spec in ranges:
        plan = graph.plan(direction, spec)
        out.append([direction, spec, list(plan.start), list(plan.end), [
            [s.revision.revision, [[c.kind, c.old, c.new] for c in s.version_changes]]
            for s in plan.steps
        ]])
    return out

R = Revision
merges = [
    R("root01", None), R("fork02", "root01"), R("left03", "fork02"), R("rght03", "fork02"),
    R("merge4", ("left03", "rght03")),
    R("brc005", "merge4"), R("bra005", "merge4"), R("brb005", "merge4"),
    R("three6", ("brc005", "bra005", "brb005")), R("tail07", "three6"),
]
multi_deps = [
    R("users1", None), R("prods1", None), R("ordrs1", None),
    R("ordrs2", "ordrs1", dependencies=("users1", "prods1")),
]
ranges = [
    ("upgrade", "base:heads"), ("downgrade", "heads:base"), ("downgrade", "heads:merge4"),
    ("upgrade", "left03,rght03:heads"), ("downgrade", "tail07:fork02"),
]
print(json.dumps({
    "merges": plans(merges, ranges),
    "multi_deps": plans(multi_deps, [("upgrade", "base:heads"), ("downgrade", "heads:base")]),
}))
"""

SEEDS = range(8)


@pytest.fixture(scope="module")
def seeded_runs() -> dict[int, dict[str, list[object]]]:
    runs = {}
    for seed in SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run(
            [sys.executable, "-c", _SEED_SCRIPT],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        runs[seed] = json.loads(done.stdout)
    return runs


def test_merge_bookkeeping_is_identical_across_hash_seeds(
    seeded_runs: dict[int, dict[str, list[object]]],
) -> None:
    outputs = {seed: run["merges"] for seed, run in seeded_runs.items()}
    assert all(output == outputs[0] for output in outputs.values()), outputs
    upgrade = outputs[0][0]
    assert upgrade[:4] == ["upgrade", "base:heads", [], ["tail07"]]
    changes = dict((rev, changes) for rev, changes in upgrade[4])  # type: ignore[misc]
    # a three-way merge deletes the first two declared parents and updates the last one
    assert changes["three6"] == [
        ["delete", "brc005", None],
        ["delete", "bra005", None],
        ["update", "brb005", "three6"],
    ]
    downgrade = dict((rev, changes) for rev, changes in outputs[0][1][4])  # type: ignore[misc]
    assert downgrade["three6"] == [
        ["insert", None, "brc005"],
        ["insert", None, "bra005"],
        ["update", "three6", "brb005"],
    ]


def test_multiple_depends_on_is_identical_across_hash_seeds(
    seeded_runs: dict[int, dict[str, list[object]]],
) -> None:
    outputs = {seed: run["multi_deps"] for seed, run in seeded_runs.items()}
    assert all(output == outputs[0] for output in outputs.values()), outputs


# --- resolve, heads, bases, history -------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "identifier", "expected"),
    [
        ("linear", "heads", ["ddd444"]),
        ("linear", "head", ["ddd444"]),
        ("linear", "base", []),
        ("linear", "bbb222", ["bbb222"]),
        ("linear", "bbb2", ["bbb222"]),
        ("linear", "-1", ["ccc333"]),
        ("linear", "aaa111@head", ["ddd444"]),
        ("branches", "heads", ["aa0004", "bb0004"]),
        ("branches", "alpha", ["aa0003"]),
        ("branches", "alpha@head", ["aa0004"]),
        ("branches", "beta@head", ["bb0004"]),
        ("branches", "alpha@-1", ["aa0003"]),
        ("merge", "head", ["after5"]),
        ("merge", "rght", ["rght03"]),
        ("depends", "orders@head", ["ord003"]),
        ("depends", "users", ["usr001"]),
        # 'heads' only names real heads: usr002 is implied by ord002's depends_on
        ("depends", "heads", ["ord003"]),
        ("roots", "heads", ["xxx002", "yyy002"]),
        ("roots", "yb@head", ["yyy002"]),
    ],
)
def test_resolve(graph: str, identifier: str, expected: list[str]) -> None:
    assert ids(make(graph).resolve(identifier)) == expected


@pytest.mark.parametrize(
    ("graph", "heads", "bases"),
    [
        ("linear", ("ddd444",), ("aaa111",)),
        ("branches", ("aa0004", "bb0004"), ("r00001",)),
        ("merge", ("after5",), ("root01",)),
        # usr002 is a head by down_revision; ord002 only depends on it (as in `alembic heads`)
        ("depends", ("usr002", "ord003"), ("usr001", "ord001")),
        ("roots", ("xxx002", "yyy002"), ("xxx001", "yyy001")),
    ],
)
def test_heads_and_bases(graph: str, heads: tuple[str, ...], bases: tuple[str, ...]) -> None:
    revision_graph = make(graph)
    assert revision_graph.heads == heads
    assert revision_graph.bases == bases
    assert len(revision_graph) == len(GRAPHS[graph]())


def test_get_and_ordered() -> None:
    graph = make("branches")
    assert graph.get("bb0003").revision == "bb0003"
    assert graph.get("bb0003").down_revision == "r00002"
    # file order, whatever order the ids come in
    assert graph.ordered({"bb0004", "r00001", "aa0003"}) == ("r00001", "aa0003", "bb0004")
    assert graph.ordered(["bb0004", "aa0004"]) == ("aa0004", "bb0004")


@pytest.mark.parametrize(
    ("graph", "expected"),
    [("linear", []), ("branches", ["r00002"]), ("merge", ["fork02"]), ("roots", [])],
)
def test_branch_points(graph: str, expected: list[str]) -> None:
    assert ids(make(graph).branch_points()) == expected


@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_history_matches_alembic(graph: str) -> None:
    expected = ids(
        list(
            alembic_map(graph).iterate_revisions(
                "heads", "base", inclusive=True, assert_relative_length=False
            )
        )
    )
    history = ids(make(graph).history())
    assert history == expected
    assert sorted(history) == sorted(ids(GRAPHS[graph]()))
    # newest first: every revision comes before its down revisions
    for position, revision in enumerate(make(graph).history()):
        for down in revision._all_down_revisions:
            assert history.index(down) > position


def test_history_order_by_hand() -> None:
    assert ids(make("linear").history()) == ["ddd444", "ccc333", "bbb222", "aaa111"]
    assert ids(make("merge").history()) == [
        "after5", "merge4", "left03", "rght03", "fork02", "root01",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("graph", "spec", "expected"),
    [
        ("linear", "bbb222:ccc333", ["ccc333", "bbb222"]),
        ("linear", "bbb2:ccc3", ["ccc333", "bbb222"]),
        ("linear", ":ccc333", ["ccc333", "bbb222", "aaa111"]),
        ("linear", "bbb222:", ["ddd444", "ccc333", "bbb222"]),
        ("linear", "base:heads", ["ddd444", "ccc333", "bbb222", "aaa111"]),
        ("linear", "-1:heads", ["ddd444", "ccc333"]),
        ("linear", "bbb222", ["bbb222"]),
        ("branches", "r00002:alpha@head", ["aa0004", "aa0003", "r00002"]),
        ("merge", "left03:heads", ["after5", "merge4", "left03"]),
    ],
)
def test_history_range(graph: str, spec: str, expected: list[str]) -> None:
    assert ids(make(graph).history(spec)) == expected
    if ":" in spec:
        lower, upper = spec.split(":")
        lower, upper = lower or "base", upper or "heads"
        alembic = alembic_map(graph).iterate_revisions(
            upper, lower, inclusive=True, assert_relative_length=False
        )
        assert ids(list(alembic)) == expected


def test_history_reversed_range_is_invalid() -> None:
    with pytest.raises(InvalidRange) as info:
        make("linear").history("ccc333:bbb222")
    assert info.value.usage_error is True
    assert "ccc333 is not an ancestor of bbb222" in str(info.value)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "call"),
    [
        ("branches", lambda g: g.plan("upgrade", "head")),
        ("branches", lambda g: g.plan("upgrade", "base:head")),
        ("branches", lambda g: g.plan("downgrade", "head:base")),
        ("branches", lambda g: g.resolve("head")),
        ("roots", lambda g: g.plan("upgrade", "head")),
        ("depends", lambda g: g.plan("upgrade", "head")),
    ],
)
def test_head_with_several_heads(graph: str, call: Callable[[RevisionGraph], object]) -> None:
    revision_graph = make(graph)
    with pytest.raises(MultipleHeadsError) as info:
        call(revision_graph)
    error = info.value
    assert error.usage_error is True
    assert error.heads == list(revision_graph.heads)
    message = str(error)
    assert "'head'" in message
    for head in revision_graph.heads:
        assert head in message
    assert "'heads'" in message
    assert "LABEL@head" in message


def ambiguous_graph() -> RevisionGraph:
    return RevisionGraph(
        [
            rev("abcd0001"),
            rev("abcd0002", "abcd0001"),
            rev("abcd0003", "abcd0002"),
            rev("abce0004", "abcd0003"),
            rev("abcd0005", "abce0004"),
            rev("abcd0006", "abcd0005"),
        ]
    )


@pytest.mark.parametrize(
    ("call", "prefix"),
    [
        (lambda g: g.resolve("abcd"), "abcd"),
        (lambda g: g.resolve("abcd000"), "abcd000"),
        (lambda g: g.plan("upgrade", "abcd"), "abcd"),
        (lambda g: g.plan("upgrade", "base:abcd"), "abcd"),
        (lambda g: g.plan("downgrade", "abcd:base"), "abcd"),
        (lambda g: g.plan("downgrade", "abcd0006,abcd:base"), "abcd"),
    ],
)
def test_ambiguous_prefix_lists_every_candidate(
    call: Callable[[RevisionGraph], object], prefix: str
) -> None:
    with pytest.raises(AmbiguousRevision) as info:
        call(ambiguous_graph())
    error = info.value
    assert error.usage_error is True
    assert error.prefix == prefix
    everyone = ["abcd0001", "abcd0002", "abcd0003", "abcd0005", "abcd0006"]
    assert error.candidates == everyone  # Alembic's own message stops at three
    assert f"'{prefix}' is ambiguous" in str(error)
    assert ", ".join(everyone) in str(error)
    assert "abce0004" not in str(error)


def test_ambiguous_prefix_keeps_every_candidate_beyond_ten() -> None:
    graph = RevisionGraph([rev(f"abcd{i:02d}") for i in range(12)])
    with pytest.raises(AmbiguousRevision) as info:
        graph.resolve("abcd")
    assert info.value.candidates == [f"abcd{i:02d}" for i in range(12)]
    assert "(2 more)" in str(info.value)


def test_unique_prefix_of_an_otherwise_ambiguous_family() -> None:
    graph = ambiguous_graph()
    assert ids(graph.resolve("abce")) == ["abce0004"]
    assert ids(graph.resolve("abcd0005")) == ["abcd0005"]
    assert graph.plan("upgrade", "abcd0003:abce").revisions == ("abce0004",)


@pytest.mark.parametrize(
    ("graph", "identifier", "name", "suggestions"),
    [
        ("linear", "bbb22x", "bbb22x", ["bbb222"]),
        ("linear", "zzzzzz", "zzzzzz", []),
        ("linear", "hed", "hed", ["head", "heads"]),
        ("branches", "alpah@head", "alpah", ["alpha"]),
        ("branches", "alpah", "alpah", ["alpha"]),
        ("branches", "aa0003x", "aa0003x", ["aa0003", "aa0004", "bb0003"]),
        ("branches", "alpha@zzzz", "zzzz", []),
    ],
)
def test_unknown_revision_suggests_close_names(
    graph: str, identifier: str, name: str, suggestions: list[str]
) -> None:
    revision_graph = make(graph)
    for call in (
        lambda: revision_graph.resolve(identifier),
        lambda: revision_graph.plan("upgrade", f"base:{identifier}"),
        lambda: revision_graph.plan("downgrade", f"{identifier}:base"),
    ):
        with pytest.raises(UnknownRevision) as info:
            call()
        error = info.value
        assert error.usage_error is True
        assert error.identifier == name
        assert error.suggestions == suggestions
        assert f"no revision or branch named '{name}'" in str(error)
        if suggestions:
            assert f"did you mean {' or '.join(suggestions)}?" in str(error)
        else:
            assert "did you mean" not in str(error)


def test_short_ambiguous_prefix_says_four_characters_are_needed() -> None:
    with pytest.raises(UnknownRevision) as info:
        make("branches").resolve("bb")
    assert info.value.suggestions == ["bb0003", "bb0004"]
    assert "at least four characters" in str(info.value)


@pytest.mark.parametrize(
    ("graph", "direction", "spec", "suggestion"),
    [
        ("linear", "upgrade", "heads:base", "downgrade heads:base"),
        ("linear", "upgrade", "ccc333:bbb222", "downgrade ccc333:bbb222"),
        ("linear", "upgrade", "ddd444:base", "downgrade ddd444:base"),
        ("linear", "downgrade", "base:heads", "upgrade base:heads"),
        ("linear", "downgrade", "bbb222:ccc333", "upgrade bbb222:ccc333"),
        ("branches", "upgrade", "heads:base", "downgrade heads:base"),
        ("branches", "upgrade", "aa0004:r00002", "downgrade aa0004:r00002"),
        ("branches", "downgrade", "r00002:alpha@head", "upgrade r00002:alpha@head"),
        ("merge", "upgrade", "after5:left03", "downgrade after5:left03"),
        ("merge", "downgrade", "fork02:merge4", "upgrade fork02:merge4"),
    ],
)
def test_reversed_range_suggests_the_other_command(
    graph: str, direction: str, spec: str, suggestion: str
) -> None:
    revision_graph = make(graph)
    with pytest.raises(ReversedRange) as info:
        revision_graph.plan(direction, spec)  # type: ignore[arg-type]
    error = info.value
    assert isinstance(error, InvalidRange)
    assert error.usage_error is True
    assert error.direction == direction
    assert error.suggestion == suggestion
    assert f"wrong way for {direction}" in str(error)
    assert f"`sqlgen {suggestion}`" in str(error)
    # the suggested command works and runs the opposite way
    other, other_spec = suggestion.split(" ")
    plan = revision_graph.plan(other, other_spec)  # type: ignore[arg-type]
    assert plan.steps
    assert all(step.is_upgrade == (other == "upgrade") for step in plan.steps)


@pytest.mark.parametrize(
    ("graph", "direction", "spec"),
    [
        ("linear", "upgrade", "bbb222:bbb222"),
        ("linear", "downgrade", "bbb222:bbb222"),
        ("linear", "upgrade", "base:base"),
        ("linear", "downgrade", "base:base"),
        ("linear", "upgrade", "heads:heads"),
        ("linear", "downgrade", "heads:ddd444"),
        ("linear", "upgrade", "ddd444:head"),
        ("branches", "upgrade", "heads:heads"),
        ("branches", "upgrade", "aa0004,bb0004:heads"),
        ("branches", "downgrade", "aa0004,bb0004:aa0004"),
        ("merge", "upgrade", "left03:left03"),
    ],
)
def test_empty_range(graph: str, direction: str, spec: str) -> None:
    with pytest.raises(EmptyRange) as info:
        make(graph).plan(direction, spec)  # type: ignore[arg-type]
    error = info.value
    assert isinstance(error, InvalidRange)
    assert error.usage_error is True
    assert error.direction == direction
    assert error.spec == spec
    assert str(error) == f"invalid revision range {spec!r}: it selects no revisions to {direction}"


def test_empty_graph_has_nothing_to_upgrade() -> None:
    graph = RevisionGraph([])
    assert graph.heads == ()
    assert graph.bases == ()
    assert graph.history() == []
    with pytest.raises(EmptyRange):
        graph.plan("upgrade", "heads")


@pytest.mark.parametrize(
    ("graph", "direction", "spec", "reason"),
    [
        ("linear", "upgrade", "", "it is empty"),
        ("linear", "upgrade", "   ", "it is empty"),
        ("linear", "upgrade", ":ddd444", "expected FROM:TO"),
        ("linear", "upgrade", "aaa111:", "expected FROM:TO"),
        ("linear", "downgrade", "ddd444:bbb222:aaa111", "expected FROM:TO"),
        ("linear", "downgrade", ",ddd444:base", "empty revision in a comma-separated list"),
        ("linear", "downgrade", "ddd444,,ccc333:base", "empty revision in a comma-separated list"),
        ("linear", "upgrade", "base:+5", "didn't produce 5 migrations"),
        ("linear", "upgrade", "ddd444:+1", "didn't produce 1 migrations"),
        ("linear", "downgrade", "bbb222:-5", "didn't produce 5 migrations"),
        ("linear", "downgrade", "bbb222:+1", "didn't produce 1 migrations"),
        # a relative step from a branch point or from several roots is ambiguous
        ("branches", "upgrade", "r00002:+1", "Ambiguous walk"),
        ("roots", "upgrade", "base:+1", "Ambiguous walk"),
        ("merge", "downgrade", "heads:-2", "Ambiguous walk"),
        # nothing of the other branch is below aa0004
        ("branches", "downgrade", "aa0004:bb0003", "not below aa0004: there is nothing to drop"),
    ],
)
def test_invalid_range(graph: str, direction: str, spec: str, reason: str) -> None:
    with pytest.raises(InvalidRange) as info:
        make(graph).plan(direction, spec)  # type: ignore[arg-type]
    error = info.value
    assert type(error) is InvalidRange
    assert error.usage_error is True
    assert reason in error.reason
    assert str(error).startswith("invalid revision range ")


@pytest.mark.parametrize(
    "revisions",
    [
        [rev("aaaa01", "bbbb02"), rev("bbbb02", "aaaa01")],
        [rev("root01"), rev("aaaa01", ("root01", "bbbb02")), rev("bbbb02", "aaaa01")],
        [rev("root01"), rev("aaaa01", "root01", deps="bbbb02"), rev("bbbb02", "aaaa01")],
    ],
    ids=["two-revisions", "through-a-merge", "through-depends-on"],
)
def test_cycle(revisions: list[Revision]) -> None:
    with pytest.raises(RevisionCycle) as info:
        RevisionGraph(revisions)
    error = info.value
    assert error.usage_error is False
    assert {"aaaa01", "bbbb02"} <= set(error.revisions)
    assert "cycle" in str(error)
    assert "aaaa01" in str(error)
    assert "bbbb02" in str(error)


# --- regressions: each of these once misbehaved ------------------------------------------


@pytest.mark.parametrize(
    ("graph", "identifier", "error"),
    [
        ("branches", "alpah@-1", UnknownRevision),
        ("linear", "-9", InvalidRange),
        ("linear", "ddd444@-9", InvalidRange),
        ("linear", "aaa111@+9", InvalidRange),
    ],
)
def test_bad_relative_identifier_is_an_error(graph: str, identifier: str, error: type) -> None:
    # once resolved to () (= base), so a typo on a range's left side upgraded from base
    revision_graph = make(graph)
    with pytest.raises(error):
        revision_graph.resolve(identifier)


@pytest.mark.parametrize(
    ("graph", "identifier", "expected"),
    [
        ("linear", "ddd444@-2", ["bbb222"]),
        ("linear", "aaa111@+1", ["bbb222"]),
        ("linear", "heads@-1", ["ccc333"]),
        ("linear", "aaa111@-1", []),  # one below the first revision is base
        ("branches", "alpha@-1", ["aa0003"]),
        ("branches", "beta@-2", ["r00002"]),
    ],
)
def test_anchored_relative_identifiers(graph: str, identifier: str, expected: list[str]) -> None:
    assert [r.revision for r in make(graph).resolve(identifier)] == expected


def test_typo_in_relative_start_does_not_upgrade_from_base() -> None:
    with pytest.raises(UnknownRevision) as info:
        make("branches").plan("upgrade", "alpah@-1:heads")
    assert info.value.suggestions == ["alpha"]


def test_revision_not_on_branch_names_the_branch() -> None:
    with pytest.raises(UnknownRevision) as info:
        make("branches").resolve("beta@aa0003")
    message = str(info.value)
    assert "beta" in message
    assert "did you mean aa0003" not in message


def test_downgrade_to_other_branch_message_names_the_target() -> None:
    with pytest.raises(InvalidRange) as info:
        make("branches").plan("downgrade", "aa0004:bb0003")
    assert "bb0003" in str(info.value)
    assert "Nothing to drop is not an ancestor" not in str(info.value)


def test_upgrade_to_one_of_the_start_heads_is_empty() -> None:
    with pytest.raises(EmptyRange):
        make("branches").plan("upgrade", "aa0004,bb0004:aa0004")


def test_undo_reverses_exactly_the_upgrade_steps() -> None:
    graph = make("merge")
    up = graph.plan("upgrade", "left03:heads")  # applies rght03 as well as merge4, after5
    undo = graph.plan("downgrade", "undo left03:heads")
    assert ids([s.revision for s in undo.steps]) == list(
        reversed(ids([s.revision for s in up.steps]))
    )
    assert (undo.start, undo.end) == (up.end, up.start) == (("after5",), ("left03",))
    assert all(not s.is_upgrade for s in undo.steps)
    assert replay(undo) == {"left03"}
    # whereas a downgrade to the start keeps the branch the upgrade brought in
    assert graph.plan("downgrade", "after5:left03").end == ("left03", "rght03")
