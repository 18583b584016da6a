"""Personas (a named role for Claude) and guides (markdown instructions) of a user, applied to sessions.

The `personas` and `guides` tables are this module's; a session names the ones applied to it
(shared.chat.sessions.update), and the runner reads their text for the system prompt (`instructions`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared.accounts.domain import Principal
from shared.chat import views
from shared.chat.schemas import MAX_NAME, MAX_TEXT, GuideIn, PersonaIn
from shared.db import delete_all
from shared.errors import NotFoundError, ValidationError
from shared.models.base import utcnow
from shared.models.prompts import Guide, Persona

MAX_GUIDES = 20
_ID = re.compile(r"^[0-9a-f]{32}$")


def _checked(name: str, text: str) -> tuple[str, str]:
    if not name.strip() or len(name.strip()) > MAX_NAME:
        raise ValidationError(f"A name is 1 to {MAX_NAME} characters.", code="invalid_name")
    if not text.strip() or len(text) > MAX_TEXT:
        raise ValidationError(f"The text is 1 to {MAX_TEXT:,} characters.", code="invalid_text")
    return name.strip(), text


def list_personas(caller: Principal) -> list[views.Persona]:
    return [views.Persona.model_validate(row) for row in Persona.by_user.query(caller.user_id)]


def list_guides(caller: Principal) -> list[views.Guide]:
    return [views.Guide.model_validate(row) for row in Guide.by_user.query(caller.user_id)]


def _own_persona(caller: Principal, persona_id: Any) -> Persona:
    try:
        row = Persona.get(persona_id) if isinstance(persona_id, str) and _ID.match(persona_id) else None
    except DoesNotExist:
        row = None
    if row is None or row.user_id != caller.user_id:
        raise NotFoundError("There is no such persona.", code="persona_not_found")
    return row


def _own_guide(caller: Principal, guide_id: Any) -> Guide:
    try:
        row = Guide.get(guide_id) if isinstance(guide_id, str) and _ID.match(guide_id) else None
    except DoesNotExist:
        row = None
    if row is None or row.user_id != caller.user_id:
        raise NotFoundError("There is no such guide.", code="guide_not_found")
    return row


def save_persona(caller: Principal, persona: PersonaIn, persona_id: str | None = None) -> views.Persona:
    name, prompt = _checked(persona.name, persona.prompt)
    row = _own_persona(caller, persona_id) if persona_id else Persona(uuid.uuid4().hex, user_id=caller.user_id)
    row.name, row.prompt, row.updated_at = name, prompt, utcnow()
    row.save()
    return views.Persona.model_validate(row)


def save_guide(caller: Principal, guide: GuideIn, guide_id: str | None = None) -> views.Guide:
    name, body = _checked(guide.name, guide.body)
    row = _own_guide(caller, guide_id) if guide_id else Guide(uuid.uuid4().hex, user_id=caller.user_id)
    row.name, row.body, row.updated_at = name, body, utcnow()
    row.save()
    return views.Guide.model_validate(row)


def delete_persona(caller: Principal, persona_id: str) -> None:
    _own_persona(caller, persona_id).delete()


def delete_guide(caller: Principal, guide_id: str) -> None:
    _own_guide(caller, guide_id).delete()


def own_persona_id(caller: Principal, persona_id: Any) -> str:
    """The id of one of the caller's personas (to apply to a session); anyone else's is "not found"."""
    return str(_own_persona(caller, persona_id).persona_id)


def own_guide_ids(caller: Principal, guide_ids: Any) -> set[str]:
    """The ids of the caller's guides among `guide_ids` (to apply to a session); anyone else's is "not found"."""
    if not isinstance(guide_ids, list) or len(guide_ids) > MAX_GUIDES:
        raise ValidationError(f"'guideIds' is a list of at most {MAX_GUIDES} guide ids.", code="invalid_request")
    return {str(_own_guide(caller, guide_id).guide_id) for guide_id in guide_ids}


def instructions(persona_id: str | None, guide_ids: Iterable[str]) -> list[str]:
    """The persona's and the guides' text for a session's system prompt; one deleted since is left out."""
    parts = []
    if persona_id:
        try:
            persona = Persona.get(persona_id)
            parts.append(f"Persona: {persona.name}\n{persona.prompt}")
        except DoesNotExist:
            pass
    for guide_id in sorted(guide_ids):
        try:
            guide = Guide.get(guide_id)
            parts.append(f"Guide: {guide.name}\n{guide.body}")
        except DoesNotExist:
            continue
    return parts


def delete_for_user(user_id: str) -> dict[str, int]:
    return {
        "personas": delete_all(Persona, Persona.by_user.query(user_id)),
        "guides": delete_all(Guide, Guide.by_user.query(user_id)),
    }
