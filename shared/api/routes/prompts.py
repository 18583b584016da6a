"""Personas and guides of the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field

from shared.api.deps import CurrentUser
from shared.api.schemas import Schema
from shared.chat import prompts
from shared.chat.prompts import Fragment

router = APIRouter(tags=["chat"])

Name = Annotated[str, Field(min_length=1, max_length=prompts.MAX_NAME)]
Text = Annotated[str, Field(min_length=1, max_length=prompts.MAX_TEXT)]


class PersonaIn(Schema):
    name: Name
    prompt: Text


class GuideIn(Schema):
    name: Name
    body: Text


class PersonaOut(Schema):
    id: str
    name: str
    prompt: str
    is_default: bool


class GuideOut(Schema):
    id: str
    name: str
    body: str


def _persona(item: Fragment) -> PersonaOut:
    return PersonaOut(id=item.id, name=item.name, prompt=item.text, is_default=item.is_default)


def _guide(item: Fragment) -> GuideOut:
    return GuideOut(id=item.id, name=item.name, body=item.text)


@router.get("/personas", response_model=list[PersonaOut], summary="Your personas")
def list_personas(caller: CurrentUser) -> list[PersonaOut]:
    return [_persona(item) for item in prompts.list_personas(caller)]


@router.post("/personas", response_model=PersonaOut, status_code=201, summary="Create a persona")
def create_persona(body: PersonaIn, caller: CurrentUser) -> PersonaOut:
    return _persona(prompts.save_persona(caller, body.name, body.prompt))


@router.put("/personas/{persona_id}", response_model=PersonaOut, summary="Change a persona")
def update_persona(persona_id: str, body: PersonaIn, caller: CurrentUser) -> PersonaOut:
    return _persona(prompts.save_persona(caller, body.name, body.prompt, persona_id))


@router.delete("/personas/{persona_id}", status_code=204, summary="Delete a persona")
def delete_persona(persona_id: str, caller: CurrentUser) -> Response:
    prompts.delete_persona(caller, persona_id)
    return Response(status_code=204)


@router.get("/guides", response_model=list[GuideOut], summary="Your guides")
def list_guides(caller: CurrentUser) -> list[GuideOut]:
    return [_guide(item) for item in prompts.list_guides(caller)]


@router.post("/guides", response_model=GuideOut, status_code=201, summary="Create a guide")
def create_guide(body: GuideIn, caller: CurrentUser) -> GuideOut:
    return _guide(prompts.save_guide(caller, body.name, body.body))


@router.put("/guides/{guide_id}", response_model=GuideOut, summary="Change a guide")
def update_guide(guide_id: str, body: GuideIn, caller: CurrentUser) -> GuideOut:
    return _guide(prompts.save_guide(caller, body.name, body.body, guide_id))


@router.delete("/guides/{guide_id}", status_code=204, summary="Delete a guide")
def delete_guide(guide_id: str, caller: CurrentUser) -> Response:
    prompts.delete_guide(caller, guide_id)
    return Response(status_code=204)
