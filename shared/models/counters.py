"""Counters kept exact by conditional updates (e.g. active administrators)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.models.base import StudioModel

ACTIVE_ADMINS = "active-admins"


class Counter(StudioModel):
    """A named number changed only inside transactions that also change what it counts."""

    class Meta:
        logical_name = "counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
