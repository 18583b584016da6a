"""Upload ingestion: S3 object-created events under `uploads/` invoke the ingest function."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.constructs.function import FunctionDefaults, StudioFunction
from infra.constructs.storage import WorkspaceBucket

INGEST_HANDLER = "functions.ingest.handler.handler"


class Ingest(Construct):
    """Size check and docx → markdown conversion of files the browser posted straight to S3."""

    def __init__(
        self, scope: Construct, construct_id: str, *, defaults: FunctionDefaults, workspace: WorkspaceBucket
    ) -> None:
        super().__init__(scope, construct_id)
        self.ingest: StudioFunction = defaults.function(
            self,
            "Ingest",
            handler=INGEST_HANDLER,
            description="Sasha Studio upload ingestion (size check, docx to markdown)",
            memory_mib=1024,
            timeout=cdk.Duration.minutes(2),
        )
        workspace.notify_uploads(self.ingest.function)
