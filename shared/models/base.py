"""The PynamoDB base model, binding to settings, and table specs derived from the models.

Every table is declared exactly once, as a PynamoDB model. The CDK app and the local stack both derive
their tables from `table_specs()`, so keys, indexes and TTLs cannot drift between code and infrastructure.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.loaders
import botocore.session
import pynamodb.connection.base
from pynamodb.connection import Connection, TableConnection
from pynamodb.indexes import AllProjection, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

import shared.models
from shared import aws
from shared.settings import Settings, get_settings

_REGISTRY: list[type[StudioModel]] = []
_LOADER = botocore.loaders.create_loader()


def _session_with_shared_loader() -> botocore.session.Session:
    """A botocore session that reuses one parsed copy of the service models."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _LOADER)
    return aws.count_calls(session)


# PynamoDB opens one botocore session per table, and each parses the DynamoDB service model again (~0.1 s):
# a Lambda touching five tables would pay that five times on a cold start. One shared loader parses it once.
pynamodb.connection.base.get_session = _session_with_shared_loader  # type: ignore[attr-defined]


# PynamoDB also makes a session and a client per table (~50 ms the first time each table is used, in every process
# and every test): every table on one endpoint shares one client instead (botocore clients are thread-safe).
_CLIENTS: dict[tuple[str | None, str | None], Any] = {}
_CLIENTS_LOCK = threading.Lock()
# Connections per client: a turn's reads go at once, to several tables, through the one client.
MAX_POOL_CONNECTIONS = 50


def _share_client(connection: Connection) -> None:
    """Give the table's connection the client of its endpoint, made by the first table to ask."""
    key = (connection.region, connection.host)
    with _CLIENTS_LOCK:
        shared = _CLIENTS.get(key)
        if shared is None:
            _CLIENTS[key] = connection.client
        else:
            connection._client = shared


def utcnow() -> datetime:
    return datetime.now(UTC)


def epoch_seconds() -> int:
    return int(time.time())


class StudioModel(Model):
    """Base of every table model. Subclasses set `Meta.logical_name`; the physical name comes from settings."""

    class Meta:
        abstract = True
        logical_name = ""
        table_name = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls.Meta, "logical_name", ""):
            _REGISTRY.append(cls)
            _bind(cls, get_settings())

    @classmethod
    def _get_connection(cls) -> TableConnection:
        made = cls._connection is None
        connection = super()._get_connection()
        if made:
            _share_client(connection.connection)
        return connection


def _bind(model: type[StudioModel], settings: Settings) -> None:
    meta = model.Meta
    meta.table_name = settings.table_name(meta.logical_name)  # type: ignore[attr-defined]
    meta.region = settings.region  # type: ignore[attr-defined]
    meta.host = settings.aws_endpoint_url  # type: ignore[attr-defined]
    meta.billing_mode = "PAY_PER_REQUEST"  # type: ignore[attr-defined]
    meta.max_pool_connections = MAX_POOL_CONNECTIONS  # type: ignore[attr-defined]
    model._connection = None


def bind_models(settings: Settings) -> None:
    """Point every model at the tables, region and endpoint of `settings` (tests and the local stack); what a
    process kept from the tables before is forgotten (`on_bind`)."""
    with _CLIENTS_LOCK:
        _CLIENTS.clear()  # made for the endpoint and the credentials before
    for model in all_models():
        _bind(model, settings)
    forget_kept()


_KEPT: list[Callable[[], None]] = []


def on_bind(forget: Callable[[], None]) -> None:
    """Have `forget` called whenever the models are pointed at other tables, or the tables are emptied (tests):
    for what a process keeps of their items."""
    _KEPT.append(forget)


def forget_kept() -> None:
    """Forget what the process keeps of the tables' items (`on_bind`)."""
    for forget in _KEPT:
        forget()


def all_models() -> list[type[StudioModel]]:
    """Every table model, in declaration order of their modules (importing a module declares its models)."""
    for info in pkgutil.iter_modules(shared.models.__path__):
        importlib.import_module(f"shared.models.{info.name}")
    return list(_REGISTRY)


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str  # "S", "N" or "B"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: KeySpec
    range_key: KeySpec | None
    projection: str  # "ALL", "KEYS_ONLY" or "INCLUDE"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    logical_name: str
    hash_key: KeySpec
    range_key: KeySpec | None
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None
    description: str


def _index_spec(index: Any) -> IndexSpec:
    hash_key: KeySpec | None = None
    range_key: KeySpec | None = None
    for attribute in index.Meta.attributes.values():
        spec = KeySpec(attribute.attr_name, attribute.attr_type)
        if attribute.is_hash_key:
            hash_key = spec
        else:
            range_key = spec
    assert hash_key is not None, f"index {index.Meta.index_name} has no hash key"
    projection = index.Meta.projection
    kind = {AllProjection: "ALL", KeysOnlyProjection: "KEYS_ONLY", IncludeProjection: "INCLUDE"}[type(projection)]
    return IndexSpec(
        name=index.Meta.index_name,
        hash_key=hash_key,
        range_key=range_key,
        projection=kind,
        non_key_attributes=tuple(getattr(projection, "non_key_attributes", None) or ()),
    )


def table_specs() -> list[TableSpec]:
    """Keys, indexes and TTL of every table, as the CDK app and the local bootstrap need them."""
    specs = []
    for model in all_models():
        attributes = model.get_attributes()
        hash_attr = attributes[model._hash_keyname]  # type: ignore[index]
        range_attr = attributes[model._range_keyname] if model._range_keyname else None
        ttl = next((a.attr_name for a in attributes.values() if a.__class__.__name__ == "TTLAttribute"), None)
        specs.append(
            TableSpec(
                logical_name=model.Meta.logical_name,  # type: ignore[attr-defined]
                hash_key=KeySpec(hash_attr.attr_name, hash_attr.attr_type),
                range_key=KeySpec(range_attr.attr_name, range_attr.attr_type) if range_attr else None,
                indexes=tuple(_index_spec(index) for index in model._indexes.values()),
                ttl_attribute=ttl,
                description=(model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
            )
        )
    return specs
