"""WebSocket connections, the events the server sends them, and the base of the messages clients send."""
