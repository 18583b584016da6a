"""moto in this process for the benchmarks that time the product's own code against its tables (no local stack)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from moto import mock_aws

from shared import aws
from shared.constants import JOBS_QUEUE_NAME, Env
from shared.models.base import StudioModel, bind_models
from shared.settings import Settings, get_settings


@contextmanager
def in_process_moto(*models: type[StudioModel], jobs_queue: bool = False) -> Iterator[None]:
    """The tables of `models` (and the FIFO jobs queue when asked) in moto; the environment is restored after."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            Env.REGION: "us-east-1",
            Env.TABLE_PREFIX: "bench-",
        }
    )
    os.environ.pop(Env.AWS_ENDPOINT_URL, None)
    try:
        with mock_aws():
            get_settings.cache_clear()
            aws.reset_clients()
            if jobs_queue:
                url = aws.client("sqs").create_queue(QueueName=JOBS_QUEUE_NAME, Attributes={"FifoQueue": "true"})
                os.environ[Env.JOBS_QUEUE_URL] = url["QueueUrl"]
                get_settings.cache_clear()
                aws.reset_clients()
            bind_models(get_settings())
            for model in models:
                model.create_table(wait=True)
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        aws.reset_clients()
        bind_models(Settings())
