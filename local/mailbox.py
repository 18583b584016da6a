"""A Postmark-compatible endpoint that records messages instead of sending them (local mode only).

postmarker posts to `<root>/email` (the gateway's `POST /email`); the messages land in
`$STUDIO_DATA_DIR/mail/` as JSON, newest first in `GET /_local/mail`, so a developer can open a reset link
and tests can assert on what was sent. The mails hold password-reset links, so the listing answers only a
reader who presents the data folder's `local_token` (secrets.json) in `X-Studio-Local-Token`; anyone else on
the machine gets 403.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.data_folder import private_folder

READER_HEADER = "X-Studio-Local-Token"


class Mailbox:
    def __init__(self, folder: Path, server_token: str, reader_token: str) -> None:
        self.folder = folder
        self.server_token = server_token
        self.reader_token = reader_token
        private_folder(self.folder)

    async def receive(self, request: Request) -> Response:
        presented = request.headers.get("x-postmark-server-token", "")
        if not hmac.compare_digest(presented.encode(), self.server_token.encode()):
            return JSONResponse({"ErrorCode": 10, "Message": "Bad or missing Server API token."}, status_code=401)
        try:
            message = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"ErrorCode": 402, "Message": "Received invalid JSON input."}, status_code=422)
        if not isinstance(message, dict) or not message.get("To") or not message.get("From"):
            return JSONResponse({"ErrorCode": 300, "Message": "Invalid email request."}, status_code=422)
        message_id = str(uuid.uuid4())
        submitted = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record = {"MessageID": message_id, "SubmittedAt": submitted, **message}
        (self.folder / f"{time.time_ns()}-{message_id}.json").write_text(json.dumps(record, indent=2))
        return JSONResponse(
            {"To": message["To"], "SubmittedAt": submitted, "MessageID": message_id, "ErrorCode": 0, "Message": "OK"}
        )

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(path.read_text()) for path in sorted(self.folder.glob("*.json"), reverse=True)]

    async def list(self, request: Request) -> Response:
        presented = request.headers.get(READER_HEADER, "")
        if not hmac.compare_digest(presented.encode(), self.reader_token.encode()):
            message = f"The local mailbox answers only a reader with the data folder's token in {READER_HEADER}."
            return JSONResponse({"error": {"code": "forbidden", "message": message}}, status_code=403)
        return JSONResponse({"messages": self.messages()})
