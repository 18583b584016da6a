"""What administrators send to set the provider up."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shared.schema import Schema

# Printable, no spaces: a pasted key with a line break or a quote around it is refused with a clear message.
Credential = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=512, pattern=r"^\S+$")]
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
MODEL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{2,199}$"
MIN_ACKNOWLEDGMENT = 10


class ClaudeKey(Schema):
    api_key: Credential


class KeyTest(Schema):
    """Test this key, or the stored (or environment's) one when none is given."""

    api_key: Credential | None = None


class BedrockSetup(Schema):
    region: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=32)]
    access_key_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9]{16,128}$")] | None = None
    secret_access_key: Credential | None = None
    use_task_role: bool = False

    @model_validator(mode="after")
    def _credentials(self) -> BedrockSetup:
        if not REGION.match(self.region):
            raise ValueError(f"'{self.region}' is not an AWS region (for example us-east-1).")
        keys = (self.access_key_id, self.secret_access_key)
        if self.use_task_role and any(keys):
            raise ValueError("Give either access keys or use the runner's task role, not both.")
        if not self.use_task_role and not all(keys):
            raise ValueError("Give both the access key id and the secret access key.")
        return self


class BedrockTest(Schema):
    model_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=MODEL_ID)] | None = None


class ModelChoice(Schema):
    model_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=MODEL_ID)]


class ContextChoice(Schema):
    enabled: bool
    acknowledgment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None, description="What the administrator acknowledged; required to turn 1M context on."
    )

    @model_validator(mode="after")
    def _acknowledged(self) -> ContextChoice:
        if self.enabled and len(self.acknowledgment or "") < MIN_ACKNOWLEDGMENT:
            raise ValueError("Turning 1M-token context on needs the acknowledgement of its cost and limits.")
        return self
