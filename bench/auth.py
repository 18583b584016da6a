"""Authenticating a request: by API key (one read by key id) and by session token, next to one bcrypt verify.

1,000 API keys are stored first, to show that key lookup does not grow with the number of keys (the spec's
"try bcrypt against every key" would cost 1,000 bcrypt verifies per request).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.stats import row, summary
from shared.accounts import access, api_keys, passwords, users
from shared.constants import Env
from shared.models.base import all_models
from tests.support.aws import moto_aws

KEYS = 1_000
SAMPLES = 300
BCRYPT_SAMPLES = 10


def timed(call: Callable[[], object], samples: int) -> list[float]:
    results = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        results.append((time.perf_counter() - started) * 1000)
    return results


def run() -> dict[str, list[float]]:
    with moto_aws(all_models(), **{Env.BCRYPT_ROUNDS: "12"}):
        from shared import aws

        key_id = aws.client("kms").create_key()["KeyMetadata"]["KeyId"]
        aws.client("kms").create_alias(AliasName="alias/studio", TargetKeyId=key_id)
        owner = users.register_first("bench-admin", "correct horse battery staple", None)
        keys = [api_keys.create(owner.user_id, f"key {n}", None).key for n in range(KEYS)]
        token = access.tokens.issue(owner.user_id, owner.token_version)[0]
        stored_hash = passwords.hash_password("correct horse battery staple")

        probe = keys[KEYS // 2]
        for _ in range(20):  # warm: clients, connections, caches
            access.from_api_key(probe)
            access.from_token(token)
        by_key = timed(lambda: access.from_api_key(probe), SAMPLES)
        by_token = timed(lambda: access.from_token(token), SAMPLES)
        bcrypt = timed(lambda: passwords.verify_password("correct horse battery staple", stored_hash), BCRYPT_SAMPLES)

    bcrypt_median = summary(bcrypt)["median"]
    print(f"Authenticating one request, warm, with {KEYS} API keys stored (moto in-process DynamoDB):")
    print("  " + row("by API key (GetItem key + GetItem user)", by_key))
    print("  " + row("by session token (verify JWT + GetItem user)", by_token))
    print("  " + row("one bcrypt verify (cost 12)", bcrypt))
    print(f"  ratio bcrypt verify / API-key auth: {bcrypt_median / summary(by_key)['median']:.0f}x")
    print(f"  ratio bcrypt verify / token auth:   {bcrypt_median / summary(by_token)['median']:.0f}x")
    loop_seconds = bcrypt_median * KEYS / 1000
    print(f"  the spec's loop of bcrypt compares over {KEYS} keys would cost ~{loop_seconds:.0f} s per request")
    return {"api_key": by_key, "token": by_token, "bcrypt": bcrypt}


if __name__ == "__main__":
    run()
