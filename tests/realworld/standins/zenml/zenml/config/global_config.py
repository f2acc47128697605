"""Stand-in for `zenml.config.global_config.GlobalConfiguration`.

A fixed client: its user id (ZenML generates one per installation), analytics off, and
a SQL store configuration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from zenml.enums import StoreType

USER_ID = uuid.UUID("6b1e5c1e-3f4a-4c2b-9d8e-1a2b3c4d5e6f")


@dataclass
class StoreConfiguration:
    type: StoreType = StoreType.SQL
    url: str = "sqlite://"


@dataclass
class GlobalConfiguration:
    user_id: uuid.UUID = field(default_factory=lambda: USER_ID)
    analytics_opt_in: bool = False
    store_configuration: StoreConfiguration = field(default_factory=StoreConfiguration)
