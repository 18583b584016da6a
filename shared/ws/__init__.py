"""The WebSocket API's actions (`$default`): the router, and one module per group of actions."""
