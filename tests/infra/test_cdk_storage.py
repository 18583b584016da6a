"""Buckets: no public access, encryption, TLS only, access logs; the workspace's CORS and upload events."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.constructs.ingest import INGEST_HANDLER
from shared.constants import UPLOADS_PREFIX

pytestmark = pytest.mark.infra

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def _workspace(synthesized):
    prefix = synthesized.stack.config.prefix
    return next(
        (logical_id, resource)
        for logical_id, resource in synthesized.resources("AWS::S3::Bucket").items()
        if "Fn::Join" in resource["Properties"].get("BucketName", {})
        and resource["Properties"]["BucketName"]["Fn::Join"][1][0].startswith(f"{prefix}files-")
    )


def test_every_bucket_blocks_public_access_and_is_encrypted(synthesized):
    buckets = synthesized.resources("AWS::S3::Bucket")

    assert len(buckets) == 3  # access logs, workspace, SPA
    for logical_id, bucket in buckets.items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL, logical_id
        rules = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}, logical_id


def test_every_bucket_denies_requests_without_tls(synthesized):
    buckets = set(synthesized.resources("AWS::S3::Bucket"))
    ssl_only = set()
    for policy in synthesized.resources("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                ssl_only |= synthesized.referenced_ids(policy["Properties"]["Bucket"])

    assert buckets == ssl_only


def test_buckets_other_than_the_log_bucket_log_their_access(synthesized):
    buckets = synthesized.resources("AWS::S3::Bucket")
    log_targets = {
        bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
        for bucket in buckets.values()
        if "LoggingConfiguration" in bucket["Properties"]
    }

    assert len(log_targets) == 1
    (log_bucket,) = log_targets
    assert {logical_id for logical_id, b in buckets.items() if "LoggingConfiguration" not in b["Properties"]} == {
        log_bucket
    }


def test_workspace_bucket_is_versioned_and_accepts_uploads_from_the_spa_only(synthesized):
    _, workspace = _workspace(synthesized)
    properties = workspace["Properties"]
    distribution = next(iter(synthesized.resources("AWS::CloudFront::Distribution")))

    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = properties["LifecycleConfiguration"]["Rules"]
    assert {"ExpirationInDays": 7, "Prefix": UPLOADS_PREFIX, "Status": "Enabled"} in rules
    (rule,) = properties["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET", "HEAD", "POST", "PUT"]
    assert rule["ExposedHeaders"] == ["ETag"]
    assert rule["AllowedOrigins"] == [{"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}]


def test_uploads_invoke_the_ingest_function(template, synthesized):
    workspace_id, _ = _workspace(synthesized)
    ingest = synthesized.function_id(INGEST_HANDLER)
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": workspace_id},
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOADS_PREFIX}]}},
                        "LambdaFunctionArn": {"Fn::GetAtt": [ingest, "Arn"]},
                    }
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [ingest, "Arn"]},
            "Principal": "s3.amazonaws.com",
            "SourceArn": Match.any_value(),
        },
    )


def test_failed_ingest_events_go_to_an_alarmed_dead_letter_queue(template, synthesized):
    ingest = synthesized.function_id(INGEST_HANDLER)
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": ingest},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        },
    )
    alarms = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmDescription": Match.string_like_regexp("ingest function")}}
    )
    assert len(alarms) == 1
