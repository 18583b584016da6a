"""Personas (a named role for Claude) and guides (markdown instructions) of a user, applied to sessions."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared.accounts.domain import Principal
from shared.db import delete_all
from shared.errors import NotFoundError, ValidationError
from shared.models import Guide, Persona, Session
from shared.models.base import utcnow

MAX_NAME = 100
MAX_TEXT = 20_000
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Fragment:
    kind: str  # "persona" or "guide"
    id: str
    name: str
    text: str
    is_default: bool = False


def _checked(name: Any, text: Any) -> tuple[str, str]:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise ValidationError(f"A name is 1 to {MAX_NAME} characters.", code="invalid_name")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise ValidationError(f"The text is 1 to {MAX_TEXT:,} characters.", code="invalid_text")
    return name.strip(), text


def _persona(row: Persona) -> Fragment:
    return Fragment("persona", row.persona_id, row.name, row.prompt, bool(row.is_default))


def _guide(row: Guide) -> Fragment:
    return Fragment("guide", row.guide_id, row.name, row.body)


def list_personas(caller: Principal) -> list[Fragment]:
    return [_persona(row) for row in Persona.by_user.query(caller.user_id)]


def list_guides(caller: Principal) -> list[Fragment]:
    return [_guide(row) for row in Guide.by_user.query(caller.user_id)]


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


def save_persona(caller: Principal, name: Any, prompt: Any, persona_id: str | None = None) -> Fragment:
    name, prompt = _checked(name, prompt)
    row = _own_persona(caller, persona_id) if persona_id else Persona(uuid.uuid4().hex, user_id=caller.user_id)
    row.name, row.prompt, row.updated_at = name, prompt, utcnow()
    row.save()
    return _persona(row)


def save_guide(caller: Principal, name: Any, body: Any, guide_id: str | None = None) -> Fragment:
    name, body = _checked(name, body)
    row = _own_guide(caller, guide_id) if guide_id else Guide(uuid.uuid4().hex, user_id=caller.user_id)
    row.name, row.body, row.updated_at = name, body, utcnow()
    row.save()
    return _guide(row)


def delete_persona(caller: Principal, persona_id: str) -> None:
    _own_persona(caller, persona_id).delete()


def delete_guide(caller: Principal, guide_id: str) -> None:
    _own_guide(caller, guide_id).delete()


def apply(caller: Principal, session: Session, *, persona_id: Any = ..., guide_ids: Any = ...) -> None:
    """Set a session's persona (None clears it) and applied guides; only the caller's own."""
    actions: list[Any] = []
    if persona_id is not ...:
        if persona_id is None:
            actions.append(Session.persona_id.remove())
        else:
            actions.append(Session.persona_id.set(_own_persona(caller, persona_id).persona_id))
    if guide_ids is not ...:
        if not isinstance(guide_ids, list) or len(guide_ids) > 20:
            raise ValidationError("'guideIds' is a list of at most 20 guide ids.", code="invalid_request")
        ids = {_own_guide(caller, guide_id).guide_id for guide_id in guide_ids}
        actions.append(Session.guide_ids.set(ids) if ids else Session.guide_ids.remove())
    if actions:
        session.update(actions=[*actions, Session.updated_at.set(utcnow())])


def delete_for_user(user_id: str) -> dict[str, int]:
    return {
        "personas": delete_all(Persona, Persona.by_user.query(user_id)),
        "guides": delete_all(Guide, Guide.by_user.query(user_id)),
    }
