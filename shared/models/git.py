"""Git for projects: each project's remotes (the repository itself lives in S3, beside the project's files)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.models.base import StudioModel, utcnow
from shared.models.fields import SealedSecret


class GitRemote(StudioModel):
    """A project's remote: an HTTPS URL without credentials, and the token or password sealed beside it."""

    class Meta:
        logical_name = "git_remotes"

    project_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)  # "origin"
    url = UnicodeAttribute()
    username = UnicodeAttribute(null=True)
    credential = UnicodeAttribute(null=True)  # "token" or "password"
    hint = UnicodeAttribute(null=True)  # the secret's last four characters, to recognise it
    secret = SealedSecret(null=True)
    updated_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
