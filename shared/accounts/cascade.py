"""Delete everything a user owns: every step is a query on a key or a by-user index, never a scan.

Each step is idempotent, so a cascade interrupted half way is finished by running it again (the user row
is deleted last, disabled from the first step on).
"""

from __future__ import annotations

from shared.accounts.store import delete_all
from shared.logs import logger
from shared.models import (
    ApiKey,
    CloudConnection,
    CloudCredential,
    CloudMount,
    Connection,
    Execution,
    Guide,
    IntegrationRun,
    Job,
    Meeting,
    PasswordReset,
    Persona,
    Project,
    ProjectMember,
    PromptScope,
    PromptVersion,
    QualitySignal,
    RawExchange,
    Schedule,
    Session,
    SessionEvent,
    Setting,
    TranscriptSegment,
    Upload,
    UsageEvent,
    prompt_scope_key,
)
from shared.models.admin import user_scope
from shared.projects import service as projects


def delete_user_data(user_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for session in list(Session.by_user.query(user_id)):
        counts["session_events"] = counts.get("session_events", 0) + delete_session(session.session_id)
        counts["sessions"] = counts.get("sessions", 0) + 1
    counts["raw_exchanges"] = delete_all(RawExchange, RawExchange.by_user.query(user_id))
    counts["quality_signals"] = delete_all(QualitySignal, QualitySignal.by_user.query(user_id))
    counts["usage_events"] = delete_all(UsageEvent, UsageEvent.query(user_id))
    counts["api_keys"] = delete_all(ApiKey, ApiKey.by_user.query(user_id))
    counts["password_resets"] = delete_all(PasswordReset, PasswordReset.by_user.query(user_id))
    counts["connections"] = _close_connections(user_id)
    counts["jobs"] = delete_all(Job, Job.by_owner.query(user_id))
    counts["uploads"] = delete_all(Upload, Upload.by_user.query(user_id))
    counts["integration_runs"] = delete_all(IntegrationRun, IntegrationRun.by_user.query(user_id))
    counts["schedules"] = delete_all(Schedule, Schedule.by_user.query(user_id))
    counts["executions"] = delete_all(Execution, Execution.by_user.query(user_id))
    counts["personas"] = delete_all(Persona, Persona.by_user.query(user_id))
    counts["guides"] = delete_all(Guide, Guide.by_user.query(user_id))
    counts["prompt_versions"] = delete_all(
        PromptVersion, PromptVersion.query(prompt_scope_key(PromptScope.USER, user_id))
    )
    counts["settings"] = delete_all(Setting, Setting.query(user_scope(user_id)))
    for meeting in list(Meeting.by_user.query(user_id)):
        delete_all(TranscriptSegment, TranscriptSegment.query(meeting.meeting_id))
        delete_all(Meeting, [meeting])
        counts["meetings"] = counts.get("meetings", 0) + 1
    for connection in list(CloudConnection.by_user.query(user_id)):
        delete_all(CloudMount, CloudMount.by_connection.query(connection.connection_id))
        delete_all(CloudCredential, [CloudCredential(connection.connection_id)])
        delete_all(CloudConnection, [connection])
        counts["cloud_connections"] = counts.get("cloud_connections", 0) + 1
    counts["project_memberships"] = delete_all(ProjectMember, ProjectMember.by_user.query(user_id))
    for project in list(Project.by_owner.query(user_id)):
        projects.remove(project)
        counts["projects"] = counts.get("projects", 0) + 1
    logger.info("user data deleted", extra={"user_id": user_id, "counts": counts})
    return counts


def delete_session(session_id: str) -> int:
    """A chat session with its event log, exchanges and quality signals; returns the events deleted."""
    events = delete_all(SessionEvent, SessionEvent.query(session_id))
    delete_all(RawExchange, RawExchange.query(session_id))
    delete_all(QualitySignal, QualitySignal.query(session_id))
    delete_all(Session, [Session(session_id)])
    return events


def _close_connections(user_id: str) -> int:
    """Forget the user's WebSocket connections and ask API Gateway to close them."""
    from shared.realtime.publisher import disconnect

    connections = list(Connection.by_user.query(user_id))
    for connection in connections:
        disconnect(connection.connection_id)
    return delete_all(Connection, connections)
