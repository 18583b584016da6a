"""What the runner's jobs share: the sandbox (pool users, folders) and the model gateway (the CLI's only way out).

Both start on first use, so a worker that only runs jobs without Claude (pings, callbacks; the unit tests)
never creates users or opens a port; `runner.worker.main` opens them at start so a misconfiguration shows at once.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar, cast

from botocore.credentials import Credentials

from runner.gateway import AnthropicUpstream, BedrockUpstream, ModelGateway, Upstream
from runner.sandbox import Sandbox
from shared.budgets import spend as budget_spend
from shared.budgets import status as budget_status
from shared.provider.service import ActiveProvider
from shared.provider.views import AiProvider
from shared.quotas.daily import check_tokens
from shared.settings import Settings, get_settings
from shared.usage import Tally


class Closeable(Protocol):
    def close(self) -> None: ...


T = TypeVar("T", bound=Closeable)


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self._gateway: ModelGateway | None = None
        # One upstream per provider configuration, so its connections are reused until an administrator changes it.
        self._upstreams: dict[str, Upstream] = {}
        # What a higher layer keeps for the runner's life (the warm CLI sessions), closed with the services.
        self._resources: dict[str, Closeable] = {}

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
                gateway = ModelGateway(
                    recorder=[Tally(), budget_spend.record], admission=[check_tokens, budget_status.check]
                )
                gateway.start()
                self._gateway = gateway
            return self._gateway

    def upstream(self, provider: ActiveProvider) -> Upstream:
        """The gateway's upstream for `provider` (the configuration a turn read when it started)."""
        with self._lock:
            upstream = self._upstreams.get(provider.fingerprint)
            if upstream is None:
                upstream = _upstream_of(provider, self.settings)
                if len(self._upstreams) >= 8:  # configurations an administrator left behind
                    self._upstreams.clear()
                self._upstreams[provider.fingerprint] = upstream
            return upstream

    def resource(self, name: str, make: Callable[[], T]) -> T:
        """The runner's one `name`, made on first use; it is closed (first) when the services close."""
        with self._lock:
            if name not in self._resources:
                self._resources[name] = make()
            return cast(T, self._resources[name])

    def open(self) -> None:
        """Start both now (at runner start), so a setup that cannot work is reported before any job."""
        _ = self.sandbox
        _ = self.gateway

    def close(self) -> None:
        with self._lock:
            resources, self._resources = list(self._resources.values()), {}
        for resource in resources:  # before the gateway: they hold its tokens
            resource.close()
        with self._lock:
            if self._gateway is not None:
                self._gateway.stop()
                self._gateway = None


def _upstream_of(provider: ActiveProvider, settings: Settings) -> Upstream:
    if provider.kind is AiProvider.BEDROCK:
        assert provider.region, "a Bedrock provider has a region"
        credentials = None  # the runner's default chain: its task role in the cloud
        if provider.access_key_id and provider.secret_access_key:
            credentials = Credentials(provider.access_key_id, provider.secret_access_key)
        return BedrockUpstream(
            region=provider.region, credentials=credentials, endpoint_url=settings.bedrock_runtime_endpoint
        )
    return AnthropicUpstream(base_url=provider.base_url, api_key=provider.api_key, auth_token=provider.auth_token)


@functools.cache
def default_services() -> Services:
    """The process's services, for job contexts made outside a worker (tests, one-off runs)."""
    return Services(get_settings())
