"""The revision graph: heads, history and revision ranges. No I/O.

Alembic's `RevisionMap` does the graph work (heads, merges, `depends_on`,
branch labels and every identifier form it accepts). This module adds what
Alembic lacks for offline SQL (a downgrade that starts from several heads,
errors for reversed and empty ranges, version-table bookkeeping that does not
depend on the hash seed) and turns Alembic's exceptions into sqlgen's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from alembic.runtime.migration import RevisionStep
from alembic.script.revision import (
    CycleDetected,
    MultipleHeads,
    RangeNotAncestorError,
    ResolutionError,
    Revision,
    RevisionError,
    RevisionMap,
)

from sqlgen.errors import (
    AmbiguousRevision,
    EmptyRange,
    GraphError,
    InvalidRange,
    MultipleHeadsError,
    ReversedRange,
    RevisionCycle,
    RevisionNotOnBranch,
    SqlgenError,
    UnknownRevision,
)
from sqlgen.pipeline.results import RangeSummary
from sqlgen.runtime import internals

Direction = Literal["upgrade", "downgrade"]
_RELATIVE = re.compile(r"(?:.+@)?\w*[+-]\d+$")
_ANCHORED = re.compile(r"([^@]+)@([+-]\d+)")
_SYMBOLS = ("base", "head", "heads")
UNDO = "undo "  # `downgrade "undo RANGE"`: the reverse of `upgrade RANGE`


@dataclass(frozen=True)
class VersionChange:
    """One row change of the version table, as Alembic's HeadMaintainer makes it."""

    kind: Literal["insert", "update", "delete"]
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True)
class PlannedStep:
    revision: Revision
    is_upgrade: bool
    from_ids: tuple[str, ...]
    to_ids: tuple[str, ...]
    version_changes: tuple[VersionChange, ...]

    @property
    def direction(self) -> Direction:
        return "upgrade" if self.is_upgrade else "downgrade"

    @property
    def short_log(self) -> str:
        """Alembic's `-- Running ...` text: `upgrade A, B -> C`."""
        return f"{self.direction} {', '.join(self.from_ids)} -> {', '.join(self.to_ids)}"


@dataclass(frozen=True)
class Plan:
    direction: Direction
    spec: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    steps: tuple[PlannedStep, ...]

    @property
    def starts_at_base(self) -> bool:
        return not self.start

    @property
    def revisions(self) -> tuple[str, ...]:
        return tuple(step.revision.revision for step in self.steps)


class _Step(RevisionStep):
    """Alembic's RevisionStep without the module and with a fixed merge order.

    Alembic orders the rows of a merge or unmerge through a `set`, so its output
    depends on PYTHONHASHSEED; here the order is the one the script declares.
    """

    def __init__(self, revision_map: RevisionMap, revision: Revision, is_upgrade: bool) -> None:
        # RevisionStep.__init__ fetches the module's upgrade(); planning needs only the graph.
        self.revision_map = revision_map
        self.revision = revision  # type: ignore[assignment]
        self.is_upgrade = is_upgrade

    def _ancestors_of_other(self, heads: set[str], mine: Sequence[str]) -> set[str]:
        others = set(heads).difference(mine)
        if not others:
            return set()
        return {
            r.revision
            for r in internals.ancestor_nodes(
                self.revision_map, self.revision_map.get_revisions(others), check=False
            )
        }

    def merge_branch_idents(self, heads: set[str]) -> tuple[list[str], str, str]:
        ancestors = self._ancestors_of_other(heads, self.from_revisions)
        from_revisions = [r for r in self.from_revisions if r not in ancestors]
        return from_revisions[:-1], from_revisions[-1], self.to_revisions[0]

    def _unmerge_to_revisions(self, heads: set[str]) -> tuple[str, ...]:
        ancestors = self._ancestors_of_other(heads, [self.revision.revision])
        if not ancestors:
            ancestors = {
                r.revision
                for to_revision in self.to_revisions
                for r in internals.ancestor_nodes(
                    self.revision_map, self.revision_map.get_revisions(to_revision), check=False
                )
                if r.revision != to_revision
            }
        return tuple(r for r in self.to_revisions if r not in ancestors)


def _bookkeeping(step: _Step, heads: set[str]) -> list[VersionChange]:
    """The version-table rows a step changes; mirrors Alembic's HeadMaintainer."""
    if step.should_delete_branch(heads):
        heads.remove(step.delete_version_num)
        return [VersionChange("delete", old=step.delete_version_num)]
    if step.should_create_branch(heads):
        heads.add(step.insert_version_num)
        return [VersionChange("insert", new=step.insert_version_num)]
    changes: list[VersionChange] = []
    if step.should_merge_branches(heads):
        deleted, old, new = step.merge_branch_idents(heads)
        for rev in deleted:
            heads.remove(rev)
            changes.append(VersionChange("delete", old=rev))
    elif step.should_unmerge_branches(heads):
        old, new, inserted = step.unmerge_branch_idents(heads)
        for rev in inserted:
            heads.add(rev)
            changes.append(VersionChange("insert", new=rev))
    else:
        old, new = step.update_version_num(heads)
    heads.remove(old)
    heads.add(new)
    changes.append(VersionChange("update", old=old, new=new))
    return changes


class RevisionGraph:
    """The revisions of one project, with Alembic's resolution rules."""

    def __init__(self, revisions: Sequence[Revision]) -> None:
        self._revisions = list(revisions)
        self._position = {r.revision: i for i, r in enumerate(self._revisions)}
        self._map = RevisionMap(lambda: list(self._revisions))
        with self._translated(""):
            self._map.heads  # noqa: B018 - builds the map and detects cycles now
        for revision in self._revisions:
            # Alembic builds this tuple from a set, so a revision with several depends_on
            # would be ordered (and bookkept) by hash seed; keep the declared order.
            internals.keep_declared_dependency_order(revision)

    # --- questions about the whole graph ---

    @property
    def heads(self) -> tuple[str, ...]:
        return self._map.heads

    @property
    def bases(self) -> tuple[str, ...]:
        return self._map.bases

    def __len__(self) -> int:
        return len(self._revisions)

    def get(self, rev_id: str) -> Revision:
        """The revision with exactly this id (a KeyError for any other)."""
        revision = internals.revision_by_id(self._map, rev_id)
        if revision is None:
            raise KeyError(rev_id)
        return revision

    def resolve(self, identifier: str) -> tuple[Revision, ...]:
        """Every revision an identifier names (`heads`, `label@head`, a prefix, `X@-1`, ...).

        An empty answer means base, and only an identifier that says so gets one:
        a typo in `LABEL@-1` or a walk past either end is an error, never "base".
        """
        relative = _ANCHORED.fullmatch(identifier)
        with self._translated(identifier):
            if relative:
                anchor, steps = relative.groups()
                found: tuple[object, ...] = (self._walk(anchor, steps, identifier),)
            else:
                found = self._map.get_revisions(identifier)
        if any(r is None for r in found):
            raise InvalidRange(identifier, "it walks past the first or the last revision")
        if not found and identifier.rsplit("@", 1)[-1] not in ("base", "head", "heads"):
            raise self._unresolved(identifier.split("@", 1)[0])
        return tuple(r for r in found if isinstance(r, Revision))

    def _walk(self, anchor: str, steps: str, identifier: str) -> object:
        """`ANCHOR@+N` / `ANCHOR@-N`: N steps from a revision or from a branch's head."""
        labels = {label for r in self._revisions for label in r.branch_labels}
        start = self.resolve(f"{anchor}@head" if anchor in labels else anchor)
        if len(start) != 1:
            raise InvalidRange(identifier, f"{anchor!r} must name one revision")
        return self._map._walk(start[0], int(steps), no_overwalk=True)

    def history(self, spec: str | None = None) -> list[Revision]:
        """Revisions newest first, as `alembic history [-r A:B]` lists them."""
        lower, upper = "base", "heads"
        if spec:
            if ":" in spec:
                lower, upper = (
                    part or default
                    for part, default in zip(spec.split(":", 1), ("base", "heads"), strict=True)
                )
            else:
                lower = upper = spec
        with self._translated(spec or "base:heads"):
            revisions = self._map.iterate_revisions(
                upper, lower, inclusive=True, assert_relative_length=False
            )
            return [r for r in revisions if isinstance(r, Revision)]

    def branch_points(self) -> list[Revision]:
        return [r for r in self.history() if r.is_branch_point]

    def ordered(self, ids: Sequence[str] | set[str]) -> tuple[str, ...]:
        """Revision ids in the project's file order: stable across runs and hash seeds."""
        return tuple(sorted(ids, key=lambda r: self._position.get(r, -1)))

    def covering(self, ids: Sequence[str]) -> str:
        """The upgrade range whose steps are `ids` and what lies between them: from the
        heads of everything below them (their parents' side) to the topmost of them."""
        chosen = set(ids)
        above = {
            r.revision for r in internals.descendant_nodes(self._map, [self.get(i) for i in ids])
        }
        below = self._ancestors(tuple(chosen)) - above
        start = below - self._strict_ancestors(below)
        tips = chosen - self._strict_ancestors(chosen)
        return f"{','.join(self.ordered(start)) or 'base'}:{','.join(self.ordered(tips))}"

    def _strict_ancestors(self, ids: set[str]) -> set[str]:
        parents = {p for i in ids for p in internals.all_down_revisions(self.get(i))}
        return self._ancestors(tuple(parents)) if parents else set()

    # --- ranges ---

    def plan(self, direction: Direction, spec: str) -> Plan:
        """The steps of `sqlgen upgrade|downgrade SPEC`, with version-table changes.

        `downgrade "undo RANGE"` is the exact reverse of `upgrade RANGE`: the same
        revisions, undone in reverse order, back to where the upgrade started.
        """
        if direction == "downgrade" and spec.startswith(UNDO):
            return self.undo(self.plan("upgrade", spec[len(UNDO) :]))
        left, right = self._split(direction, spec)
        with self._translated(spec):
            start = self._resolve_start(left)
            if not _RELATIVE.match(right):
                self._check_direction(direction, spec, left, right, start)
            if direction == "upgrade":
                # several targets, `A:B,C`, as `A,B:C` takes several starts
                target = tuple(p.strip() for p in right.split(",")) if "," in right else right
                revisions = list(self._map.iterate_revisions(target, start, implicit_base=True))
                revisions.reverse()
            else:
                revisions = list(
                    self._map.iterate_revisions(start, right, select_for_downgrade=True)
                )
        if not revisions:
            raise EmptyRange(spec, direction)
        heads = set(start)
        steps = self._steps(revisions, direction == "upgrade", heads)
        return Plan(direction, spec, start, self.ordered(heads), steps)

    def history_before(self, plan: Plan) -> tuple[PlannedStep, ...]:
        """The upgrade steps from base to where `plan` starts (none when it starts at base).

        Replaying them gives the schema the range starts from.
        """
        if not plan.start:
            return ()
        revisions = list(self._map.iterate_revisions(plan.start, (), implicit_base=True))
        revisions.reverse()
        return self._steps(revisions, True, set())

    def _steps(
        self, revisions: Sequence[Revision], is_upgrade: bool, heads: set[str]
    ) -> tuple[PlannedStep, ...]:
        """Planned steps for revisions in running order; `heads` is updated as they run."""
        steps = []
        for revision in revisions:
            step = _Step(self._map, revision, is_upgrade)
            changes = _bookkeeping(step, heads)
            steps.append(
                PlannedStep(
                    revision=revision,
                    is_upgrade=step.is_upgrade,
                    from_ids=step.from_revisions_no_deps,
                    to_ids=step.to_revisions_no_deps,
                    version_changes=tuple(changes),
                )
            )
        return tuple(steps)

    def undo(self, plan: Plan) -> Plan:
        """The downgrade that takes back exactly the steps of an upgrade plan.

        A downgrade to the upgrade's start (`END:START`) keeps branches that the
        upgrade brought in beside START; undoing the steps themselves does not.
        """
        heads = set(plan.end)
        revisions = [planned.revision for planned in reversed(plan.steps)]
        steps = self._steps(revisions, False, heads)
        return Plan("downgrade", f"{UNDO}{plan.spec}", plan.end, self.ordered(heads), steps)

    @staticmethod
    def _split(direction: Direction, spec: str) -> tuple[str, str]:
        spec = spec.strip()
        if not spec:
            raise InvalidRange(spec, "it is empty")
        if ":" in spec:
            left, right = spec.split(":", 1)
            if not left or not right or ":" in right:
                raise InvalidRange(spec, "expected FROM:TO, for example base:heads")
            return left, right
        # a single revision: upgrade from base to it, or downgrade from the heads to it
        return ("base", spec) if direction == "upgrade" else ("heads", spec)

    def _resolve_start(self, left: str) -> tuple[str, ...]:
        """The heads a range starts from; several may be given as `A,B`."""
        ids: list[str] = []
        for part in (p.strip() for p in left.split(",")):
            if not part:
                raise InvalidRange(left, "empty revision in a comma-separated list")
            for revision in self.resolve(part):
                if revision.revision not in ids:
                    ids.append(revision.revision)
        return tuple(ids)

    def _ancestors(self, ids: Sequence[str]) -> set[str]:
        revisions = [self.get(i) for i in ids]
        return {r.revision for r in internals.ancestor_nodes(self._map, revisions)}

    def _check_direction(
        self, direction: Direction, spec: str, left: str, right: str, start: tuple[str, ...]
    ) -> None:
        target = {r.revision for part in right.split(",") for r in self.resolve(part.strip())}
        current = set(start)
        if direction == "upgrade":
            already_there = target <= current and bool(target) == bool(current)
            backwards = target <= self._ancestors(start)
            suggestion = f"downgrade {left}:{right}"
        else:
            already_there = current <= target and bool(target) == bool(current)
            backwards = current <= self._ancestors(tuple(target))
            suggestion = f"upgrade {left}:{right}"
        if already_there:
            raise EmptyRange(spec, direction)
        if backwards:
            raise ReversedRange(spec, direction, suggestion)

    # --- translating Alembic's errors ---

    @contextmanager
    def _translated(self, spec: str) -> Iterator[None]:
        try:
            yield
        except SqlgenError:
            raise
        except MultipleHeads as exc:
            raise MultipleHeadsError(exc.argument or "head", list(exc.heads)) from exc
        except ResolutionError as exc:
            off_branch = internals.not_on_branch(exc)
            if off_branch:
                raise RevisionNotOnBranch(*off_branch) from exc
            raise self._unresolved(exc.argument) from exc
        except RangeNotAncestorError as exc:
            if internals.nothing_to_drop(exc):  # Alembic's downgrade puts its reason here
                reason = f"its target is not below {_text(exc.upper)}: there is nothing to drop"
            else:
                lower, upper = _text(exc.lower or "base"), _text(exc.upper or "base")
                reason = f"{lower} is not an ancestor of {upper} on the same branch"
            raise InvalidRange(spec, reason) from exc
        except CycleDetected as exc:
            raise RevisionCycle(list(exc.revisions)) from exc
        except RevisionError as exc:
            if spec:
                raise InvalidRange(spec, str(exc)) from exc
            raise GraphError(str(exc)) from exc

    def _unresolved(self, argument: object) -> SqlgenError:
        identifier = _text(argument)
        name = identifier.rsplit("@", 1)[-1] if "@" in identifier else identifier
        matches = [r for r in self._position if r.startswith(name)] if name else []
        if len(matches) > 1 and len(name) >= 4:
            return AmbiguousRevision(name, matches)
        labels = sorted({label for r in self._revisions for label in r.branch_labels})
        vocabulary = [*_SYMBOLS, *labels, *self._position]
        close = difflib.get_close_matches(name, vocabulary, n=3, cutoff=0.6)
        if len(name) < 4 and matches:
            close = matches[:3]
        return UnknownRevision(identifier, close)


def _text(value: object) -> str:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value) or "base"
    return str(value)


def reverse_spec(plan: Plan | RangeSummary) -> str:
    """The downgrade that undoes exactly what an upgrade plan applies."""
    return f"{UNDO}{plan.spec}"
