"""WebSocket connections, server events and the $default action router."""
