"""Upload ingest: S3 object-created events under uploads/ → size check, move into the project, docx → Markdown."""

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event

from shared.files import ingest
from shared.logs import logger

# The request id S3 gives the upload that raised the event.
_S3_REQUEST_ID = 'Records[0].responseElements."x-amz-request-id"'


@logger.inject_lambda_context(correlation_id_path=_S3_REQUEST_ID, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    # S3 notifications carry the key URL-encoded (a space is '+'); Powertools returns it as sent.
    objects = [
        (record.s3.bucket.name, unquote_plus(record.s3.get_object.key))
        for record in S3Event(event).records
        if record.event_name.startswith("ObjectCreated:")
    ]
    return ingest.ingest_objects(objects).as_dict()
