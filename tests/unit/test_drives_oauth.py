"""Signing a drive in with OAuth against a fake OAuth server: start → authorize → callback → tokens sealed; denial
and bad states; the popup page; token refresh before expiry, the refresh race, a revoked sign-in, a drive that does
not answer."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from functions.api.handler import handler
from local.lambda_events import LambdaContext
from shared.drives import oauth, providers, remote
from shared.drives.access import DriveKind, OAuthToken
from shared.drives.errors import REAUTHORIZE, DriveAuthorizationError, DriveUnavailableError
from shared.errors import ValidationError
from shared.models.base import utcnow
from shared.models.cloud import CloudConnection, CloudCredential
from tests.support.accounts import (
    PUBLIC_URL,
    AccountsStack,
    Person,
    Reply,
    api_event,
    create_key,
    create_user,
    register_first,
)
from tests.support.fake_oauth import CLIENT_ID, CLIENT_SECRET, DRIVE_ID, GRAPH_PATH, FakeOAuth
from tests.unit.test_drives_api import (
    SECRETS,
    Answers,
    assert_nowhere_in_storage,
    make_connection,
    make_project,
    mount,
    webdav_connection,
)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOAuth]:
    server = FakeOAuth()
    yield server
    server.close()


@pytest.fixture
def fake(fake_server: FakeOAuth) -> Iterator[FakeOAuth]:
    yield fake_server
    fake_server.reset()


@pytest.fixture
def api(accounts: AccountsStack, fake: FakeOAuth) -> Iterator[Answers]:
    """Every API answer of the test; none may hold a secret, a token the fake issued, or a PKCE verifier."""
    answers = Answers()
    yield answers
    issued = [token[name] for token in fake.issued for name in ("access_token", "refresh_token")]
    verifiers = [request["code_verifier"] for request in fake.token_requests("authorization_code")]
    answers.assert_no_secret(*SECRETS, CLIENT_SECRET, *issued, *verifiers)


def oauth_provider(admin: Person, fake: FakeOAuth, kind: str = "onedrive", **fields: Any) -> dict[str, Any]:
    body = {
        "providerType": kind,
        "displayName": f"Fake {kind}",
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "authorizeUrl": f"{fake.url}/authorize",
        "tokenUrl": f"{fake.url}/token",
        **({"tenantId": "contoso.onmicrosoft.com", "driveId": "b!documents"} if kind == "sharepoint" else {}),
        **({"apiUrl": f"{fake.url}{GRAPH_PATH}"} if kind == "onedrive" else {}),
        **fields,
    }
    answers = Answers()
    reply = answers("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert reply.status == 201, reply.json
    return dict(reply.json)


@pytest.fixture
def drive(api: Answers, fake: FakeOAuth) -> tuple[Person, str, str]:
    """An admin, an OAuth provider on the fake server and a pending connection through it."""
    admin = register_first()
    provider_id = oauth_provider(admin, fake)["providerId"]
    return admin, provider_id, make_connection(admin, provider_id)["connectionId"]


def page(path: str, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """A GET through the api Lambda that answers HTML (the OAuth callback)."""
    response = handler(api_event("GET", path, query=query), LambdaContext("api"))
    return response["statusCode"], dict(response.get("headers") or {}), response.get("body") or ""


def start(api: Answers, person: Person, provider_id: str, connection_id: str) -> dict[str, Any]:
    reply = api("GET", f"/api/auth/{provider_id}/start", query={"connectionId": connection_id}, token=person.token)
    assert reply.status == 200, reply.json
    return dict(reply.json)


def authorize(authorize_url: str) -> dict[str, str]:
    """What the browser does in the popup: open the authorize URL, get redirected; the redirect's query."""
    parts = urlsplit(authorize_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    assert response.status == 302
    location = response.getheader("Location") or ""
    connection.close()
    assert location.startswith(f"{PUBLIC_URL}/api/auth/"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def callback(provider_id: str, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, str], str]:
    """Finish in the popup: the message the page posts to the SPA, the page's headers and its HTML."""
    status, headers, html = page(f"/api/auth/{provider_id}/callback", query)
    assert status == 200 and headers["content-type"].startswith("text/html")
    script = re.search(r"<script>(.*)</script>", html, re.S)
    assert script is not None
    message = re.search(r"var message=(\{.*?\});", script.group(1))
    assert message is not None
    return json.loads(message.group(1)), headers, html


def sign_in(api: Answers, person: Person, provider_id: str, connection_id: str) -> dict[str, Any]:
    started = start(api, person, provider_id, connection_id)
    message, _, _ = callback(provider_id, authorize(started["authorizeUrl"]))
    return message


def error_of(reply: Reply) -> str:
    return str(reply.json["error"]["message"])


def connection_of(api: Answers, admin: Person, connection_id: str) -> dict[str, Any]:
    listed = api("GET", "/api/drives/connections", token=admin.token).json
    return next(c for c in listed if c["connectionId"] == connection_id)


def test_start_then_callback_authorizes_the_connection_with_its_tokens_sealed(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    # Given a started sign-in: a state, PKCE S256, the API's own callback as the redirect
    started = start(api, admin, provider_id, connection_id)
    query = {key: values[0] for key, values in parse_qs(urlsplit(started["authorizeUrl"]).query).items()}
    assert started["authorizeUrl"].startswith(f"{fake.url}/authorize?")
    assert query["state"] == started["state"] and len(started["state"]) >= 43
    assert (query["client_id"], query["response_type"], query["code_challenge_method"]) == (CLIENT_ID, "code", "S256")
    assert query["redirect_uri"] == f"{PUBLIC_URL}/api/auth/{provider_id}/callback"
    assert query["scope"] == "offline_access Files.ReadWrite.All"
    row = CloudConnection.get(connection_id)
    assert row.oauth_state_hash == hashlib.sha256(started["state"].encode()).hexdigest()
    assert_nowhere_in_storage(started["state"])  # only its hash is kept

    # When the user consents and the popup comes back
    message, _, html = callback(provider_id, authorize(started["authorizeUrl"]))

    # Then the SPA is told, the connection is authorized, the state is gone (single use), the tokens are sealed
    assert message == {"type": "drive.connected", "connectionId": connection_id, "status": "authorized", "reason": None}
    assert f'postMessage(message,"{PUBLIC_URL}")' in html
    shown = connection_of(api, admin, connection_id)
    assert (shown["status"], shown["lastError"]) == ("authorized", None)
    row = CloudConnection.get(connection_id)
    assert (row.oauth_state_hash, row.oauth_state_expires_at, row.oauth_verifier) == (None, None, None)
    (exchange,) = fake.token_requests("authorization_code")
    verifier = exchange["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == query["code_challenge"] and exchange["redirect_uri"] == query["redirect_uri"]
    (tokens,) = fake.issued
    _, access = remote.access_for_mount(mount(admin, make_project(admin), connection_id).json["mountId"])
    assert access.token is not None and access.token.access_token == tokens["access_token"]
    assert (access.kind, access.client_secret, access.token_url) == (
        DriveKind.ONEDRIVE,
        CLIENT_SECRET,
        f"{fake.url}/token",
    )
    assert_nowhere_in_storage(tokens["access_token"], tokens["refresh_token"], CLIENT_SECRET, verifier)


def test_the_popup_page_allows_only_its_own_script_and_leaks_nothing(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    started = start(api, admin, provider_id, connection_id)
    evil = "</script><script>alert(document.cookie)</script><img src=x onerror=alert(1)>"
    message, headers, html = callback(provider_id, {"state": started["state"], "error": evil})
    script = re.search(r"<script>(.*)</script>", html, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert (headers["referrer-policy"], headers["cache-control"]) == ("no-referrer", "no-store")
    assert html.count("<script>") == 1 and "<img" not in html and "alert(" not in html
    assert message["type"] == "drive.failed" and "<" not in message["reason"]
    # Nothing from a forged request is reflected either
    _, _, forged = callback(provider_id, {"state": evil, "code": evil})
    assert forged.count("<script>") == 1 and "<img" not in forged and "alert" not in forged


def test_a_denial_leaves_the_connection_pending_with_the_reason(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    fake.deny = True
    message = sign_in(api, admin, provider_id, connection_id)
    assert (message["type"], message["connectionId"], message["status"]) == ("drive.failed", connection_id, "pending")
    assert message["reason"] == oauth.DENIED
    shown = connection_of(api, admin, connection_id)
    assert (shown["status"], shown["lastError"]) == ("pending", oauth.DENIED)
    assert fake.token_requests() == []
    assert CloudConnection.get(connection_id).oauth_state_hash is None  # the denied state cannot be used again


def test_a_forged_an_expired_and_a_reused_state_are_refused(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    started = start(api, admin, provider_id, connection_id)
    # A forged state: nothing is found, nothing changes
    message, _, _ = callback(provider_id, {"state": "forged-state-0123456789", "code": "code-x"})
    assert (message["type"], message["connectionId"], message["reason"]) == ("drive.failed", None, oauth.UNKNOWN_STATE)
    assert connection_of(api, admin, connection_id)["status"] == "pending"
    # The right state at another provider's callback: refused too
    other = oauth_provider(admin, fake, "gdrive")["providerId"]
    assert callback(other, {"state": started["state"], "code": "code-x"})[0]["reason"] == oauth.UNKNOWN_STATE

    # An expired state: pending, with the reason
    CloudConnection(connection_id).update(actions=[CloudConnection.oauth_state_expires_at.set(utcnow() - timedelta(1))])
    message, _, _ = callback(provider_id, authorize(started["authorizeUrl"]))
    assert (message["type"], message["reason"]) == ("drive.failed", oauth.EXPIRED)
    assert connection_of(api, admin, connection_id)["lastError"] == oauth.EXPIRED
    assert fake.token_requests() == []

    # A state used once: a replay of the same callback finds nothing and changes nothing
    started = start(api, admin, provider_id, connection_id)
    answer = authorize(started["authorizeUrl"])
    assert callback(provider_id, answer)[0]["type"] == "drive.connected"
    replay, _, _ = callback(provider_id, answer)
    assert (replay["type"], replay["reason"]) == ("drive.failed", oauth.UNKNOWN_STATE)
    assert connection_of(api, admin, connection_id)["status"] == "authorized"
    assert len(fake.token_requests("authorization_code")) == 1


def test_a_code_the_drive_refuses_leaves_the_connection_pending(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    started = start(api, admin, provider_id, connection_id)
    message, _, _ = callback(provider_id, {"state": started["state"], "code": "code-never-issued"})
    assert message["type"] == "drive.failed" and "invalid_grant" in message["reason"]
    assert connection_of(api, admin, connection_id)["status"] == "pending"


def test_who_may_start_a_sign_in(api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]) -> None:
    admin, provider_id, connection_id = drive
    bob = create_user(admin, "bob")
    key = create_key(admin, scope="full")["key"]
    path = f"/api/auth/{provider_id}/start"
    assert api("GET", path, query={"connectionId": connection_id}, token=bob.token).code == "connection_not_found"
    assert api("GET", path, query={"connectionId": connection_id}, api_key=key).code == "session_required"
    assert api("GET", path, query={"connectionId": connection_id}).status == 401
    gdrive = oauth_provider(admin, fake, "gdrive")["providerId"]
    wrong = api("GET", f"/api/auth/{gdrive}/start", query={"connectionId": connection_id}, token=admin.token)
    assert wrong.code == "connection_not_found"
    dav = webdav_connection(admin)
    webdav = api(
        "GET", f"/api/auth/{dav['providerId']}/start", query={"connectionId": dav["connectionId"]}, token=admin.token
    )
    assert webdav.code == "connection_not_authorized"
    # Google's sign-in asks for offline access and consent
    google = make_connection(admin, gdrive)["connectionId"]
    query = parse_qs(urlsplit(start(api, admin, gdrive, google)["authorizeUrl"]).query)
    assert (query["access_type"], query["prompt"], query["scope"]) == (
        ["offline"], ["consent"], ["https://www.googleapis.com/auth/drive"]
    )  # fmt: skip


# Which drive a OneDrive sign-in opens


def test_a_onedrive_sign_in_keeps_the_drive_graph_names_and_mounts_use_it(api: Answers, fake: FakeOAuth) -> None:
    # Given a OneDrive provider that names no drive (its tenant would make the type "business" by itself)
    admin = register_first()
    provider_id = oauth_provider(admin, fake, tenantId="contoso.onmicrosoft.com")["providerId"]
    connection_id = make_connection(admin, provider_id)["connectionId"]

    # When a person signs in
    assert sign_in(api, admin, provider_id, connection_id)["type"] == "drive.connected"

    # Then Graph was asked once, with the new token (the fake answers only its own), and the drive is kept and shown
    assert len(fake.drive_requests()) == 1
    shown = connection_of(api, admin, connection_id)
    assert (shown["status"], shown["driveId"], shown["driveType"]) == ("authorized", DRIVE_ID, "personal")
    # and a mount syncs that drive, of the type Graph said
    _, access = remote.access_for_mount(mount(admin, make_project(admin), connection_id).json["mountId"])
    assert (access.drive_id, access.extra["drive_type"]) == (DRIVE_ID, "personal")


@pytest.mark.parametrize(
    ("status", "why"),
    [(403, "Microsoft Graph answered accessDenied"), (503, "Microsoft Graph did not answer")],
    ids=["refused", "unavailable"],
)
def test_a_graph_that_names_no_drive_leaves_the_connection_pending_with_the_reason(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str], status: int, why: str
) -> None:
    admin, provider_id, connection_id = drive
    fake.fail_drive = status
    message = sign_in(api, admin, provider_id, connection_id)
    reason = oauth.NO_DRIVE.format(why=why)
    assert (message["type"], message["status"], message["reason"]) == ("drive.failed", "pending", reason)
    shown = connection_of(api, admin, connection_id)
    assert (shown["status"], shown["lastError"], shown["driveId"]) == ("pending", reason, None)
    assert CloudCredential.count(connection_id) == 0  # the tokens of a sign-in that cannot sync are not kept
    # Once Graph answers, signing in again completes it
    fake.fail_drive = None
    assert sign_in(api, admin, provider_id, connection_id)["type"] == "drive.connected"
    assert connection_of(api, admin, connection_id)["driveId"] == DRIVE_ID


def test_a_provider_that_names_its_drive_is_not_asked_about_and_wins(api: Answers, fake: FakeOAuth) -> None:
    admin = register_first()
    provider_id = oauth_provider(admin, fake, driveId="b!team-drive")["providerId"]
    connection_id = make_connection(admin, provider_id)["connectionId"]
    assert sign_in(api, admin, provider_id, connection_id)["type"] == "drive.connected"
    assert fake.drive_requests() == []
    assert connection_of(api, admin, connection_id)["driveId"] is None
    _, access = remote.access_for_mount(mount(admin, make_project(admin), connection_id).json["mountId"])
    assert (access.drive_id, access.extra["drive_type"]) == ("b!team-drive", "personal")


def test_a_sharepoint_provider_needs_its_document_library(api: Answers, fake: FakeOAuth) -> None:
    admin = register_first()
    body = {
        "providerType": "sharepoint",
        "displayName": "Team site",
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "tenantId": "contoso.onmicrosoft.com",
    }
    refused = api("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert refused.status == 400 and "'driveId' (the drive id of the document library" in error_of(refused)
    provider_id = oauth_provider(admin, fake, "sharepoint")["providerId"]
    path = f"/api/drives/providers/{provider_id}"
    cleared = api("PATCH", path, json_body={"driveId": None}, token=admin.token)
    assert cleared.status == 400 and "driveId" in error_of(cleared)
    # Graph's address is a OneDrive setting, checked like the other URLs
    foreign = api("PATCH", path, json_body={"apiUrl": f"{fake.url}{GRAPH_PATH}"}, token=admin.token)
    assert foreign.status == 400 and "no 'apiUrl'" in error_of(foreign)
    onedrive = oauth_provider(admin, fake)["providerId"]
    plain = {"apiUrl": "http://graph.example.com/v1.0"}
    assert api("PATCH", f"/api/drives/providers/{onedrive}", json_body=plain, token=admin.token).code == "invalid_url"


def test_provider_endpoints_default_to_microsoft_and_google(api: Answers) -> None:
    admin = register_first()
    sharepoint = make_connection(admin, _provider(admin, "sharepoint"))["connectionId"]
    provider_id = CloudConnection.get(sharepoint).provider_id
    url = start(api, admin, provider_id, sharepoint)["authorizeUrl"]
    assert url.startswith("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?")
    assert parse_qs(urlsplit(url).query)["scope"] == ["offline_access Files.ReadWrite.All Sites.ReadWrite.All"]
    row = providers.existing(provider_id)
    assert oauth.token_url_of(row) == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    personal = make_connection(admin, _provider(admin, "onedrive"))["connectionId"]
    url = start(api, admin, CloudConnection.get(personal).provider_id, personal)["authorizeUrl"]
    assert url.startswith("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?")
    google = make_connection(admin, _provider(admin, "gdrive"))["connectionId"]
    url = start(api, admin, CloudConnection.get(google).provider_id, google)["authorizeUrl"]
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")


def test_outside_local_mode_oauth_urls_must_be_public_https(accounts: AccountsStack) -> None:
    accounts.configure(STUDIO_MODE="aws", STUDIO_BCRYPT_ROUNDS="10")
    for url in (
        "http://127.0.0.1:8000/token",
        "https://10.1.2.3/token",
        "https://169.254.169.254/latest",
        "ftp://x.io",
    ):
        with pytest.raises(ValidationError):
            providers.checked_url(url, "token URL")
    assert providers.checked_url("https://login.example.com/token", "token URL") == "https://login.example.com/token"


# Refreshing


def authorized_mount(api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str], expires_in: int) -> str:
    admin, provider_id, connection_id = drive
    fake.expires_in = expires_in
    assert sign_in(api, admin, provider_id, connection_id)["type"] == "drive.connected"
    fake.expires_in = 3600
    made = mount(admin, make_project(admin), connection_id)
    assert made.status == 201, made.json
    return str(made.json["mountId"])


def test_a_token_that_expires_soon_is_refreshed_and_the_rotated_one_stored(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    mount_id = authorized_mount(api, fake, drive, expires_in=3600)
    _, access = remote.access_for_mount(mount_id)
    assert fake.token_requests("refresh_token") == []  # an hour left: used as it is
    assert access.token is not None and access.token.access_token == fake.issued[0]["access_token"]
    # A runner that needs it for longer than it has left gets a new one
    _, access = remote.access_for_mount(mount_id, min_validity=timedelta(minutes=90))
    (refresh,) = fake.token_requests("refresh_token")
    assert refresh["refresh_token"] == fake.issued[0]["refresh_token"]
    assert access.token is not None and access.token.access_token == fake.issued[1]["access_token"]
    assert access.token.refresh_token == fake.issued[1]["refresh_token"]  # rotated, and kept
    _, again = remote.access_for_mount(mount_id)
    assert again.token == access.token and len(fake.token_requests("refresh_token")) == 1


def test_a_token_within_five_minutes_of_expiry_is_refreshed(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    mount_id = authorized_mount(api, fake, drive, expires_in=120)
    _, access = remote.access_for_mount(mount_id)
    assert len(fake.token_requests("refresh_token")) == 1
    assert access.token is not None and access.token.access_token == fake.issued[1]["access_token"]


@pytest.mark.parametrize("strict_rotation", [False, True], ids=["reusable", "strict-rotation"])
def test_two_runners_refreshing_at_once_end_with_the_winners_tokens(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str], serialized_moto: None, strict_rotation: bool
) -> None:
    # Given a token about to expire, and two runners that both read it before either refreshed
    mount_id = authorized_mount(api, fake, drive, expires_in=60)
    connection_id = drive[2]
    version = CloudCredential.get(connection_id).version
    fake.strict_rotation = strict_rotation
    fake.hold_refreshes(2)
    results: list[Any] = [None, None]

    def runner(index: int) -> None:
        try:
            results[index] = remote.access_for_mount(mount_id)[1].token
        except Exception as exc:
            results[index] = exc

    # When both refresh at once
    threads = [threading.Thread(target=runner, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()

    # Then both use the tokens that were stored, stored once, and the connection stays authorized
    assert len(fake.token_requests("refresh_token")) == 2
    stored = CloudCredential.get(connection_id)
    assert stored.version == version + 1
    first, second = results
    assert not isinstance(first, Exception) and not isinstance(second, Exception), results
    assert first.access_token == second.access_token
    assert first.access_token in {token["access_token"] for token in fake.issued[1:]}
    _, access = remote.access_for_mount(mount_id)
    assert access.token == first
    assert CloudConnection.get(connection_id).status == "authorized"


def test_a_revoked_sign_in_moves_the_connection_to_error(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "RACE_PAUSES", (0.01,))
    admin, _, connection_id = drive
    mount_id = authorized_mount(api, fake, drive, expires_in=60)
    fake.revoked = True
    with pytest.raises(DriveAuthorizationError) as refused:
        remote.access_for_mount(mount_id)
    assert refused.value.message == REAUTHORIZE
    shown = connection_of(api, admin, connection_id)
    assert (shown["status"], shown["lastError"]) == ("error", REAUTHORIZE)
    # Signing in again brings it back
    fake.revoked = False
    assert sign_in(api, admin, drive[1], connection_id)["status"] == "authorized"
    assert connection_of(api, admin, connection_id)["lastError"] is None


def test_a_drive_that_does_not_answer_is_retryable_and_changes_nothing(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    admin, provider_id, connection_id = drive
    mount_id = authorized_mount(api, fake, drive, expires_in=60)
    version = CloudCredential.get(connection_id).version
    fake.fail_status = 503
    with pytest.raises(DriveUnavailableError) as unavailable:
        remote.access_for_mount(mount_id)
    assert unavailable.value.status == 503 and unavailable.value.retryable
    moved = {"tokenUrl": "http://127.0.0.1:1/token"}  # nothing listens there
    assert api("PATCH", f"/api/drives/providers/{provider_id}", json_body=moved, token=admin.token).status == 200
    with pytest.raises(DriveUnavailableError):
        remote.access_for_mount(mount_id)
    assert connection_of(api, admin, connection_id)["status"] == "authorized"
    assert CloudCredential.get(connection_id).version == version


def _provider(admin: Person, kind: str) -> str:
    fields = {"tenantId": "contoso.onmicrosoft.com", "driveId": "b!documents"} if kind == "sharepoint" else {}
    body = {"providerType": kind, "displayName": kind, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, **fields}
    reply = Answers()("POST", "/api/drives/providers", json_body=body, token=admin.token)
    assert reply.status == 201, reply.json
    return str(reply.json["providerId"])


def test_a_token_rclone_refreshed_during_a_job_is_kept_unless_a_newer_one_is(
    api: Answers, fake: FakeOAuth, drive: tuple[Person, str, str]
) -> None:
    mount_id = authorized_mount(api, fake, drive, expires_in=3600)
    _, access = remote.access_for_mount(mount_id)
    assert access.token is not None and access.token.expires_at is not None
    later = (datetime.fromisoformat(access.token.expires_at) + timedelta(minutes=30)).isoformat()
    rotated = OAuthToken("at-from-rclone", "rt-from-rclone", later)
    assert remote.store_refreshed_token(mount_id, rotated)
    assert remote.access_for_mount(mount_id)[1].token == rotated
    older = OAuthToken("at-stale", "rt-stale", access.token.expires_at)
    assert not remote.store_refreshed_token(mount_id, older)
    assert remote.access_for_mount(mount_id)[1].token == rotated
    assert_nowhere_in_storage("at-from-rclone", "rt-from-rclone")
