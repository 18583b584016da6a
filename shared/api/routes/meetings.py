"""Workflow 10, meetings (docs/meetings.md): capture, transcript, advice and analysis; every meeting is its owner's.

The literal paths (/start, /segments, /transcript, ...) come before /{meetingId}, which would otherwise take them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as SchemaError

from shared.api.deps import CurrentUser
from shared.meetings import capture, service
from shared.meetings.schemas import AdviseNow, AudioSegment, MeetingRef, RenameMeeting, StartMeeting, TextSegment
from shared.meetings.views import AdviceRequested, Meeting, MeetingsPage, Segment, Transcript

router = APIRouter(prefix="/meetings", tags=["meetings"])
SegmentSchema = TypeVar("SegmentSchema", TextSegment, AudioSegment)

MEETING_ID = r"^[0-9a-f]{32}$"
MeetingInPath = Annotated[str, Path(pattern=MEETING_ID, description="The meeting's id")]
MeetingQuery = Annotated[str, Query(alias="meetingId", pattern=MEETING_ID, description="The meeting's id")]
_AUDIO = {"schema": {"type": "string", "format": "binary"}}
_SEGMENT_BODY: dict[str, Any] = {
    "parameters": [
        {"name": name, "in": "query", "required": False, "description": f"{what} (audio segments)", "schema": schema}
        for name, what, schema in (
            ("meetingId", "The meeting's id", {"type": "string", "pattern": MEETING_ID}),
            ("seq", "The segment's number: 1, 2, 3 ...", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
            ("startMs", "Where the segment starts in the meeting, in ms", {"type": "integer", "minimum": 0}),
        )
    ],
    "requestBody": {
        "required": True,
        "content": {
            "audio/wav": _AUDIO,
            "audio/L16": _AUDIO,
            "application/json": {"schema": TextSegment.model_json_schema(by_alias=True)},
        },
    },
}


@router.post("/start", response_model=Meeting, status_code=201, summary="Start capturing a meeting")
def start(body: StartMeeting, caller: CurrentUser) -> Meeting:
    return service.start(caller, body)


@router.post(
    "/segments",
    response_model=Segment,
    status_code=201,
    summary="Add a segment: audio (audio/wav, audio/L16;rate=N) transcribed now, or text the client transcribed",
    openapi_extra=_SEGMENT_BODY,
)
async def add_segment(request: Request, caller: CurrentUser) -> Segment:
    body = await request.body()  # the whole body is already in memory (API Gateway → Lambda, base64 decoded)
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "application/json":
        return capture.add_text(caller, _parsed(TextSegment, body))
    query = {name: value for name in ("meetingId", "seq", "startMs") if (value := request.query_params.get(name))}
    where = _parsed(AudioSegment, query)
    return capture.add_audio(caller, where, body, content_type)


@router.post("/advise-now", response_model=AdviceRequested, status_code=202, summary="Ask Claude for advice now")
def advise_now(body: AdviseNow, caller: CurrentUser) -> AdviceRequested:
    return service.advise_now(caller, body)


@router.post("/stop", response_model=Meeting, summary="Stop capturing: the meeting is captured, not analyzed")
def stop(body: MeetingRef, caller: CurrentUser) -> Meeting:
    return service.stop(caller, body.meeting_id)


@router.get("/transcript", response_model=Transcript, summary="The transcript's lines, in order, a page at a time")
def transcript(
    meeting_id: MeetingQuery,
    caller: CurrentUser,
    after: Annotated[int, Query(ge=0, description="The nextAfter of the page before")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="Segments per page")] = 200,
) -> Transcript:
    return service.transcript(caller, meeting_id, after=after, limit=limit)


@router.post("/analyze", response_model=Meeting, status_code=202, summary="Have Claude analyze the meeting")
def analyze(body: MeetingRef, caller: CurrentUser) -> Meeting:
    return service.analyze(caller, body.meeting_id)


@router.post("/retry", response_model=Meeting, summary="Transcribe the segments that failed again, in order")
def retry(body: MeetingRef, caller: CurrentUser) -> Meeting:
    return capture.retry(caller, body.meeting_id)


@router.get("", response_model=MeetingsPage, summary="Your meetings, newest first")
def list_meetings(
    caller: CurrentUser,
    before: Annotated[datetime | None, Query(description="nextBefore of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MeetingsPage:
    if before is not None and before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    return service.list_for(caller, before=before, limit=limit)


@router.get("/{meeting_id}", response_model=Meeting, summary="One of your meetings, with its analysis and advice")
def get_meeting(meeting_id: MeetingInPath, caller: CurrentUser) -> Meeting:
    return service.get(caller, meeting_id)


@router.patch("/{meeting_id}", response_model=Meeting, summary="Rename a meeting")
def rename(meeting_id: MeetingInPath, body: RenameMeeting, caller: CurrentUser) -> Meeting:
    return service.rename(caller, meeting_id, body.title)


@router.delete("/{meeting_id}", status_code=204, summary="Delete a meeting, its transcript and kept audio")
def delete(meeting_id: MeetingInPath, caller: CurrentUser) -> Response:
    service.delete(caller, meeting_id)
    return Response(status_code=204)


def _parsed(schema: type[SegmentSchema], data: bytes | dict[str, Any]) -> SegmentSchema:
    """The body or query as `schema`, its problems answered like any request's (400, the fields named)."""
    try:
        return schema.model_validate_json(data) if isinstance(data, bytes) else schema.model_validate(data)
    except SchemaError as exc:
        raise RequestValidationError(exc.errors()) from None
