"""Revision files known from an earlier run, so unchanged ones need not be executed.

Loading a project executes every revision file (as Alembic does) to read its
`revision`, `down_revision`, `branch_labels`, `depends_on` and docstring. When
almost every revision's SQL comes from the cache, that is most of the work left.
The index remembers those values per file content (sha256), and a file found in
it is loaded lazily: its module is executed only when something asks for more
than those values (its upgrade(), its downgrade()).

Only files whose loading provably does nothing else are indexed: at the top
level just a docstring, imports from Alembic, SQLAlchemy, typing and sqlgen,
assignments of literal values, and undecorated functions with literal defaults
(see `pure_source`). A file that imports project code or runs anything at import
is always executed, as before, so skipping a file can never skip a side effect
another revision relies on.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from alembic import util as alembic_util

from sqlgen.cache.steps import prepare_folder
from sqlgen.errors import OutputError
from sqlgen.files.output import write_inside

FORMAT = 1
INDEX_FILE = "scripts.idx"
_HEADER = f"sqlgen script index {FORMAT}"

# Imports whose loading is side-effect free for a migration's purposes: these
# packages are loaded before any revision runs.
_PURE_IMPORTS = {"__future__", "alembic", "sqlalchemy", "typing", "collections", "sqlgen"}
_METADATA = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class ScriptFacts:
    """What Alembic reads from a revision module when it builds the revision graph."""

    revision: str
    down_revision: Any
    branch_labels: Any
    depends_on: Any
    doc: str | None
    names: list[str]  # every name the module defines: asking for another needs no loading

    @classmethod
    def of(cls, module: ModuleType, names: list[str]) -> ScriptFacts | None:
        values = [getattr(module, name, None) for name in _METADATA]
        if not isinstance(values[0], str) or not all(_plain(v) for v in values[1:]):
            return None
        return cls(values[0], values[1], values[2], values[3], module.__doc__, names)

    def as_json(self) -> dict[str, Any]:
        return {name: _encoded(value) for name, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScriptFacts:
        return cls(**{name: _decoded(value) for name, value in data.items()})


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _encoded(value: Any) -> Any:
    # JSON has no tuples; keep which of list and tuple the module used
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: list(value)}
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, items),) = value.items()
        return tuple(items) if kind == "tuple" else list(items)
    return value


def _imports_are_pure(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in _PURE_IMPORTS
    return all(alias.name.split(".")[0] in _PURE_IMPORTS for alias in node.names)


def _literal(node: ast.expr | None) -> bool:
    if node is None:
        return True
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _annotation(node: ast.expr | None) -> bool:
    """Names, dotted names, subscripts and `|` of them (as `Union[str, None]`): no calls."""
    return node is None or not any(
        isinstance(n, (ast.Call, ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield))
        for n in ast.walk(node)
    )


def _function_is_pure(node: ast.FunctionDef) -> bool:
    arguments = node.args
    annotations = [a.annotation for a in (*arguments.posonlyargs, *arguments.args)]
    annotations += [a.annotation for a in arguments.kwonlyargs]
    return (
        not node.decorator_list
        and all(_literal(d) for d in (*arguments.defaults, *arguments.kw_defaults))
        and arguments.vararg is None
        and arguments.kwarg is None
        and all(_annotation(a) for a in (*annotations, node.returns))
    )


def _statement_is_pure(node: ast.stmt, first: bool) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _imports_are_pure(node)
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) for t in node.targets) and _literal(node.value)
    if isinstance(node, ast.AnnAssign):
        return (
            isinstance(node.target, ast.Name)
            and _annotation(node.annotation)
            and _literal(node.value)
        )
    if isinstance(node, ast.FunctionDef):
        return _function_is_pure(node)
    # the docstring
    return (
        first
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def pure_names(source: bytes) -> list[str] | None:
    """The names a module defines, when executing it can do nothing else (see the
    module doc); None when it could."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    if not all(_statement_is_pure(node, i == 0) for i, node in enumerate(tree.body)):
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:  # a bare annotation defines nothing
                names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return None if "*" in names else sorted(names)


class LazyScriptModule(ModuleType):
    """A revision module with its graph facts set; executed on first use of anything else."""

    def __init__(self, path: Path, facts: ScriptFacts) -> None:
        super().__init__(_module_id(path), facts.doc)
        self.__file__ = str(path)
        self.revision = facts.revision
        self.down_revision = facts.down_revision
        self.branch_labels = facts.branch_labels
        self.depends_on = facts.depends_on
        self._sqlgen_names = frozenset(facts.names)

    def __getattr__(self, name: str) -> Any:
        # only called for names not set yet: a name the module does not define is
        # answered without it; else load the real module once, then answer
        known = self.__dict__
        if known.get("_sqlgen_loaded") or (
            name not in known["_sqlgen_names"] and not name.startswith("__")
        ):
            raise AttributeError(name)
        path = Path(self.__dict__["__file__"])
        real = alembic_util.load_python_file(path.parent, path.name)
        self.__dict__.update(vars(real))
        self.__dict__["_sqlgen_loaded"] = True
        return getattr(real, name)


def _module_id(path: Path) -> str:
    # the module name Alembic gives a revision file (alembic.util.load_python_file)
    return re.sub(r"\W", "_", path.name)


class ScriptIndex:
    """The index file: sha256 of a revision file -> its ScriptFacts.

    The file carries a sha256 of its entries: one that is missing, does not
    match or does not decode is ignored (every file is executed) and rewritten.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / INDEX_FILE
        self.stored: dict[str, Any] = self._load()  # decoded only when asked for
        self.seen: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        try:
            header, digest, text = self.path.read_text(encoding="utf-8").split("\n", 2)
            if header != _HEADER or hashlib.sha256(text.encode()).hexdigest() != digest:
                return {}
            entries = json.loads(text)
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def facts(self, digest: str) -> ScriptFacts | None:
        entry = self.stored.get(digest)
        if entry is None:
            return None
        try:
            found = ScriptFacts.from_json(entry)
        except (TypeError, ValueError, AttributeError):
            return None  # not an entry this version wrote: the file is executed
        self.seen[digest] = entry
        return found

    def learn(self, digest: str, source: bytes, module: ModuleType) -> None:
        names = pure_names(source)
        facts = None if names is None else ScriptFacts.of(module, names)
        if facts is not None:
            self.seen[digest] = facts.as_json()

    def save(self) -> None:
        """Keep the files of this run only, so the index never outgrows the project."""
        if self.seen.keys() == self.stored.keys():
            return  # an entry's content follows from its key: nothing changed
        text = json.dumps(self.seen, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()
        # an index not written only makes the next run slower
        with contextlib.suppress(OSError, OutputError):
            folder = prepare_folder(self.path.parent)
            data = f"{_HEADER}\n{digest}\n{text}".encode()
            source = f"the rendering cache {folder}"
            write_inside(folder, INDEX_FILE, data, source, durable=False, folder="cache folder")
