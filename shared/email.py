"""Outgoing email through Postmark (postmarker); locally the gateway records messages instead."""

from __future__ import annotations

from dataclasses import dataclass

from postmarker.core import PostmarkClient

from shared import secrets
from shared.errors import StudioError
from shared.logs import logger
from shared.settings import get_settings


class EmailDeliveryError(StudioError):
    status = 500
    code = "email_failed"


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    tag: str


def is_configured() -> bool:
    settings = get_settings()
    return bool(settings.postmark_token or settings.postmark_token_arn)


def send(email: Email) -> str:
    """Send one message; returns Postmark's message id. Failures are logged and raised."""
    settings = get_settings()
    token = secrets.resolve(settings.postmark_token, settings.postmark_token_arn)
    if not token:
        raise EmailDeliveryError("Email is not configured.", code="email_not_configured")
    client = PostmarkClient(server_token=token, root_api_url=settings.postmark_api_url, timeout=10)
    try:
        response = client.emails.send(
            From=settings.email_from, To=email.to, Subject=email.subject, TextBody=email.text, Tag=email.tag
        )
    except Exception as exc:  # postmarker raises requests and ClientError types; all mean "not sent"
        logger.exception("email not sent", extra={"tag": email.tag})
        raise EmailDeliveryError("We could not send the email right now; try again later.") from exc
    logger.info("email sent", extra={"tag": email.tag, "message_id": response.get("MessageID")})
    return str(response.get("MessageID", ""))
