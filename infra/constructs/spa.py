"""The SPA: a private bucket behind CloudFront (Origin Access Control), with `/api/*` routed to the REST API."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra.constructs.bundling import UNUSED_BUNDLING_IMAGE, CopyTrees, Tree, fingerprint
from infra.nag import LAMBDA_BASIC_EXECUTION, PACK, acknowledge, acknowledge_singleton_policies, cdk_singletons
from infra.spa_build import build, build_key, esbuild_path

# Never deployed from web/: the npm manifest and the full node_modules (only the vendored packages are).
WEB_EXCLUDE = frozenset({"node_modules", "package.json", "package-lock.json"})
CONFIG_FILE = "config.json"

# Paths without a file extension are client-side routes: serve index.html for them. Doing this in a viewer
# function (not distribution-wide error responses) keeps the API's own 403 and 404 answers intact.
SPA_ROUTING_FUNCTION = """
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) {
    request.uri = '/index.html';
  }
  return request;
}
"""

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)

# The viewer's address for the API's rate limits: API Gateway only sees the edge's. Whatever the viewer sent under
# that name is replaced; the API believes it only with the origin secret (X-Origin-Verify).
VIEWER_ADDRESS_FUNCTION = """
function handler(event) {
  var request = event.request;
  request.headers["x-viewer-address"] = { value: event.viewer.ip };
  return request;
}
"""


def vendor_packages(web_dir: Path) -> list[str]:
    """Packages the SPA imports as /vendor/<package>/... (no build step; the import map pins them): every
    dependency in web/package.json, as the local gateway serves them."""
    manifest = web_dir / "package.json"
    return list(json.loads(manifest.read_text()).get("dependencies", {})) if manifest.is_file() else []


def inline_script_hashes(index_html: Path) -> list[str]:
    """CSP hash sources of the inline scripts of index.html (the import map), so no 'unsafe-inline' is needed."""
    if not index_html.is_file():
        return []
    hashes = []
    for body in _INLINE_SCRIPT.findall(index_html.read_text(encoding="utf-8")):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return hashes


def content_security_policy(*, connect_sources: Sequence[str], script_hashes: Sequence[str]) -> str:
    """Scripts from the SPA's own origin only; XHR/WebSocket to the API, the WebSocket API and S3 uploads."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *connect_sources],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@jsii.implements(cdk.ILocalBundling)
class SpaBuild:
    """Copy web/ and the vendored packages, then bundle the entry and write the deployed index.html."""

    def __init__(self, trees: Sequence[Tree], *, web_dir: Path, esbuild: Path | None) -> None:
        self._copy = CopyTrees(trees)
        self._web_dir = web_dir
        self._esbuild = esbuild

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **options: Any) -> bool:
        self._copy.try_bundle(output_dir, image=image)
        build(self._web_dir, Path(output_dir), esbuild=self._esbuild)
        return True


class Spa(Construct):
    """Bucket, distribution, security headers and the deployment of `web/` plus `config.json`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web_dir: Path,
        logs_bucket: s3.IBucket,
        api_domain: str,
        api_origin_path: str,
        api_origin_secret: cdk.SecretValue,
        websocket_url: str,
        connect_sources: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="spa/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        headers = self._security_headers(
            content_security_policy(
                connect_sources=connect_sources, script_hashes=inline_script_hashes(web_dir / "index.html")
            )
        )
        routing = cloudfront.Function(
            self,
            "SpaRouting",
            code=cloudfront.FunctionCode.from_inline(SPA_ROUTING_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="Serve index.html for client-side routes",
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Sasha Studio SPA and /api",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=routing, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
                compress=True,
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_domain,
                        origin_path=api_origin_path,
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                        # Proves to the API that the request came through here (shared.api.deps.client_ip).
                        custom_headers={"X-Origin-Verify": api_origin_secret.unsafe_unwrap()},
                    ),
                    function_associations=[
                        cloudfront.FunctionAssociation(
                            function=cloudfront.Function(
                                self,
                                "ViewerAddress",
                                code=cloudfront.FunctionCode.from_inline(VIEWER_ADDRESS_FUNCTION),
                                runtime=cloudfront.FunctionRuntime.JS_2_0,
                                comment="Tell the API the viewer's address (X-Viewer-Address)",
                            ),
                            event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                        )
                    ],
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=headers,
                    # Nothing is cached, so CloudFront has nothing to compress; API Gateway answers as it is.
                    compress=False,
                ),
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
        )
        self._deploy(web_dir, websocket_url)
        self._acknowledge_findings()

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"

    def _security_headers(self, csp: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Sasha Studio security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=True, mode_block=True, override=True),
            ),
        )

    def _web_trees(self, web_dir: Path) -> list[Tree]:
        """web/ (minus the npm files) plus each vendored package under vendor/<package>/."""
        trees = [Tree(web_dir, "", WEB_EXCLUDE)]  # src/ too: the bundle's sources, and what its source map shows
        for package in vendor_packages(web_dir):
            source = web_dir / "node_modules" / package
            if source.is_dir():
                trees.append(Tree(source, f"vendor/{package}"))
            else:
                cdk.Annotations.of(self).add_warning_v2(
                    "sasha:spa-vendor-missing",
                    f"{source} is missing, so /vendor/{package}/ is not deployed: run `npm ci` in web/ first.",
                )
        return trees

    def _deploy(self, web_dir: Path, websocket_url: str) -> None:
        sources = [s3_deployment.Source.json_data(CONFIG_FILE, {"wsUrl": websocket_url, "mode": "aws"})]
        if web_dir.is_dir():
            trees = self._web_trees(web_dir)
            esbuild = esbuild_path(web_dir)
            if esbuild is None:
                cdk.Annotations.of(self).add_warning_v2(
                    "sasha:spa-unbundled",
                    "web/node_modules/.bin/esbuild is missing, so the SPA is deployed as plain modules (with a "
                    "modulepreload list) instead of one bundle: run `npm ci` in web/ first.",
                )
            sources.insert(
                0,
                s3_deployment.Source.asset(
                    str(web_dir),
                    asset_hash=fingerprint(trees, salt=f"spa:{build_key(web_dir)}"),
                    asset_hash_type=cdk.AssetHashType.CUSTOM,
                    bundling=cdk.BundlingOptions(
                        image=UNUSED_BUNDLING_IMAGE, local=SpaBuild(trees, web_dir=web_dir, esbuild=esbuild)
                    ),
                ),
            )
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "sasha:spa-missing", f"{web_dir} does not exist: only {CONFIG_FILE} is deployed to the SPA bucket."
            )
        self.deployment = s3_deployment.BucketDeployment(
            self,
            "Deploy",
            destination_bucket=self.bucket,
            sources=sources,
            # index.html and app/main.js keep their names (no content hashes): browsers revalidate with ETags.
            cache_control=[s3_deployment.CacheControl.no_cache()],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=512,
            prune=True,
        )
        self._acknowledge_deployment_handler()

    def _acknowledge_deployment_handler(self) -> None:
        """BucketDeployment's handler is CDK's own singleton Lambda: its findings are CDK's choices."""
        for handler in cdk_singletons(self, "Custom::CDKBucketDeployment"):
            acknowledge(
                handler,
                {
                    f"{PACK}-IAM4[{LAMBDA_BASIC_EXECUTION}]": (
                        "CDK's BucketDeployment handler logs with AWSLambdaBasicExecutionRole; it is CDK's singleton."
                    ),
                    f"{PACK}-L1": "The BucketDeployment handler's runtime is chosen and upgraded by aws-cdk-lib.",
                },
            )
            acknowledge_singleton_policies(
                handler,
                "CDK's BucketDeployment handler copies the staged asset zip from the CDK assets bucket into the SPA "
                "bucket (S3 action groups on those two buckets' objects) and invalidates this distribution "
                "(cloudfront:CreateInvalidation has no resource-level form in CDK's grant).",
            )

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.distribution,
            {
                "AwsSolutions-CFR1": (
                    "A company workspace is used from wherever its people travel; access is controlled by "
                    "authentication, not geography."
                ),
                "AwsSolutions-CFR2": (
                    "The REST API's stage has a regional web ACL (rate limits, managed rules; /api/* reaches it "
                    "through CloudFront); a CloudFront-scoped one in us-east-1 is the documented next step."
                ),
                "AwsSolutions-CFR4": (
                    "The default *.cloudfront.net certificate cannot pin TLSv1.2_2021; a custom domain with an ACM "
                    "certificate does (docs/deployment.md). Viewers are redirected to HTTPS."
                ),
            },
        )
