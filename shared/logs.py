"""The Powertools logger every entry point and the runner share."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from shared.constants import SERVICE_NAME
from shared.settings import get_settings

logger = Logger(service=SERVICE_NAME, level=get_settings().log_level)
