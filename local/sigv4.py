"""AWS Signature Version 4 verified as AWS verifies it, for the local stack's AWS endpoint and `@connections` API.

The canonical request is rebuilt from what came over the wire (the method, the path and query still
percent-encoded, the headers the client named as signed, the body) and handed to botocore's own signer
classes, so it is byte for byte what a signing botocore client computed:

    Authorization: AWS4-HMAC-SHA256 …? ──── header-signed ─┐
    X-Amz-Signature in the query? ───────── presigned ─────┤  neither ── MissingAuthenticationToken
                                                           ▼
    credential scope, signed headers, date well formed? ───── IncompleteSignature
    access key id one of ours? ─────────────────────────────── InvalidAccessKeyId
    signature of the rebuilt canonical request? ───────────── SignatureDoesNotMatch
    body against its declared x-amz-content-sha256? ──────── XAmzContentSHA256Mismatch
    x-amz-date within 15 minutes / presigned URL unexpired? ── RequestTimeTooSkewed / RequestExpired

Payloads: S3 signs the `x-amz-content-sha256` header (a hash, or UNSIGNED-PAYLOAD / STREAMING-… markers) and
a presigned S3 URL signs UNSIGNED-PAYLOAD; every other service signs the hash of the body itself.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # S3's limit on X-Amz-Expires
UNHASHED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")  # S3's markers for a body not hashed up front

MISSING = "MissingAuthenticationToken"
MALFORMED = "IncompleteSignature"
UNKNOWN_KEY = "InvalidAccessKeyId"
MISMATCH = "SignatureDoesNotMatch"
SKEWED = "RequestTimeTooSkewed"
EXPIRED = "RequestExpired"
PAYLOAD_MISMATCH = "XAmzContentSHA256Mismatch"
# What S3 calls each refusal (an anonymous request to a private bucket is AccessDenied), and what the JSON
# protocol services (DynamoDB, SQS, KMS) and API Gateway call it.
S3_CODES = {MISSING: "AccessDenied", MALFORMED: "AuthorizationHeaderMalformed", EXPIRED: "AccessDenied"}
JSON_TYPES = {
    MISSING: "MissingAuthenticationTokenException",
    MALFORMED: "IncompleteSignatureException",
    UNKNOWN_KEY: "UnrecognizedClientException",
    MISMATCH: "InvalidSignatureException",
    SKEWED: "InvalidSignatureException",
    EXPIRED: "InvalidSignatureException",
    PAYLOAD_MISMATCH: "InvalidSignatureException",
}


@dataclass
class SignatureError(Exception):
    """A refusal of the request's authentication; `code` is one of the constants above."""

    code: str
    message: str
    details: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def s3_code(self) -> str:
        return S3_CODES.get(self.code, self.code)

    @property
    def json_type(self) -> str:
        return JSON_TYPES.get(self.code, self.code)


@dataclass(frozen=True)
class Scope:
    """Who signed, and for what: the credential scope of a verified request."""

    access_key: str
    date: str
    region: str
    service: str


@dataclass(frozen=True)
class _Claim:
    """What the request says about its own signature."""

    scope: Scope
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # in TIMESTAMP_FORMAT: the time in the string to sign
    expires: int | None  # seconds after `timestamp`, for a presigned request


class _AsSigned:
    """botocore's signer, told which headers the client signed instead of choosing them itself."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            headers[name.lower()] = value
        return headers


class _Signed(_AsSigned, SigV4Auth):
    pass


class _S3Signed(_AsSigned, S3SigV4Auth):
    pass


class _S3Presigned(_AsSigned, S3SigV4QueryAuth):
    pass


def verify(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    *,
    service: str | None = None,
    now: datetime | None = None,
) -> Scope:
    """Return the scope of a request signed by one of `credentials` (access key id → secret); raise SignatureError.

    `target` is the request target as sent (path and query, still percent-encoded); `service`, when given, is
    the only service the signature may be scoped to.
    """
    headers = {name.lower(): value for name, value in headers.items()}
    path, _, query = _origin_form(target).partition("?")
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    params = {unquote(name): unquote(value) for name, _, value in pairs}
    if "authorization" in headers:
        claim = _from_header(headers["authorization"], headers)
    elif "X-Amz-Signature" in params or "X-Amz-Credential" in params:
        claim = _from_query(params)
        # The canonical query of a presigned request is everything but the signature itself.
        query = "&".join(f"{name}={value}" for name, _, value in pairs if unquote(name) != "X-Amz-Signature")
    else:
        raise SignatureError(MISSING, "Request is missing Authentication Token")
    secret = credentials.get(claim.scope.access_key)
    if secret is None:
        message = "The AWS Access Key Id you provided does not exist in our records."
        raise SignatureError(UNKNOWN_KEY, message, {"AWSAccessKeyId": claim.scope.access_key})
    if service is not None and claim.scope.service != service:
        raise SignatureError(MISMATCH, f"Credential should be scoped to correct service: '{service}'.")
    signed = {name: headers[name] for name in claim.signed_headers if name in headers}
    url = f"http://localhost{path}?{query}" if query else f"http://localhost{path}"
    _check_signature(claim, secret, AWSRequest(method=method, url=url, headers=signed, data=body))
    _check_payload(claim, headers, body)
    _check_time(claim, now or datetime.now(UTC))
    return claim.scope


def _origin_form(target: str) -> str:
    """The path and query of a request target, also when a client sent the absolute form."""
    if target.startswith("/"):
        return target
    parts = urlsplit(target)
    return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"


def _from_header(authorization: str, headers: Mapping[str, str]) -> _Claim:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(MALFORMED, f"Unsupported authorization type; only {ALGORITHM} is accepted.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise SignatureError(MALFORMED, f"Authorization header requires '{name}' parameter.")
    if "x-amz-date" in headers:
        timestamp = headers["x-amz-date"]
    elif "date" in headers:
        timestamp = _http_date(headers["date"])
    else:
        message = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        raise SignatureError(MALFORMED, message)
    return _claim(fields["Credential"], fields["SignedHeaders"], fields["Signature"], timestamp, None)


def _from_query(params: Mapping[str, str]) -> _Claim:
    names = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")
    for name in (*names, "X-Amz-Signature"):
        if not params.get(name):
            raise SignatureError(MALFORMED, f"Query-string authentication requires the {name} parameter.")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise SignatureError(MALFORMED, f'X-Amz-Algorithm only supports "{ALGORITHM}".')
    expires = params["X-Amz-Expires"]
    if not expires.isdigit() or not 0 < int(expires) <= MAX_PRESIGNED_SECONDS:
        message = f"X-Amz-Expires must be a number of seconds from 1 to {MAX_PRESIGNED_SECONDS} (a week)."
        raise SignatureError(MALFORMED, message)
    return _claim(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        int(expires),
    )


def _claim(credential: str, signed_headers: str, signature: str, timestamp: str, expires: int | None) -> _Claim:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        message = f"Credential should be <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request: {credential!r}."
        raise SignatureError(MALFORMED, message)
    scope = Scope(access_key=parts[0], date=parts[1], region=parts[2], service=parts[3])
    names = tuple(name.strip().lower() for name in signed_headers.split(";"))
    if "host" not in names:
        raise SignatureError(MALFORMED, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
    _parse_time(timestamp)
    if scope.date != timestamp[:8]:
        message = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."
        raise SignatureError(MALFORMED, message)
    return _Claim(scope, names, signature, timestamp, expires)


def _check_signature(claim: _Claim, secret: str, request: AWSRequest) -> None:
    """Sign the rebuilt request (only its signed headers) as the client did, and compare."""
    request.context["timestamp"] = claim.timestamp
    kind = (_S3Presigned if claim.expires is not None else _S3Signed) if claim.scope.service == "s3" else _Signed
    signer = kind(Credentials(claim.scope.access_key, secret), claim.scope.service, claim.scope.region)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    expected = signer.signature(string_to_sign, request)
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        message = (
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method."
        )
        details = {
            "AWSAccessKeyId": claim.scope.access_key,
            "StringToSign": string_to_sign,
            "SignatureProvided": claim.signature,
            "CanonicalRequest": canonical_request,
        }
        raise SignatureError(MISMATCH, message, details)


def _check_payload(claim: _Claim, headers: Mapping[str, str], body: bytes) -> None:
    """The body must be the one whose hash was signed (only S3 may sign a marker instead of a hash)."""
    declared = headers.get("x-amz-content-sha256")
    if declared is None or (claim.scope.service == "s3" and declared.startswith(UNHASHED_PAYLOADS)):
        return
    computed = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(declared.encode(), computed.encode()):
        message = "The provided 'x-amz-content-sha256' header does not match what was computed."
        details = {"ClientComputedContentSHA256": declared, "S3ComputedContentSHA256": computed}
        raise SignatureError(PAYLOAD_MISMATCH, message, details)


def _check_time(claim: _Claim, now: datetime) -> None:
    signed_at = _parse_time(claim.timestamp)
    server_time = now.strftime(TIMESTAMP_FORMAT)
    if claim.expires is None:
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            message = "The difference between the request time and the current time is too large."
            raise SignatureError(SKEWED, message, {"RequestTime": claim.timestamp, "ServerTime": server_time})
    elif signed_at - now > MAX_CLOCK_SKEW:
        raise SignatureError(EXPIRED, "Request is not valid yet", {"ServerTime": server_time})
    elif now > signed_at + timedelta(seconds=claim.expires):
        details = {"X-Amz-Expires": str(claim.expires), "ServerTime": server_time}
        raise SignatureError(EXPIRED, "Request has expired", details)


def _parse_time(timestamp: str) -> datetime:
    try:
        return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        message = f"Date must be in ISO-8601 'basic format' (YYYYMMDD'T'HHMMSS'Z'), not {timestamp!r}."
        raise SignatureError(MALFORMED, message) from None


def _http_date(value: str) -> str:
    """A `Date` header in the timestamp format botocore signs when it sends one instead of X-Amz-Date."""
    try:
        return parsedate_to_datetime(value).astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    except (TypeError, ValueError):
        raise SignatureError(MALFORMED, f"The Date header is not an HTTP date: {value!r}.") from None
