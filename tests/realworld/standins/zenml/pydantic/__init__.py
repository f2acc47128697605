"""Stand-in for `pydantic.BaseModel`: revision 7b651bf6822e declares models with it.

Only used to read secrets from an external secrets store, which the stand-in
SqlZenStore does not have: class definitions must work, validation is not needed.
"""

from __future__ import annotations

from typing import Any


class BaseModel:
    def __init__(self, **data: Any) -> None:
        for key, value in data.items():
            setattr(self, key, value)
