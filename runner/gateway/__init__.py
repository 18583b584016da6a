"""The model gateway: the CLI's only way to the model, with the credential kept out of the CLI's reach.

See docs/model-gateway.md.
"""

from runner.gateway.bedrock import BedrockUpstream
from runner.gateway.errors import UNREACHABLE_HEADER, UPSTREAM_UNREACHABLE, GatewayError, UnknownTokenError
from runner.gateway.grants import TOKEN_PREFIX, Grant
from runner.gateway.ledger import Recorder
from runner.gateway.server import ModelGateway
from runner.gateway.upstream import AnthropicUpstream, Upstream

__all__ = [
    "TOKEN_PREFIX",
    "UNREACHABLE_HEADER",
    "UPSTREAM_UNREACHABLE",
    "AnthropicUpstream",
    "BedrockUpstream",
    "GatewayError",
    "Grant",
    "ModelGateway",
    "Recorder",
    "UnknownTokenError",
    "Upstream",
]
