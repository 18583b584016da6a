"""The hourly quota of upload links: every presigned upload counts one against the user who asked for it.

Counted when the link is signed, not when a file arrives: a link is what costs (an upload record, a signed
policy), whether or not the browser posts to it. The window is the clock hour (14:00-15:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta

from shared.quotas import counter, settings
from shared.quotas.errors import UploadQuotaError

WINDOW = timedelta(hours=1)


def take_upload_link(user_id: str) -> None:
    """Count one upload link of the user, or refuse it (429, with when the hour ends) when the hour's are used up."""
    limit = settings.current().uploads_per_hour
    window = counter.take(f"quota#uploads#{user_id}", limit=limit, length=WINDOW)
    if not window.counted:
        raise UploadQuotaError(limit, window.end, window.seconds_left)
