"""Browser-based POST uploads checked the way S3 checks them, before moto stores anything.

moto stores whatever a multipart POST to a bucket carries. S3 first authenticates the form (AWS docs:
"Authenticating Requests in Browser-Based Uploads Using POST" and "Creating a POST policy"):

    form ── key and exactly one file? ──────────────── InvalidArgument 400
      ├─ policy and signature fields? ──────────────── AccessDenied 403 / InvalidArgument 400
      ├─ signature of the policy (SigV4 or SigV2) ──── InvalidAccessKeyId / SignatureDoesNotMatch 403
      ├─ policy expired? ───────────────────────────── AccessDenied 403
      ├─ every field condition, in order ───────────── AccessDenied 403
      ├─ every form field covered by a condition? ──── AccessDenied 403 ("Extra input fields")
      └─ content-length-range against the file ────── EntityTooLarge / EntityTooSmall 400

Fields after the file are ignored, as S3 ignores them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Event, Field, File, MultipartDecoder

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_FIELDS = ("x-amz-signature", "x-amz-algorithm", "x-amz-credential", "x-amz-date")
SIGV2_FIELDS = ("signature", "awsaccesskeyid")
# Fields that need no condition of their own (the docs' list, plus the SigV2 pair that signs the policy).
UNCOVERED_FIELDS = {"policy", "x-amz-signature", "file", "signature", "awsaccesskeyid"}
FIELD_ARGUMENT_NAMES = {"awsaccesskeyid": "AWSAccessKeyId", "signature": "Signature"}
PARSE_CHUNK_BYTES = 1024 * 1024


@dataclass
class S3Error(Exception):
    """A refusal, answered like S3: an XML `<Error>` with the code, message and details."""

    status: int
    code: str
    message: str
    details: dict[str, str] = field(default_factory=dict)

    def response(self) -> tuple[str, list[tuple[str, str]], bytes]:
        request_id = secrets.token_hex(8).upper()
        host_id = base64.b64encode(secrets.token_bytes(48)).decode()
        elements = {"Code": self.code, "Message": self.message, **self.details}
        elements.update(RequestId=request_id, HostId=host_id)
        inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in elements.items())
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'.encode()
        headers = [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
            ("x-amz-id-2", host_id),
        ]
        reasons = {400: "Bad Request", 403: "Forbidden"}
        return f"{self.status} {reasons.get(self.status, 'Error')}", headers, body


@dataclass(frozen=True)
class PostForm:
    """The parts of a POST upload that S3 reads: the fields before the file, and the file's size."""

    fields: tuple[tuple[str, str], ...]
    file_size: int | None  # None: the form has no file

    def get(self, name: str) -> str | None:
        """A field's value by case-insensitive name (the first one sent)."""
        return next((value for key, value in self.fields if key.lower() == name.lower()), None)


def parse_form(body: bytes, content_type: str) -> PostForm:
    """Decode a multipart/form-data body in chunks, up to the end of the file part (S3 ignores what follows)."""
    _, options = parse_options_header(content_type)
    if not options.get("boundary"):
        raise _malformed()
    fields: list[tuple[str, str]] = []
    name, value, size = "", bytearray(), None  # size counts the file's bytes while in the file part
    try:
        for event in _events(MultipartDecoder(options["boundary"].encode("latin-1")), body):
            if isinstance(event, Field | File):
                name, value = event.name, bytearray()
                size = 0 if name.lower() == "file" else None
            elif isinstance(event, Data):
                if size is None:
                    value += event.data
                else:
                    size += len(event.data)
                if not event.more_data:
                    if size is not None:
                        return PostForm(tuple(fields), size)
                    fields.append((name, value.decode("utf-8", errors="replace")))
    except ValueError as exc:
        raise _malformed() from exc
    return PostForm(tuple(fields), None)


def _events(decoder: MultipartDecoder, body: bytes) -> Iterator[Event]:
    view = memoryview(body)
    for start in range(0, len(body), PARSE_CHUNK_BYTES):
        decoder.receive_data(bytes(view[start : start + PARSE_CHUNK_BYTES]))
        while (event := decoder.next_event()) is not NEED_DATA:
            yield event
    decoder.receive_data(None)
    while not isinstance(event := decoder.next_event(), Epilogue):  # raises ValueError on a truncated body
        yield event


def verify_post(form: PostForm, *, bucket: str, credentials: Mapping[str, str], now: datetime | None = None) -> None:
    """Raise S3Error when S3 would refuse this upload; return when S3 would store it."""
    if not form.get("key"):
        raise _missing_field("key")
    if form.file_size is None:
        message = "POST requires exactly one file upload per request."
        raise S3Error(400, "InvalidArgument", message, {"ArgumentName": "file", "ArgumentValue": "0"})
    document = _authenticate(form, credentials)
    if _expiration(document) <= (now or datetime.now(UTC)):
        raise _not_allowed("Policy expired.")
    conditions = [_normalise(condition) for condition in document["conditions"]]
    on_fields = [condition for condition in conditions if condition[0] != "content-length-range"]
    for condition in on_fields:
        if not _field_condition_holds(condition, form, bucket):
            raise _not_allowed(f"Policy Condition failed: {_show(condition)}")
    covered = {condition[1][1:].lower() for condition in on_fields}
    for name, _ in form.fields:
        if name.lower() not in covered | UNCOVERED_FIELDS and not name.lower().startswith("x-ignore-"):
            raise _not_allowed(f"Extra input fields: {name.lower()}")
    for condition in conditions:
        if condition[0] == "content-length-range":
            _check_size(form.file_size, condition[1], condition[2])


def _authenticate(form: PostForm, credentials: Mapping[str, str]) -> dict[str, Any]:
    """The policy document, once its signature is verified."""
    policy = form.get("policy")
    signed_by = _signature_fields(form)
    if not policy or signed_by is None:
        raise S3Error(403, "AccessDenied", "Access Denied")  # anonymous: the bucket is not public
    _verify_signature(form, policy, signed_by, credentials)
    return _decode_policy(policy)


def _signature_fields(form: PostForm) -> tuple[str, ...] | None:
    """The signature version's fields the form carries (all of them, or InvalidArgument), or None if unsigned."""
    for required in (SIGV4_FIELDS, SIGV2_FIELDS):
        if any(form.get(name) is not None for name in required):
            for name in required:
                if form.get(name) is None:
                    raise _missing_field(FIELD_ARGUMENT_NAMES.get(name) or name.title())
            return required
    return None


def _verify_signature(form: PostForm, policy: str, signed_by: tuple[str, ...], credentials: Mapping[str, str]) -> None:
    if signed_by is SIGV4_FIELDS:
        if form.get("x-amz-algorithm") != SIGV4_ALGORITHM:
            message = f'X-Amz-Algorithm only supports "{SIGV4_ALGORITHM}"'
            raise S3Error(400, "InvalidArgument", message, {"ArgumentName": "X-Amz-Algorithm"})
        access_key, date, region, service = _credential_scope(str(form.get("x-amz-credential")))
        secret = _secret(credentials, access_key)
        key = f"AWS4{secret}".encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()
        provided = str(form.get("x-amz-signature"))
    else:
        access_key = str(form.get("awsaccesskeyid"))
        secret = _secret(credentials, access_key)
        expected = base64.b64encode(hmac.new(secret.encode(), policy.encode(), hashlib.sha1).digest()).decode()
        provided = str(form.get("signature"))
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        message = (
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method."
        )
        details = {
            "AWSAccessKeyId": access_key,
            "StringToSign": policy,
            "SignatureProvided": provided,
            "StringToSignBytes": " ".join(f"{byte:02x}" for byte in policy.encode()),
        }
        raise S3Error(403, "SignatureDoesNotMatch", message, details)


def _credential_scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        message = (
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
        raise S3Error(400, "InvalidArgument", message, {"ArgumentName": "X-Amz-Credential"})
    return parts[0], parts[1], parts[2], parts[3]


def _secret(credentials: Mapping[str, str], access_key: str) -> str:
    if access_key not in credentials:
        message = "The AWS Access Key Id you provided does not exist in our records."
        raise S3Error(403, "InvalidAccessKeyId", message, {"AWSAccessKeyId": access_key})
    return credentials[access_key]


def _decode_policy(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise _invalid_policy("Invalid JSON.") from exc
    if not isinstance(document, dict):
        raise _invalid_policy("Invalid JSON.")
    if "expiration" not in document:
        raise _invalid_policy("Policy missing expiration.")
    if not isinstance(document.get("conditions"), list):
        raise _invalid_policy("Policy missing conditions.")
    return document


def _expiration(document: dict[str, Any]) -> datetime:
    raw = document["expiration"]
    try:
        expiration = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise _invalid_policy(f"Invalid 'expiration' value: '{raw}'") from exc
    return expiration if expiration.tzinfo else expiration.replace(tzinfo=UTC)


def _normalise(condition: Any) -> list[Any]:
    """A condition as a list: `{"key": v}` is `["eq", "$key", v]`, as S3 reports it."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise _invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
            )
        ((name, value),) = condition.items()
        return ["eq", f"${name}", value]
    if isinstance(condition, list) and len(condition) == 3:
        operation = str(condition[0]).lower()
        if operation in ("eq", "starts-with") and str(condition[1]).startswith("$"):
            return [operation, condition[1], condition[2]]
        if operation == "content-length-range" and all(_is_whole(bound) for bound in condition[1:]):
            return [operation, int(condition[1]), int(condition[2])]
    raise _invalid_policy(f"Invalid Condition: {_show(condition)}")


def _field_condition_holds(condition: list[Any], form: PostForm, bucket: str) -> bool:
    operation, name, expected = condition[0], condition[1][1:].lower(), str(condition[2])
    value = bucket if name == "bucket" else form.get(name)
    if value is None:
        return False
    if operation == "eq":
        return value == expected
    if name == "content-type":  # a list of types: each must start with the prefix
        return all(part.strip().startswith(expected) for part in value.split(","))
    return value.startswith(expected)


def _check_size(size: int, minimum: int, maximum: int) -> None:
    if size > maximum:
        message = "Your proposed upload exceeds the maximum allowed size"
        raise S3Error(400, "EntityTooLarge", message, {"ProposedSize": str(size), "MaxSizeAllowed": str(maximum)})
    if size < minimum:
        message = "Your proposed upload is smaller than the minimum allowed size"
        raise S3Error(400, "EntityTooSmall", message, {"ProposedSize": str(size), "MinSizeAllowed": str(minimum)})


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _show(condition: Any) -> str:
    return json.dumps(condition, separators=(", ", ": "))


def _missing_field(name: str) -> S3Error:
    message = (
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
    )
    return S3Error(400, "InvalidArgument", message, {"ArgumentName": name, "ArgumentValue": ""})


def _not_allowed(reason: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {reason}")


def _invalid_policy(reason: str) -> S3Error:
    return S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


def _malformed() -> S3Error:
    message = "The body of your POST request is not well-formed multipart/form-data."
    return S3Error(400, "MalformedPOSTRequest", message)
