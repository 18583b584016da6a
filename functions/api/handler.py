"""REST API entry point: API Gateway (REST, proxy) → Mangum → FastAPI."""

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from shared.api.app import create_app
from shared.logs import logger

app = create_app()
_asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    return _asgi(event, context)
