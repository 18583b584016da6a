"""The local bootstrap brings an older data folder's tables up to the models: indexes added later appear."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from local.bootstrap import ensure_tables
from shared import aws
from shared.constants import Env
from shared.models.base import all_models, bind_models
from shared.models.schedules import Execution
from shared.settings import Settings, get_settings


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        Env.REGION: "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(Env.AWS_ENDPOINT_URL, raising=False)
    with mock_aws():
        get_settings.cache_clear()
        aws.reset_clients()
        bind_models(get_settings())
        yield
    get_settings.cache_clear()
    aws.reset_clients()
    bind_models(Settings())


def test_an_index_added_to_a_model_is_created_on_the_existing_table_and_finds_old_items(moto: None) -> None:
    # given a data folder whose executions table predates the by-project index, holding one run
    schema = Execution._get_schema()
    older = [index for index in schema["global_secondary_indexes"] if index["index_name"] != "by-project"]
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=Execution.Meta.table_name,
        AttributeDefinitions=[d for d in schema["attribute_definitions"] if d["AttributeName"] != "project_id"],
        KeySchema=schema["key_schema"],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {"IndexName": i["index_name"], "KeySchema": i["key_schema"], "Projection": i["projection"]} for i in older
        ],
    )
    Execution(execution_id="run-1", kind="skill", user_id="u1", project_id="p1").save()

    # when the stack starts on it
    created = ensure_tables()

    # then the other tables are created, this one keeps its item, and the new index finds it
    assert Execution.Meta.table_name not in created
    assert len(created) == len(all_models()) - 1
    assert [e.execution_id for e in Execution.by_project.query("p1")] == ["run-1"]
    assert ensure_tables() == []  # and a second start creates nothing
