"""The REST API's regional web ACL: per-address rate limits (sign-in and reset routes, all) and AWS managed rules.

Rate limits count the source address WAF sees at the regional API. For browser traffic through CloudFront that is
the CloudFront edge's address, not the viewer's: the limits bound floods per edge and per direct caller. The
viewer's address (`X-Viewer-Address`) is deliberately not used (`ForwardedIPConfig`): a direct caller of the API
could send any value. Per-viewer limits would need a CloudFront-scoped web ACL (in us-east-1); docs/deployment.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# The routes whose requests cost a password hash, an e-mail or a token check (shared/api/routes/auth.py).
AUTH_PATHS = ("/api/auth/login", "/api/auth/register", "/api/auth/forgot-password", "/api/auth/reset-password")
# Unanchored at the start: the path WAF sees may carry the stage (`/prod/api/auth/login`), through CloudFront
# (origin path) or called directly. A sub-path such as `/api/auth/reset-password/verify` counts too.
AUTH_PATH_REGEX = "(" + "|".join(AUTH_PATHS) + ")(/|$)"

RATE_LIMITED_BODY_KEY = "rate_limited"
# The API's error envelope (shared.api.openapi.ErrorAnswer), so clients handle WAF's 429 like the application's.
RATE_LIMITED_BODY = json.dumps(
    {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests from your address; try again in a few minutes.",
        }
    }
)
RATE_LIMITED_STATUS = 429

COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
KNOWN_BAD_INPUTS_RULE_SET = "AWSManagedRulesKnownBadInputsRuleSet"
# Rules of the common rule set that only count (their matches show in metrics and sampled requests, nothing is
# blocked): file saves (PUT .../files/content) and chat prompts carry whatever a user writes, so a body over
# 8 KB, HTML with a <script>, a `../` or a URL in a document are legitimate; and file paths travel in the query
# string (`?path=notes.log` would match the restricted extensions). The application validates those itself.
COMMON_RULES_COUNTED = (
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
    "RestrictedExtensions_QUERYARGUMENTS",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Requests per source address and window: on the sign-in and reset routes, and on every request."""

    auth: int
    everything: int
    window_seconds: int


class ApiFirewall(Construct):
    """A REGIONAL web ACL (default allow) associated with the REST API's stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        stage: apigateway.Stage,
        limits: RateLimits,
    ) -> None:
        super().__init__(scope, construct_id)
        self._name = name
        rules = [
            self._rate_rule("AuthRateLimit", 0, limits.auth, limits.window_seconds, scope_down=_auth_paths()),
            self._rate_rule("RateLimit", 1, limits.everything, limits.window_seconds),
            self._managed_rule(COMMON_RULE_SET, 2, counted=COMMON_RULES_COUNTED),
            self._managed_rule(KNOWN_BAD_INPUTS_RULE_SET, 3),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            description="Sasha Studio REST API: rate limits per address and AWS managed rules",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            custom_response_bodies={
                RATE_LIMITED_BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content=RATE_LIMITED_BODY, content_type="APPLICATION_JSON"
                )
            },
            visibility_config=self._visibility(name),
        )
        # arn:{partition}:apigateway:{region}::/restapis/{api id}/stages/{stage}: it refers to the stage resource, so
        # the association waits for the stage.
        self.association = wafv2.CfnWebACLAssociation(
            self, "StageAssociation", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )

    def _visibility(self, metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
        )

    def _rate_rule(
        self,
        rule_name: str,
        priority: int,
        limit: int,
        window_seconds: int,
        *,
        scope_down: wafv2.CfnWebACL.StatementProperty | None = None,
    ) -> wafv2.CfnWebACL.RuleProperty:
        """Block an address over `limit` requests in the window with a 429 in the API's error envelope."""
        return wafv2.CfnWebACL.RuleProperty(
            name=rule_name,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    # The request's source address, never a header a caller could set.
                    aggregate_key_type="IP",
                    limit=limit,
                    evaluation_window_sec=window_seconds,
                    scope_down_statement=scope_down,
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=RATE_LIMITED_STATUS, custom_response_body_key=RATE_LIMITED_BODY_KEY
                    )
                )
            ),
            visibility_config=self._visibility(f"{self._name}-{rule_name}"),
        )

    def _managed_rule(
        self, group: str, priority: int, *, counted: tuple[str, ...] = ()
    ) -> wafv2.CfnWebACL.RuleProperty:
        """An AWS managed rule group with its own actions (block), except the `counted` rules."""
        return wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS",
                    name=group,
                    rule_action_overrides=[
                        wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                        )
                        for rule in counted
                    ]
                    or None,
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=self._visibility(f"{self._name}-{group}"),
        )


def _auth_paths() -> wafv2.CfnWebACL.StatementProperty:
    """Requests to the sign-in and reset routes, whatever the case, encoding or `//` and `./` in the path."""
    return wafv2.CfnWebACL.StatementProperty(
        regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            regex_string=AUTH_PATH_REGEX,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE"),
                wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="NORMALIZE_PATH"),
                wafv2.CfnWebACL.TextTransformationProperty(priority=2, type="LOWERCASE"),
            ],
        )
    )
