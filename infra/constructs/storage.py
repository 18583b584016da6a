"""S3: the access-logs bucket and the workspace bucket (project files, uploads, CLI transcripts)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from infra.nag import LAMBDA_BASIC_EXECUTION, PACK, acknowledge, acknowledge_grant, cdk_singletons
from shared.constants import UPLOADS_PREFIX

# Presigned POST uploads from the SPA, and presigned GETs the viewer fetches (images, downloads); nothing else
# is allowed cross-origin.
UPLOAD_METHODS = (s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.POST, s3.HttpMethods.PUT)
# What a principal scoped to some keys does with them: read (GET, HEAD, ranged and If-Match reads), write (PUT,
# conditional PUT, multipart, copy into), delete (DeleteObjects too) and abort a failed multipart upload.
KEY_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")


class LogsBucket(Construct):
    """Server access logs of the other buckets, CloudFront standard logs and VPC flow logs; expires after a year."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # S3 server access logging only delivers to SSE-S3 buckets; CloudFront standard logs need ACLs.
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            {
                "AwsSolutions-S1": "This is the access-log destination; logging it into itself would loop.",
            },
        )


class WorkspaceBucket(Construct):
    """Versioned, encrypted (SSE-S3), SSL-only bucket: the source of truth for project files."""

    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str, logs_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        # A known name lets the SPA's CSP name the upload endpoint without a reference cycle via CloudFront.
        self.bucket_name = bucket_name
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="workspace/",
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90)),
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(2)),
                # An upload the ingest function never finished (its event in the DLQ) waits a week for an
                # operator to replay it; its record has said "expired" long before.
                s3.LifecycleRule(prefix=UPLOADS_PREFIX, expiration=cdk.Duration.days(7)),
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def upload_origins(self) -> list[str]:
        """The https origins a presigned POST can target (global and regional virtual-hosted endpoints)."""
        stack = cdk.Stack.of(self)
        return [
            f"https://{self.bucket_name}.s3.{stack.url_suffix}",
            f"https://{self.bucket_name}.s3.{stack.region}.{stack.url_suffix}",
        ]

    def allow_uploads_from(self, origin: str) -> None:
        """CORS for presigned uploads and reads from the SPA's origin only (the browser talks to S3 directly)."""
        self.bucket.add_cors_rule(
            allowed_origins=[origin],
            allowed_methods=list(UPLOAD_METHODS),
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=3000,
        )

    def notify_uploads(self, function: lambda_.IFunction) -> None:
        """Object-created events under `uploads/` invoke the ingest function."""
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(function),
            s3.NotificationKeyFilter(prefix=UPLOADS_PREFIX),
        )
        for handler in cdk_singletons(self, "BucketNotificationsHandler"):
            acknowledge(
                handler,
                {
                    f"{PACK}-IAM4[{LAMBDA_BASIC_EXECUTION}]": (
                        "CDK's bucket-notification handler (a singleton that only configures this bucket's "
                        "uploads/ notification) logs with AWSLambdaBasicExecutionRole."
                    )
                },
            )

    def grant_read_write(self, role: iam.IRole) -> None:
        """Object read/write/delete in this bucket (CDK's grant, whose action groups end in wildcards)."""
        acknowledge_grant(
            role,
            self.bucket.grant_read_write(role),
            "CDK's S3 read/write grant uses action-group prefixes (GetObject*, DeleteObject*, List*, GetBucket*, "
            "Abort*) and the bucket's `<ARN>/*` object pattern; every statement is scoped to the workspace bucket.",
        )

    def grant_keys_read_write(self, role: iam.IRole, key_patterns: Sequence[str]) -> None:
        """Object read/write/delete on the keys matching `key_patterns` (IAM wildcards), and listing the bucket.

        The listing is not narrowed by `s3:prefix`: S3 answers a read of a missing key 404 only to a principal
        that may list the bucket (403 otherwise), and the code treats "missing" as a normal answer (a first run
        log, a transcript to adopt). Key names are all a listing shows; the objects stay out of reach.
        """
        bucket = self.bucket
        iam.Grant.add_to_principal(grantee=role, actions=["s3:ListBucket"], resource_arns=[bucket.bucket_arn])
        acknowledge_grant(
            role,
            iam.Grant.add_to_principal(
                grantee=role,
                actions=list(KEY_OBJECT_ACTIONS),
                resource_arns=[bucket.arn_for_objects(pattern) for pattern in key_patterns],
            ),
            "Object keys hold ids made at run time; the patterns name the workspace bucket and the key prefixes this "
            "principal works in, nothing else of the bucket.",
        )
