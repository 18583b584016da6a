"""The one base of every public shape: camelCase on the wire, snake_case in Python.

    class Schedule(View):                         # a domain's view: built from its row, returned by routes
        id: str = Field(validation_alias=AliasChoices("schedule_id", "id"))
        name: str
        next_run_at: datetime | None

    Schedule.model_validate(row)                  # every field read from the row's attribute of the same name

An entity's fields are written once, in its view, next to its domain; routes return views as they are, and
inputs are `Schema` models of the domain too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

# A count or an amount a row leaves empty until it is known (tokens of a run still going) reads as zero.
Count = Annotated[int, BeforeValidator(lambda value: value or 0)]
Amount = Annotated[float, BeforeValidator(lambda value: value or 0.0)]


class Schema(BaseModel):
    """A request body or a value object: camelCase on the wire; unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class View(Schema):
    """What the API shows of an entity, read from its table row (or any object with those attributes)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        from_attributes=True,
        frozen=True,
        defer_build=True,
    )
