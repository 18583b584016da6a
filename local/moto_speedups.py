"""Two of moto's per-request lookups, memoized for the local AWS server: both answer from what cannot change while
it serves. bench/local_aws.py measures a call with and without them, in the same run: a GetItem's and an
UpdateItem's medians were 0.84-0.88x moto's own (one client, calls in a row).

- The dispatcher asks which backend serves a host by listing moto's package folder, twice per request, under the
  lock every request takes (moto.backends.list_of_moto_modules): the answer for a host is now kept.
- A response class's method names are read by `inspect.getmembers` on every call of an action
  (moto.core.responses.method_names_from_class): they are now kept per class.

Applied by local/moto_server.py before it serves; moto's behaviour is otherwise unchanged
(tests/unit/test_local_moto_speedups.py checks the answers are the same).
"""

from __future__ import annotations

import functools
from typing import Any


def apply() -> None:
    from moto.core import responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication.get_backend_for_host, "memoized", False):
        return
    uncached_backend = DomainDispatcherApplication.get_backend_for_host
    backends: dict[str | None, Any] = {}

    @functools.wraps(uncached_backend)
    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in backends:  # only called under the dispatcher's lock
            if len(backends) >= 1024:  # virtual-hosted S3 names each bucket: keep the table bounded
                backends.clear()
            backends[host] = uncached_backend(self, host)
        return backends[host]

    get_backend_for_host.memoized = True  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)
