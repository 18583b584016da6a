"""Every DynamoDB table of Sasha Studio, one PynamoDB model each, one module per domain (docs/data-model.md).

Import a model from its module (`from shared.models.chat import Session`): a Lambda then loads only the tables
it uses (importing all of them costs every cold start ~18 ms). `shared.models.base.all_models()` imports them all,
for the CDK app, the local stack and the tests; `shared.models.X` still finds any name, for the tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def __getattr__(name: str) -> Any:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if name in vars(module) and not name.startswith("_"):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
