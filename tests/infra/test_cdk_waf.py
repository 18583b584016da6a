"""The REST API's regional web ACL: rate limits with a 429 in the API's error envelope, managed rules, association."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match

from infra.config import ConfigError, StageConfig
from infra.constructs.waf import AUTH_PATH_REGEX, AUTH_PATHS, RATE_LIMITED_BODY_KEY

pytestmark = pytest.mark.infra

BLOCK_429 = {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": RATE_LIMITED_BODY_KEY}}}


@pytest.fixture(scope="module")
def web_acl(synthesized):
    acls = synthesized.resources("AWS::WAFv2::WebACL")
    assert len(acls) == 1, acls
    logical_id, resource = next(iter(acls.items()))
    return logical_id, resource["Properties"]


def rules_by_name(properties):
    return {rule["Name"]: rule for rule in properties["Rules"]}


def test_a_regional_web_acl_allows_by_default_with_metrics_and_samples(web_acl):
    _, properties = web_acl

    assert properties["Scope"] == "REGIONAL"
    assert properties["Name"] == "sasha-studio-dev-api"
    assert properties["DefaultAction"] == {"Allow": {}}
    for config in [properties["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in properties["Rules"])]:
        assert config["CloudWatchMetricsEnabled"] is True
        assert config["SampledRequestsEnabled"] is True
    metric_names = [rule["VisibilityConfig"]["MetricName"] for rule in properties["Rules"]]
    assert len(set(metric_names)) == len(metric_names)
    priorities = [rule["Priority"] for rule in properties["Rules"]]
    assert len(set(priorities)) == len(priorities)


def test_the_rate_limited_body_is_the_api_error_envelope(web_acl):
    _, properties = web_acl
    body = properties["CustomResponseBodies"][RATE_LIMITED_BODY_KEY]

    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"]) == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests from your address; try again in a few minutes.",
        }
    }


def test_sign_in_and_reset_routes_are_rate_limited_per_source_address(web_acl):
    _, properties = web_acl
    rule = rules_by_name(properties)["AuthRateLimit"]
    statement = rule["Statement"]["RateBasedStatement"]

    assert statement["Limit"] == 100
    assert statement["EvaluationWindowSec"] == 300
    # The real source address: a forwarded header could be forged by a direct caller.
    assert statement["AggregateKeyType"] == "IP"
    assert "ForwardedIPConfig" not in statement
    regex = statement["ScopeDownStatement"]["RegexMatchStatement"]
    assert regex["FieldToMatch"] == {"UriPath": {}}
    assert regex["RegexString"] == AUTH_PATH_REGEX
    assert {t["Type"] for t in regex["TextTransformations"]} == {"URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"}
    assert rule["Action"] == BLOCK_429


@pytest.mark.parametrize(
    ("path", "limited"),
    [
        *((path, True) for path in AUTH_PATHS),
        *((f"/dev{path}", True) for path in AUTH_PATHS),
        ("/prod/api/auth/reset-password/verify", True),
        ("/dev/api/auth/me", False),
        ("/dev/api/auth/logout", False),
        ("/dev/api/auth/login-options", False),
        ("/dev/api/projects", False),
    ],
)
def test_the_auth_path_pattern_matches_with_or_without_the_stage_prefix(path, limited):
    # WAF's regex dialect is PCRE; this pattern uses only what Python's `re` reads the same way.
    assert bool(re.search(AUTH_PATH_REGEX, path)) is limited


def test_every_request_is_rate_limited_per_source_address(web_acl):
    _, properties = web_acl
    rule = rules_by_name(properties)["RateLimit"]
    statement = rule["Statement"]["RateBasedStatement"]

    assert statement == {"AggregateKeyType": "IP", "Limit": 2000, "EvaluationWindowSec": 300}
    assert rule["Action"] == BLOCK_429


def test_managed_rule_groups_block_except_body_and_user_content_rules_that_count(web_acl):
    _, properties = web_acl
    rules = rules_by_name(properties)

    common = rules["AWSManagedRulesCommonRuleSet"]
    assert common["OverrideAction"] == {"None": {}}
    group = common["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    overrides = {o["Name"]: o["ActionToUse"] for o in group["RuleActionOverrides"]}
    assert overrides["SizeRestrictions_BODY"] == {"Count": {}}
    assert all(action == {"Count": {}} for action in overrides.values())
    # Rules on headers, URI paths and cookies keep blocking.
    assert not {name for name in overrides if name.endswith(("_URIPATH", "_HEADER", "_COOKIE"))}

    bad_inputs = rules["AWSManagedRulesKnownBadInputsRuleSet"]
    assert bad_inputs["OverrideAction"] == {"None": {}}
    group = bad_inputs["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", "AWSManagedRulesKnownBadInputsRuleSet")
    assert "RuleActionOverrides" not in group

    # Rate limits first: a flood is refused before the managed rules inspect it.
    order = sorted(properties["Rules"], key=lambda rule: rule["Priority"])
    assert [rule["Name"] for rule in order][:2] == ["AuthRateLimit", "RateLimit"]


def test_the_web_acl_is_associated_with_the_rest_api_stage(template, synthesized, web_acl):
    acl_id, _ = web_acl
    stages = {
        logical_id: resource
        for logical_id, resource in synthesized.resources("AWS::ApiGateway::Stage").items()
        if resource["Properties"]["StageName"] == "dev"
    }
    assert len(stages) == 1
    stage_id, stage = next(iter(stages.items()))
    rest_api_ref = stage["Properties"]["RestApiId"]

    associations = synthesized.resources("AWS::WAFv2::WebACLAssociation")
    assert len(associations) == 1
    association = next(iter(associations.values()))
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {
            "ResourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":apigateway:",
                        {"Ref": "AWS::Region"},
                        "::/restapis/",
                        rest_api_ref,
                        "/stages/",
                        {"Ref": stage_id},
                    ],
                ]
            },
            "WebACLArn": Match.any_value(),
        },
    )


def test_thresholds_come_from_the_context():
    context = {"wafAuthRateLimit": "20", "wafRateLimit": "500", "wafWindowSeconds": "60"}

    config = StageConfig.from_context(context.get)

    assert (config.waf_auth_rate_limit, config.waf_rate_limit, config.waf_window_seconds) == (20, 500, 60)


@pytest.mark.parametrize(
    "context",
    [{"wafAuthRateLimit": "5"}, {"wafRateLimit": "3000000000"}, {"wafWindowSeconds": "30"}, {"wafRateLimit": "x"}],
)
def test_thresholds_waf_would_refuse_are_refused_at_synth(context):
    with pytest.raises(ConfigError):
        StageConfig.from_context(context.get)


def test_a_deployment_changes_the_thresholds(synthesize_into):
    variant = synthesize_into(wafAuthRateLimit=50, wafRateLimit=1000, wafWindowSeconds=600)
    properties = next(iter(variant.resources("AWS::WAFv2::WebACL").values()))["Properties"]
    rules = rules_by_name(properties)

    assert rules["AuthRateLimit"]["Statement"]["RateBasedStatement"]["Limit"] == 50
    assert rules["RateLimit"]["Statement"]["RateBasedStatement"]["Limit"] == 1000
    assert {
        rule["Statement"]["RateBasedStatement"]["EvaluationWindowSec"]
        for rule in rules.values()
        if "RateBasedStatement" in rule["Statement"]
    } == {600}
