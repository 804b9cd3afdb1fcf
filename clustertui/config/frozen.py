"""The base of every cluster-file model (its own module so that sections in their own
modules, like thresholds.py, can use it without importing model.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .scalars import fail


class Frozen(BaseModel):
    """Base of every cluster-file model: strict types, no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def _exactly_one(self, *fields: str) -> None:
        given = [f for f in fields if getattr(self, f) is not None]
        if len(given) != 1:
            found = " and ".join(given) if given else "none"
            raise fail(f"expected exactly one of {', '.join(fields)}, found {found}")
