"""CloudFront: the private SPA bucket through OAC, /api/* to the REST API uncached, SPA routing, headers."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from aws_cdk.assertions import Capture, Match

from infra.config import REPO_ROOT
from infra.constructs.spa import (
    SPA_ROUTING_FUNCTION,
    VIEWER_ADDRESS_FUNCTION,
    content_security_policy,
    inline_script_hashes,
)
from infra.spa_build import BUNDLE_ENTRY, esbuild_path
from shared.spa_assets import entry_script

pytestmark = pytest.mark.infra

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]


def test_distribution_serves_the_spa_bucket_through_origin_access_control(template, synthesized):
    spa_origin = Capture()
    template.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "DefaultRootObject": "index.html",
                    "DefaultCacheBehavior": Match.object_like(
                        {
                            "ViewerProtocolPolicy": "redirect-to-https",
                            "FunctionAssociations": [{"EventType": "viewer-request", "FunctionARN": Match.any_value()}],
                            "ResponseHeadersPolicyId": Match.any_value(),
                        }
                    ),
                    "Origins": Match.array_with(
                        [Match.object_like({"OriginAccessControlId": Match.any_value(), "DomainName": spa_origin})]
                    ),
                    "Logging": Match.object_like({"Bucket": Match.any_value()}),
                }
            )
        },
    )
    assert synthesized.resources("AWS::CloudFront::OriginAccessControl")


def test_api_paths_go_to_the_rest_api_uncached_with_all_viewer_headers_but_host(template, synthesized):
    api_origin_id = Capture()
    template.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "CacheBehaviors": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "PathPattern": "/api/*",
                                    "AllowedMethods": ALL_METHODS,
                                    "CachePolicyId": CACHING_DISABLED,
                                    "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                                    "ViewerProtocolPolicy": "https-only",
                                    "TargetOriginId": api_origin_id,
                                }
                            )
                        ]
                    )
                }
            )
        },
    )
    (distribution,) = synthesized.resources("AWS::CloudFront::Distribution").values()
    origin = next(
        o for o in distribution["Properties"]["DistributionConfig"]["Origins"] if o["Id"] == api_origin_id.as_string()
    )
    rest_api = next(iter(synthesized.resources("AWS::ApiGateway::RestApi")))

    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["OriginPath"] == f"/{synthesized.stack.config.stage}"
    assert {"Ref": rest_api} in origin["DomainName"]["Fn::Join"][1]


def test_the_api_learns_the_viewers_address_only_from_cloudfront(synthesized):
    # Given the /api/* behaviour and its origin
    (distribution,) = synthesized.resources("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    behavior = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    origin = next(o for o in config["Origins"] if o["Id"] == behavior["TargetOriginId"])
    secret = next(
        logical_id
        for logical_id, resource in synthesized.resources("AWS::SecretsManager::Secret").items()
        if str(resource["Properties"].get("Name", "")).endswith("origin-verify")
    )

    # Then a viewer-request function sets X-Viewer-Address, CloudFront adds the secret as X-Origin-Verify (a
    # dynamic reference, resolved at deploy time); only the API reads that secret (test_cdk_iam)
    [association] = behavior["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert 'request.headers["x-viewer-address"] = { value: event.viewer.ip }' in VIEWER_ADDRESS_FUNCTION
    [header] = origin["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert synthesized.referenced_ids(header["HeaderValue"]) == {secret}
    assert "resolve:secretsmanager" in json.dumps(header["HeaderValue"])


def test_no_distribution_wide_error_pages_hide_api_errors(synthesized):
    # The API answers 403 and 404 itself; SPA routing is done by a viewer-request function instead.
    (distribution,) = synthesized.resources("AWS::CloudFront::Distribution").values()

    assert "CustomErrorResponses" not in distribution["Properties"]["DistributionConfig"]


def test_spa_routing_function_rewrites_routes_but_not_files(template):
    template.has_resource_properties(
        "AWS::CloudFront::Function",
        {"FunctionCode": Match.string_like_regexp("index\\.html"), "FunctionConfig": Match.object_like({})},
    )
    assert "lastIndexOf('.')" in SPA_ROUTING_FUNCTION


def test_security_headers_include_hsts_frame_denial_and_a_csp(template, synthesized):
    csp = Capture()
    template.has_resource_properties(
        "AWS::CloudFront::ResponseHeadersPolicy",
        {
            "ResponseHeadersPolicyConfig": Match.object_like(
                {
                    "SecurityHeadersConfig": Match.object_like(
                        {
                            "StrictTransportSecurity": Match.object_like({"Override": True}),
                            "FrameOptions": {"FrameOption": "DENY", "Override": True},
                            "ContentTypeOptions": {"Override": True},
                            "ContentSecurityPolicy": {"ContentSecurityPolicy": csp, "Override": True},
                        }
                    )
                }
            )
        },
    )
    parts = csp.as_object()["Fn::Join"][1] if isinstance(csp.as_object(), dict) else [csp.as_string()]
    literal = "".join(part for part in parts if isinstance(part, str))
    assert "script-src 'self'" in literal
    assert "'unsafe-inline'" not in literal.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in literal
    assert "connect-src 'self' wss://" in literal


def test_inline_import_map_is_allowed_by_its_hash(tmp_path):
    # Given an index.html with an inline import map, then the CSP allows exactly that script by hash.
    importmap = '{"imports": {"preact": "/vendor/preact/dist/preact.module.js"}}'
    index = tmp_path / "index.html"
    index.write_text(f'<script type="importmap">{importmap}</script><script type="module" src="/m.js"></script>')
    expected = base64.b64encode(hashlib.sha256(importmap.encode()).digest()).decode()

    hashes = inline_script_hashes(index)
    csp = content_security_policy(connect_sources=["wss://example"], script_hashes=hashes)

    assert hashes == [f"'sha256-{expected}'"]
    assert f"script-src 'self' 'sha256-{expected}';" in csp


def test_spa_deployment_writes_config_json_with_the_websocket_url(template, synthesized):
    # config.json is an asset with a marker that the deployment replaces with the wss:// URL of the stage.
    template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"Prune": True, "DistributionPaths": ["/*"], "SystemMetadata": {"cache-control": "no-cache"}},
    )
    (deployment,) = synthesized.resources("Custom::CDKBucketDeployment").values()
    configs = list(synthesized.assembly_dir.glob("asset.*/config.json"))
    assert len(configs) == 1
    marker = configs[0].read_text().split('"wsUrl":', 1)[1].split(",", 1)[0]
    values = [markers[marker] for markers in deployment["Properties"]["SourceMarkers"] if marker in markers]
    websocket_api = next(iter(synthesized.resources("AWS::ApiGatewayV2::Api")))

    assert json.loads(configs[0].read_text().replace(marker, '"wss://..."')) == {"wsUrl": "wss://...", "mode": "aws"}
    (url,) = values
    assert url["Fn::Join"][1][0] == '"wss://'
    assert {"Ref": websocket_api} in url["Fn::Join"][1]


def test_spa_asset_is_web_without_npm_files_plus_vendored_packages(synthesized):
    if not (REPO_ROOT / "web" / "index.html").is_file():
        pytest.skip("web/index.html is not written yet")
    (spa,) = [path for path in synthesized.assembly_dir.glob("asset.*") if (path / "index.html").is_file()]

    assert not (spa / "node_modules").exists()
    assert not (spa / "package.json").exists()
    assert not (spa / "package-lock.json").exists()
    for package in ("preact", "htm"):
        if (REPO_ROOT / "web" / "node_modules" / package).is_dir():
            assert (spa / "vendor" / package / "package.json").is_file(), package


def _csp_literal(synthesized) -> str:
    (policy,) = synthesized.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    value = csp["ContentSecurityPolicy"]
    parts = value["Fn::Join"][1] if isinstance(value, dict) else [value]
    return "".join(part for part in parts if isinstance(part, str))


def test_the_deployed_spa_loads_one_bundle_and_its_inline_scripts_are_allowed_by_hash(synthesized):
    # Given the synthesized SPA asset (esbuild ran during synth, as the deploy runs it)
    web = REPO_ROOT / "web"
    if esbuild_path(web) is None:
        pytest.skip("web/node_modules is not installed (npm ci in web/)")
    (spa,) = [path for path in synthesized.assembly_dir.glob("asset.*") if (path / "index.html").is_file()]
    index = (spa / "index.html").read_text()
    bundle = (spa / "app" / "main.js").read_text()

    # Then index.html starts the bundle, not the plain modules, and the bundle imports no bare name
    assert entry_script(index) == BUNDLE_ENTRY
    assert "/src/main.js" not in index
    assert 'from"preact"' not in bundle and "from 'preact'" not in bundle
    # And the splash and the import map stay byte for byte, so the CSP's hashes of web/index.html allow them
    deployed_hashes = inline_script_hashes(spa / "index.html")
    assert deployed_hashes == inline_script_hashes(web / "index.html")
    assert len(deployed_hashes) >= 2  # the import map and the splash's script
    csp = _csp_literal(synthesized)
    script_sources = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert all(digest in script_sources for digest in deployed_hashes)
