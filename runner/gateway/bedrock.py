"""Amazon Bedrock as an upstream: the CLI's Bedrock requests, signed with SigV4 by the gateway's AWS credential.

With CLAUDE_CODE_USE_BEDROCK=1 and ANTHROPIC_BEDROCK_BASE_URL=<gateway>, the CLI sends

    POST /model/{modelId}/invoke                        a whole Messages API answer (application/json)
    POST /model/{modelId}/invoke-with-response-stream   its stream events in AWS event-stream frames

with the job token as `Authorization: Bearer` (its AWS_BEARER_TOKEN_BEDROCK). The gateway drops that and any
`x-amz-*` header the client sent, and signs the request exactly as it goes out: the path as the CLI encoded it (a
model id's `:` arrives as `%3A`; SigV4 for services other than S3 encodes the path once more in the canonical
request, as AWS does when it checks), behind the endpoint's base path, with the endpoint's host and the body.

The credential is the one given, or botocore's default chain (in the cloud: the task role, through the container
credentials endpoint), resolved on first use; a refreshable credential is refreshed by botocore when it nears
its expiry, since every signature asks it for its current value. Signing runs in a thread: a refresh calls the
credentials endpoint, and the payload hash reads the whole body.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from urllib.parse import unquote

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import BotoCoreError

from runner.gateway.errors import UpstreamCredentialsError
from runner.gateway.meter import EventStreamMeter, JsonMeter, Meter
from runner.gateway.upstream import Origin, Outgoing, Request, Route, forwardable

SERVICE = "bedrock"  # the SigV4 signing name of bedrock-runtime
# AWS's standard per-service endpoint override, as botocore and the AWS SDKs read it.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
_ROUTE = re.compile(r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)")
_ROUTE_NAMES = {"invoke": "invoke", "invoke-with-response-stream": "invoke-stream"}
_SIGNATURE_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
# botocore.auth logs the canonical request (which holds the session token) and the signature at DEBUG.
_SIGNING_DETAILS = ("CanonicalRequest", "StringToSign", "Signature")


class BedrockUpstream:
    """Bedrock Runtime in one region, with a given AWS credential or botocore's default chain."""

    provider = "bedrock"

    def __init__(self, *, region: str, credentials: Credentials | None = None, endpoint_url: str | None = None) -> None:
        if not region:
            raise ValueError("a Bedrock upstream needs a region")
        self.region = region
        url = endpoint_url or os.environ.get(ENDPOINT_VARIABLE) or f"https://bedrock-runtime.{region}.amazonaws.com"
        self.origin = Origin.parse(url)
        self._credentials = credentials
        self._resolving = threading.Lock()
        logging.getLogger("botocore.auth").addFilter(_without_signing_details)  # idempotent

    def __repr__(self) -> str:  # never the credential
        return f"BedrockUpstream({str(self.origin)!r}, region={self.region!r})"

    def route(self, method: str, path: str) -> Route | None:
        match = _ROUTE.fullmatch(path) if method == "POST" else None
        if match is None:
            return None
        return Route(_ROUTE_NAMES[match["action"]], metered=True, model=unquote(match["model"]))

    async def prepare(self, request: Request) -> Outgoing:
        return await asyncio.to_thread(self.sign, request)

    def sign(self, request: Request) -> Outgoing:
        """The outgoing request for `request`: its headers without the client's credential, and a fresh signature."""
        target = self.origin.base_path.encode() + request.target
        host = self.origin.host_header
        kept = [(name, value) for name, value in forwardable(request.headers) if not name.startswith(b"x-amz-")]
        signed = AWSRequest(method=request.method, url=str(self.origin) + target.decode("latin-1"), data=request.body)
        signed.headers["host"] = host.decode("latin-1")
        for name, value in kept:
            if name == b"content-type":
                signed.headers["content-type"] = value.decode("latin-1")
        SigV4Auth(self._current_credentials(), SERVICE, self.region).add_auth(signed)
        signature = [
            (name.lower().encode(), signed.headers[name].encode("latin-1"))
            for name in _SIGNATURE_HEADERS
            if name in signed.headers
        ]
        headers = [
            (b"host", host),
            *kept,
            (b"accept-encoding", b"identity"),
            (b"content-length", str(len(request.body)).encode()),
            *signature,
        ]
        return Outgoing(target, headers)

    def meter(self, route: Route, content_type: str) -> Meter | None:
        if not route.metered:
            return None
        if content_type.startswith("application/vnd.amazon.eventstream"):
            return EventStreamMeter(model=route.model)
        if content_type.startswith("application/json"):
            return JsonMeter(model=route.model)
        return None

    def _current_credentials(self) -> ReadOnlyCredentials:
        """The credential's value now (a refreshable one refreshes itself when it nears its expiry)."""
        try:
            return self._resolved().get_frozen_credentials()
        except BotoCoreError as exc:
            raise UpstreamCredentialsError(f"The model gateway could not get its AWS credentials: {exc}") from exc

    def _resolved(self) -> Credentials:
        with self._resolving:
            if self._credentials is None:
                found = botocore.session.Session().get_credentials()
                if found is None:
                    raise UpstreamCredentialsError(
                        "The model gateway found no AWS credentials for Bedrock (environment, config files, "
                        "container or instance role)."
                    )
                self._credentials = found
            return self._credentials


def _without_signing_details(record: logging.LogRecord) -> bool:
    return not (isinstance(record.msg, str) and record.msg.startswith(_SIGNING_DETAILS))
