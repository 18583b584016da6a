"""What the runner's jobs share: the sandbox (pool users, folders) and the model gateway (the CLI's only way out).

Both start on first use, so a worker that only runs jobs without Claude (pings, callbacks; the unit tests)
never creates users or opens a port; `runner.worker.main` opens them at start so a misconfiguration shows at once.
"""

from __future__ import annotations

import functools
import threading

from runner.gateway import AnthropicUpstream, ModelGateway
from runner.sandbox import Sandbox
from shared.settings import Settings, get_settings
from shared.usage import record


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self._gateway: ModelGateway | None = None

    @property
    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = Sandbox(self.settings)
            return self._sandbox

    @property
    def gateway(self) -> ModelGateway:
        with self._lock:
            if self._gateway is None:
                claude = self.settings.claude_env
                upstream = AnthropicUpstream(
                    base_url=self.settings.upstream_base_url,
                    api_key=claude.get("ANTHROPIC_API_KEY") or None,
                    auth_token=claude.get("ANTHROPIC_AUTH_TOKEN") or None,
                )
                gateway = ModelGateway(upstream=upstream, recorder=record)
                gateway.start()
                self._gateway = gateway
            return self._gateway

    def open(self) -> None:
        """Start both now (at runner start), so a setup that cannot work is reported before any job; the gateway
        only when there is a key to give it (jobs refuse to start Claude without one)."""
        _ = self.sandbox
        if self.settings.model_credential_configured:
            _ = self.gateway

    def close(self) -> None:
        with self._lock:
            if self._gateway is not None:
                self._gateway.stop()
                self._gateway = None


@functools.cache
def default_services() -> Services:
    """The process's services, for job contexts made outside a worker (tests, one-off runs)."""
    return Services(get_settings())
