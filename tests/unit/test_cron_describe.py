"""The web app's cron expressions in words (web/src/schedules/describe.js), run by Node."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.stack import ROOT

DESCRIBE = ROOT / "web" / "src" / "schedules" / "describe.js"
# Reads a JSON list of expressions from stdin; prints what describeCron says of each.
HARNESS = f"""
import {{ readFileSync }} from 'node:fs';
import {{ describeCron }} from '{DESCRIBE.as_uri()}';
console.log(JSON.stringify(JSON.parse(readFileSync(0, 'utf8')).map(describeCron)));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

CASES = {
    "0 9 * * 1-5": "Weekdays at 9:00",
    "30 18 * * *": "Every day at 18:30",
    "0 8 * * 1": "Every Monday at 8:00",
    "0 8 * * MON": "Every Monday at 8:00",
    "0 8 * * 1,3": "Every Monday and Wednesday at 8:00",
    "0 10 * * 0,6": "Weekends at 10:00",
    "0 10 * * 0": "Every Sunday at 10:00",
    "0 * * * *": "Every hour",
    "15 * * * *": "At minute 15 past every hour",
    "0 9 1 * *": "On the 1st of each month at 9:00",
    "0 9 2,22 * *": "On the 2nd and 22nd of each month at 9:00",
    "0 0 1 1 *": "On the 1st of January at 0:00",
    "5 */2 * * *": "At minute 5 past every 2nd hour",
    "0 */3 * * *": "Every 3rd hour",
    "*/15 * * * *": "Every 15 minutes",
    "* * * * *": "Every minute",
    "0 9,17 * * 1-5": "Weekdays at 9:00 and 17:00",
    "  0   9 * * *  ": "Every day at 9:00",
    # What it cannot say plainly stays the expression itself
    "0 9 1 * 1": "0 9 1 * 1",
    "0 9-17/2 * * *": "0 9-17/2 * * *",
    "61 * * * *": "61 * * * *",
    "@daily": "@daily",
    "": "",
}


def describe(*expressions: str) -> list[str]:
    node = shutil.which("node") or "node"
    command = [node, "--input-type=module", "-e", HARNESS]
    result = subprocess.run(command, input=json.dumps(expressions), capture_output=True, text=True, check=True)
    return list(json.loads(result.stdout))


def test_common_schedules_read_as_words_and_the_rest_as_the_expression() -> None:
    assert dict(zip(CASES, describe(*CASES), strict=True)) == CASES
