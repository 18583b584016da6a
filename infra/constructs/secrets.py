"""The envelope-encryption KMS key, the JWT signing secret and the runner's Anthropic API key secret."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge

# What the application does with the key: wrap and unwrap AES-256-GCM data keys (no ReEncrypt, no wildcards).
ENVELOPE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
# What a principal that only reads sealed secrets needs: unwrap their data keys.
UNSEAL_ACTIONS = ("kms:Decrypt",)


class Secrets(Construct):
    """Customer-managed key (rotated yearly) plus the generated secrets the runtime reads by ARN."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        jwt_secret_name: str,
        anthropic_secret_name: str,
        setup_token_name: str,
        postmark_token_name: str,
        origin_verify_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "EnvelopeKey",
            alias=alias,
            description="Sasha Studio envelope encryption of stored secrets (OAuth tokens, API keys)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.jwt_secret = self._secret(
            "JwtSigningKey",
            name=jwt_secret_name,
            description="HMAC key that signs Sasha Studio session JWTs (read by the api and ws_connect functions)",
            length=64,
            not_rotated_because=(
                "Rotating the JWT signing key signs every user out; JWTs already expire and carry a per-user token "
                "version, and rotation is an operator runbook step (docs/deployment.md)."
            ),
        )
        # Created with a generated placeholder: the operator puts the real key (docs/deployment.md).
        self.anthropic_secret = self._secret(
            "AnthropicApiKey",
            name=anthropic_secret_name,
            description="ANTHROPIC_API_KEY of the runner's Claude CLI (set with put-secret-value)",
            not_rotated_because=(
                "A third-party Anthropic API key cannot be rotated by a Secrets Manager rotation Lambda; it is "
                "rotated in the Anthropic console and stored with put-secret-value."
            ),
        )
        # On a public URL "the first visitor becomes admin" is a takeover risk: the first registration needs this.
        self.setup_token = self._secret(
            "SetupToken",
            name=setup_token_name,
            description="One-time token the first administrator enters to register (read it after deploying)",
            not_rotated_because=(
                "The setup token is used once, to register the first administrator; after that registration is "
                "closed for good, so rotating it protects nothing."
            ),
        )
        # Created with a placeholder: the operator stores the Postmark server token (docs/deployment.md).
        self.postmark_token = self._secret(
            "PostmarkServerToken",
            name=postmark_token_name,
            description="Postmark server API token for password reset and welcome emails (set with put-secret-value)",
            not_rotated_because=(
                "A third-party Postmark server token cannot be rotated by a Secrets Manager rotation Lambda; it is "
                "rotated in Postmark and stored with put-secret-value."
            ),
        )

        # CloudFront sends it to the API as X-Origin-Verify; only then does the API believe its X-Viewer-Address.
        self.origin_verify = self._secret(
            "OriginVerify",
            name=origin_verify_name,
            description="Shared by CloudFront and the API: proves a request came through CloudFront (X-Origin-Verify)",
            length=48,
            not_rotated_because=(
                "CloudFront reads the value when the distribution is deployed, so a rotation Lambda would break the "
                "API's check until the next deploy; a redeploy after put-secret-value rotates it (docs/deployment.md)."
            ),
        )

    def _secret(
        self, construct_id: str, *, name: str, description: str, not_rotated_because: str, length: int = 32
    ) -> secretsmanager.Secret:
        """A generated, retained secret; cdk-nag's rotation rule is acknowledged with the reason it does not apply."""
        secret = secretsmanager.Secret(
            self,
            construct_id,
            secret_name=name,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=length, exclude_punctuation=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(secret, {"AwsSolutions-SMG4": not_rotated_because})
        return secret

    def grant_envelope(self, grantee: iam.IGrantable) -> iam.Grant:
        """Encrypt, decrypt and generate data keys with the envelope key (identity policy, key ARN only)."""
        return self.key.grant(grantee, *ENVELOPE_ACTIONS)

    def grant_unseal(self, grantee: iam.IGrantable) -> iam.Grant:
        """Decrypt only: read sealed secrets (unwrap their data keys), never seal new ones."""
        return self.key.grant(grantee, *UNSEAL_ACTIONS)
