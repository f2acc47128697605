"""What one step did to the schema model, as a value: to replay a step without running it.

A delta holds the tables the step changed (their new value, or None for a table
it dropped or renamed away) and the model's small sets as they were after it.
Applying it to the model as it was before the step gives the model after it;
its digest, chained from step to step, names the model's state cheaply.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlgen.model.schema import (
    SchemaModel,
    TableKey,
    TableModel,
    Uncertainty,
    fingerprint_value,
    table_fingerprint_data,
)


@dataclass(frozen=True)
class ModelDelta:
    tables: tuple[tuple[TableKey, TableModel | None], ...]  # in the order the step changed them
    schemas: frozenset[str]
    views: frozenset[TableKey]
    uncertain: tuple[tuple[TableKey, Uncertainty], ...]
    unknown: Uncertainty | None

    @classmethod
    def of_step(
        cls, model: SchemaModel, journal: Mapping[TableKey, TableModel | None]
    ) -> ModelDelta:
        """The delta of a step, from the model after it and the journal of what it changed."""
        return cls(
            tables=tuple((key, model.tables.get(key)) for key in journal),
            schemas=frozenset(model.schemas),
            views=frozenset(model.views),
            uncertain=tuple(model.uncertain.items()),
            unknown=model.unknown,
        )

    def apply(self, model: SchemaModel) -> None:
        for key, table in self.tables:
            if table is None:
                model.remove(key)
            else:
                model.put(table)
        model.schemas = set(self.schemas)
        model.views = set(self.views)
        model.uncertain = dict(self.uncertain)
        model.unknown = self.unknown

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of canonical JSON: equal for deltas that change the model alike."""
        data = {
            "tables": [
                [list(key), None if table is None else table_fingerprint_data(table)]
                for key, table in self.tables
            ],
            "schemas": sorted(self.schemas),
            "views": sorted([k[0] or "", k[1]] for k in self.views),
            "uncertain": sorted(
                [k[0] or "", k[1], u.where, u.reason, u.existence] for k, u in self.uncertain
            ),
            "unknown": None
            if self.unknown is None
            else [self.unknown.where, self.unknown.reason, self.unknown.existence],
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=fingerprint_value)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chained(state: str, delta_digest: str) -> str:
    """The state after a step: a hash of the state before it and of what it changed."""
    return hashlib.sha256(f"{state}:{delta_digest}".encode()).hexdigest()


def initial_state(model: SchemaModel) -> str:
    return hashlib.sha256(f"start:{model.fingerprint()}".encode()).hexdigest()
