"""The REST API: a FastAPI app that the api Lambda serves through Mangum."""
