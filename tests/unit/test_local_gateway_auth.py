"""The local gateway's private endpoints: `@connections` takes only the stack's SigV4 signature, the mailbox its token.

The gateway app is served by uvicorn on a loopback port, as `python -m local.stack` serves it; the management API
is called with a real boto3 `apigatewaymanagementapi` client, as the runner calls it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from local.gateway import Gateway, Handlers
from local.mailbox import READER_HEADER, Mailbox
from tests.support.stack import free_port, wait_until

KEY, SECRET = "AKIALOCALSTACKTEST00", "0123456789abcdefghij0123456789abcdefghij"
POSTMARK, READER = "postmark-server-token", "mailbox-reader-token"
CONNECTION = "PzD4xc0voAMCI9g="  # no such connection: a call that passes authentication meets 410 Gone


def _not_invoked(event: dict[str, Any], context: Any) -> Any:
    raise AssertionError("no Lambda entry point is involved here")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = Path(tmp_path_factory.mktemp("gateway"))
    app = Gateway(
        web_dir=data / "web",
        handlers=Handlers(
            api=_not_invoked, ws_connect=_not_invoked, ws_disconnect=_not_invoked, ws_default=_not_invoked
        ),
        credentials={KEY: SECRET},
        mailbox=Mailbox(data / "mail", POSTMARK, READER),
    ).app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=10, what="the gateway")
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join()


def management(url: str, *, key: str = KEY, secret: str = SECRET) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(retries={"max_attempts": 1}),
    )


def error_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Code"], error.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_the_runners_signed_calls_are_accepted(gateway: str) -> None:
    api = management(gateway)

    posted = error_of(lambda: api.post_to_connection(ConnectionId=CONNECTION, Data=b'{"type": "hello"}'))
    described = error_of(lambda: api.get_connection(ConnectionId=CONNECTION))

    assert posted == described == ("GoneException", 410)


def test_unsigned_forged_and_misscoped_calls_are_refused(gateway: str) -> None:
    unsigned = requests.post(f"{gateway}/@connections/{CONNECTION}", data=b"{}", timeout=10)
    forged = management(gateway, key="AKIAMADEUPMADEUP0000", secret="made-up")
    wrong_secret = management(gateway, secret="not-the-secret")
    other_service = AWSRequest(method="POST", url=f"{gateway}/@connections/{CONNECTION}", data=b"{}")
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(other_service)
    misscoped = requests.post(other_service.url, data=b"{}", headers=dict(other_service.headers.items()), timeout=10)

    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert error_of(lambda: forged.post_to_connection(ConnectionId=CONNECTION, Data=b"{}")) == (
        "UnrecognizedClientException",
        403,
    )
    assert error_of(lambda: wrong_secret.delete_connection(ConnectionId=CONNECTION)) == (
        "InvalidSignatureException",
        403,
    )
    assert misscoped.status_code == 403


def test_the_mailbox_is_listed_only_to_a_reader_with_the_token(gateway: str) -> None:
    sent = requests.post(
        f"{gateway}/email",
        json={"From": "studio@example.com", "To": "ada@example.com", "Subject": "Reset", "TextBody": "a link"},
        headers={"X-Postmark-Server-Token": POSTMARK},
        timeout=10,
    )

    anonymous = requests.get(f"{gateway}/_local/mail", timeout=10)
    guessed = requests.get(f"{gateway}/_local/mail", headers={READER_HEADER: "guess"}, timeout=10)
    reader = requests.get(f"{gateway}/_local/mail", headers={READER_HEADER: READER}, timeout=10)

    assert sent.status_code == 200
    assert anonymous.status_code == guessed.status_code == 403
    assert anonymous.json()["error"]["code"] == "forbidden"
    assert reader.status_code == 200
    assert [message["To"] for message in reader.json()["messages"]] == ["ada@example.com"]
