"""Personas and guides of the caller."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared.api.deps import CurrentUser
from shared.chat import prompts
from shared.chat.schemas import GuideIn, PersonaIn
from shared.chat.views import Guide, Persona

router = APIRouter(tags=["chat"])


@router.get("/personas", response_model=list[Persona], summary="Your personas")
def list_personas(caller: CurrentUser) -> list[Persona]:
    return prompts.list_personas(caller)


@router.post("/personas", response_model=Persona, status_code=201, summary="Create a persona")
def create_persona(body: PersonaIn, caller: CurrentUser) -> Persona:
    return prompts.save_persona(caller, body)


@router.put("/personas/{persona_id}", response_model=Persona, summary="Change a persona")
def update_persona(persona_id: str, body: PersonaIn, caller: CurrentUser) -> Persona:
    return prompts.save_persona(caller, body, persona_id)


@router.delete("/personas/{persona_id}", status_code=204, summary="Delete a persona")
def delete_persona(persona_id: str, caller: CurrentUser) -> Response:
    prompts.delete_persona(caller, persona_id)
    return Response(status_code=204)


@router.get("/guides", response_model=list[Guide], summary="Your guides")
def list_guides(caller: CurrentUser) -> list[Guide]:
    return prompts.list_guides(caller)


@router.post("/guides", response_model=Guide, status_code=201, summary="Create a guide")
def create_guide(body: GuideIn, caller: CurrentUser) -> Guide:
    return prompts.save_guide(caller, body)


@router.put("/guides/{guide_id}", response_model=Guide, summary="Change a guide")
def update_guide(guide_id: str, body: GuideIn, caller: CurrentUser) -> Guide:
    return prompts.save_guide(caller, body, guide_id)


@router.delete("/guides/{guide_id}", status_code=204, summary="Delete a guide")
def delete_guide(guide_id: str, caller: CurrentUser) -> Response:
    prompts.delete_guide(caller, guide_id)
    return Response(status_code=204)
