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

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Schema(BaseModel):
    """A request body or a value object: camelCase on the wire; unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class View(Schema):
    """What the API shows of an entity, read from its table row (or any object with those attributes)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", from_attributes=True, frozen=True
    )
