"""The revision graph as Alembic's `heads`, `history`, `branches` and `show` list it.

`revisions_text` prints what `alembic COMMAND [-v]` prints, line for line; the
`RevisionInfo` records are what `--json` reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlgen.project.workspace import Workspace
from sqlgen.runtime import internals


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    message: str
    path: str
    is_head: bool
    is_base: bool
    is_branch_point: bool
    is_merge_point: bool
    children: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "down_revisions": list(self.down_revisions),
            "depends_on": list(self.depends_on),
            "branch_labels": list(self.branch_labels),
            "message": self.message,
            "path": self.path,
            "is_head": self.is_head,
            "is_base": self.is_base,
            "is_branch_point": self.is_branch_point,
            "is_merge_point": self.is_merge_point,
            "children": list(self.children),
        }


def _info(workspace: Workspace, script: Any) -> RevisionInfo:
    from alembic.util import to_tuple

    return RevisionInfo(
        revision=script.revision,
        down_revisions=internals.versioned_down_revisions(script),
        depends_on=to_tuple(script.dependencies, default=()),
        branch_labels=tuple(sorted(script.branch_labels)),
        message=script.doc,
        path=workspace.relative(script.path),
        is_head=script.is_head,
        is_base=script.is_base,
        is_branch_point=script.is_branch_point,
        is_merge_point=script.is_merge_point,
        children=workspace.graph.ordered(script.nextrev),
    )


def heads(workspace: Workspace) -> list[RevisionInfo]:
    graph = workspace.graph
    return [_info(workspace, graph.get(rev)) for rev in graph.heads]


def history(workspace: Workspace, spec: str | None = None) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.history(spec)]


def branches(workspace: Workspace) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.branch_points()]


def show(workspace: Workspace, identifier: str) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.resolve(identifier)]


RevisionCommand = Literal["history", "heads", "branches", "show"]


def revisions_text(
    workspace: Workspace, command: RevisionCommand, infos: Sequence[RevisionInfo], verbose: bool
) -> str:
    """What `alembic COMMAND [-v]` prints for these revisions, line for line (people
    parse it in scripts). Where Alembic lists a set (branch labels, the revisions a
    branch point branches into) in hash order, the order here is fixed: labels sorted,
    children in the graph's order."""
    lines: list[str] = []
    for info in infos:
        script: Any = workspace.graph.get(info.revision)  # an Alembic Script
        if verbose or command == "show":
            lines.append(_log_entry(script, info.children))
        elif command == "history":
            lines.append(_head_only(script, doc=True, parents=True))
        elif command == "heads":
            lines.append(_head_only(script, tree=False))
        else:
            lines.append(_head_only(script))
        if command == "branches":
            pad = " " * len(str(script.revision))
            children = [
                f"{pad} -> {_head_only(workspace.graph.get(child), doc=verbose)}"
                for child in info.children
            ]
            lines[-1] += "\n" + "\n".join(children) + "\n"
    return "".join(f"{line}\n" for line in lines)


def _head_only(script: Any, *, doc: bool = False, parents: bool = False, tree: bool = True) -> str:
    """Alembic's Script._head_only(include_branches=True, ...), labels sorted."""
    text = str(script.revision)
    if parents:
        dependencies = _comma(script.dependencies)
        down = internals.format_down_revision(script)
        text = f"{down} ({dependencies}) -> {text}" if dependencies else f"{down} -> {text}"
    if script.branch_labels:
        text += f" ({', '.join(sorted(script.branch_labels))})"
    if internals.is_real_head(script):
        text += " (head)"
    elif script.is_head:
        text += " (effective head)"
    if tree:
        text += " (branchpoint)" if script.is_branch_point else ""
        text += " (mergepoint)" if script.is_merge_point else ""
    return f"{text}, {script.doc}" if doc else text


def _log_entry(script: Any, children: Sequence[str]) -> str:
    """Alembic's Script.log_entry, labels sorted and children in the graph's order."""
    flags = [("head", script.is_head), ("branchpoint", script.is_branch_point)]
    flags.append(("mergepoint", script.is_merge_point))
    entry = f"Rev: {script.revision}" + "".join(f" ({name})" for name, on in flags if on) + "\n"
    parent = "Merges" if script.is_merge_point else "Parent"
    entry += f"{parent}: {internals.format_down_revision(script)}\n"
    if script.dependencies:
        entry += f"Also depends on: {_comma(script.dependencies)}\n"
    if script.is_branch_point:
        entry += f"Branches into: {', '.join(children)}\n"
    if script.branch_labels:
        entry += f"Branch names: {', '.join(sorted(script.branch_labels))}\n"
    entry += f"Path: {script.path}\n"
    return entry + "\n" + "\n".join(f"    {p}" for p in script.longdoc.splitlines()) + "\n"


def _comma(value: str | Sequence[str] | None) -> str:
    from alembic.util import to_tuple

    return ", ".join(to_tuple(value, default=()))
