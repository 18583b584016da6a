"""The upload ingest against moto: size limit, safe keys, the move into the project, conversion, the record."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError

from shared import aws
from shared.constants import Env
from shared.files import convert, generations, ingest, tree
from shared.models.base import utcnow
from shared.models.files import FileTree, Upload, UploadState
from tests.support.aws import moto_aws
from tests.support.documents import text_pdf, with_padded_body
from tests.support.imports import loaded_after

EVENTS = Path(__file__).resolve().parents[1] / "events"
BUCKET = "studio-workspace"
LIMIT = 64 * 1024
P1 = "4f1c2a9b8e7d6c5b4a3928171615aa01"  # the project of the recorded event
P2 = "0a0b0c0d0e0f10111213141516171819"
RECORDED_UPLOAD = "9d8c7b6a5f4e3d2c1b0a99887766cc02"


@dataclass
class FakeLambdaContext:
    function_name: str = "studio-ingest"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:studio-ingest"
    aws_request_id: str = "0c1e5b8a-0000-4000-8000-000000000002"


@dataclass
class Bucket:
    s3: Any

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=content_type)

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def stored(self, prefix: str = "") -> list[str]:
        found = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"] for item in found if not item["Key"].startswith("cache/"))


@pytest.fixture
def bucket() -> Iterator[Bucket]:
    with moto_aws([Upload, FileTree], **{Env.WORKSPACE_BUCKET: BUCKET, Env.UPLOAD_MAX_BYTES: str(LIMIT)}):
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        tree.reset_memory()
        yield Bucket(s3)


_counter = iter(range(1, 10_000))


def upload(bucket: Bucket, path: str, body: bytes, *, project: str = P1, record: bool = True, **put: Any) -> str:
    """An upload as the SPA makes one: a pending record, then the object at uploads/<project>/<upload>/<path>."""
    upload_id = f"{next(_counter):032x}"
    if record:
        now = utcnow()
        Upload(
            upload_id,
            project_id=project,
            user_id="u1",
            path=path,
            declared_size=len(body),
            post_expires_at=now,
            created_at=now,
            updated_at=now,
        ).save()
    key = f"uploads/{project}/{upload_id}/{path}"
    bucket.put(key, body, **put)
    return key


def record_of(key: str) -> Upload:
    return Upload.get(key.split("/")[2], consistent_read=True)


def s3_event(*keys: str) -> dict[str, Any]:
    """The recorded object-created event, one record per key, each key encoded as S3 encodes it."""
    recorded = json.loads((EVENTS / "s3_object_created.json").read_text())
    records = []
    for key in keys:
        record = copy.deepcopy(recorded["Records"][0])
        record["s3"]["object"]["key"] = quote_plus(key, safe="/")
        records.append(record)
    return {"Records": records}


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from functions.ingest.handler import handler

    return handler(event, FakeLambdaContext())


# --- a real .docx, built from WordprocessingML parts ------------------------------------------------------

W = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="xml" ContentType="application/xml"/>
  <Override PartName="/word/document.xml"
    ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
  <Override PartName="/word/styles.xml"
    ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
  <Override PartName="/word/numbering.xml"
    ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
</Types>""",
    "_rels/.rels": f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="word/document.xml"/>
</Relationships>""",
    "word/_rels/document.xml.rels": f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>
  <Relationship Id="rId2" Type="{RELATIONSHIPS}/numbering" Target="numbering.xml"/>
  <Relationship Id="rId3" Type="{RELATIONSHIPS}/hyperlink" Target="https://example.com/report" TargetMode="External"/>
</Relationships>""",
    "word/styles.xml": f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {W}>
  <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
  <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
  <w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
</w:styles>""",
    "word/numbering.xml": f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering {W}>
  <w:abstractNum w:abstractNumId="0">
    <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>""",
}


def run(text: str, *properties: str) -> str:
    marks = f"<w:rPr>{''.join(f'<w:{p}/>' for p in properties)}</w:rPr>" if properties else ""
    return f'<w:r>{marks}<w:t xml:space="preserve">{text}</w:t></w:r>'


def paragraph(*runs: str, style: str | None = None, bullet: bool = False) -> str:
    numbering = '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if bullet else ""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/>{numbering}</w:pPr>' if style else ""
    return f"<w:p>{properties}{''.join(runs)}</w:p>"


def table(*rows: tuple[str, ...]) -> str:
    cells = ("".join(f"<w:tc>{paragraph(run(cell))}</w:tc>" for cell in row) for row in rows)
    return "<w:tbl>" + "".join(f"<w:tr>{row}</w:tr>" for row in cells) + "</w:tbl>"


def docx(*body: str) -> bytes:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {W}><w:body>{''.join(body)}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in PARTS.items():
            archive.writestr(name, content)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


QUARTERLY_REPORT = docx(
    paragraph(run("Quarterly report"), style="Heading1"),
    paragraph(run("Highlights"), style="Heading2"),
    paragraph(
        run("Revenue was "),
        run("strong", "b"),
        run(" and costs were "),
        run("flat", "i"),
        run(". See "),
        f'<w:hyperlink r:id="rId3">{run("the full report")}</w:hyperlink>',
        run("."),
    ),
    paragraph(run("First point"), style="ListParagraph", bullet=True),
    paragraph(run("Second point"), style="ListParagraph", bullet=True),
    table(("Region", "Sales"), ("North", "10"), ("South", "20")),
)


# --- tests ----------------------------------------------------------------------------------------------


def test_a_word_document_is_moved_and_converted_to_markdown(bucket: Bucket) -> None:
    # given a .docx uploaded with spaces and parentheses in its name (the recorded event encodes them)
    key = f"uploads/{P1}/{RECORDED_UPLOAD}/Q3 report (final).docx"
    now = utcnow()
    Upload(
        RECORDED_UPLOAD, project_id=P1, user_id="u1", path="Q3 report (final).docx", declared_size=1,
        post_expires_at=now, created_at=now, updated_at=now,
    ).save()  # fmt: skip
    bucket.put(key, QUARTERLY_REPORT)
    event = json.loads((EVENTS / "s3_object_created.json").read_text())
    assert event["Records"][0]["s3"]["object"]["key"] == f"uploads/{P1}/{RECORDED_UPLOAD}/Q3+report+%28final%29.docx"
    generation = generations.generation(P1)

    # when the ingest function receives the event
    reply = invoke(event)

    # then the original sits in the project's files with its Markdown beside it, and the upload is gone
    destination = f"projects/{P1}/files/Q3 report (final).docx"
    assert reply["counts"] == {"converted": 1}
    assert bucket.stored() == [destination, f"{destination}.md"]
    assert bucket.read(destination) == QUARTERLY_REPORT
    markdown = bucket.read(f"{destination}.md").decode("utf-8")
    lines = markdown.splitlines()
    assert "# Quarterly report" in lines
    assert "## Highlights" in lines
    assert "- First point" in lines
    assert "- Second point" in lines
    assert "| Region | Sales |" in lines
    assert "| North | 10 |" in lines
    assert "| South | 20 |" in lines
    assert "**strong**" in markdown
    assert "*flat*" in markdown
    assert "[the full report](https://example.com/report)" in markdown
    # and the record says so, and the project's file tree moved on
    record = Upload.get(RECORDED_UPLOAD, consistent_read=True)
    assert (record.state, record.converted_path, record.size) == (
        UploadState.CONVERTED,
        "Q3 report (final).docx.md",
        len(QUARTERLY_REPORT),
    )
    assert generations.generation(P1) == generation + 1


def test_a_nested_file_that_is_not_a_document_is_stored_as_is(bucket: Bucket) -> None:
    # given a text file in a folder
    key = upload(bucket, "notes/todo list.txt", b"buy milk\n", content_type="text/plain")

    # when it is ingested
    reply = invoke(s3_event(key))

    # then it is moved unchanged, keeps its content type, and gets no Markdown
    assert reply["counts"] == {"stored": 1}
    assert bucket.stored() == [f"projects/{P1}/files/notes/todo list.txt"]
    assert bucket.read(f"projects/{P1}/files/notes/todo list.txt") == b"buy milk\n"
    head = bucket.s3.head_object(Bucket=BUCKET, Key=f"projects/{P1}/files/notes/todo list.txt")
    assert head["ContentType"] == "text/plain"
    assert record_of(key).state == UploadState.STORED


def test_a_file_above_the_limit_is_deleted_and_the_upload_refused(bucket: Bucket) -> None:
    # given an upload one byte over the limit (S3's policy stops these; this is the second line)
    key = upload(bucket, "video.mp4", b"\0" * (LIMIT + 1))

    # when it is ingested
    reply = invoke(s3_event(key))

    # then it is deleted, nothing reaches the project, and the record tells the UI why
    assert reply["counts"] == {"too_large": 1}
    assert bucket.stored() == []
    record = record_of(key)
    assert record.state == UploadState.TOO_LARGE
    assert record.size == LIMIT + 1
    assert "at most 65,536 bytes" in str(record.reason)


@pytest.mark.parametrize(
    "key",
    [
        f"uploads/{P1}/{'1' * 32}/../../{P2}/files/secret.txt",
        f"uploads/{P1}/{'1' * 32}/docs/../../x.txt",
        f"uploads/{P1}/{'1' * 32}//etc/passwd",
        f"uploads/{P1}/{'1' * 32}/dir\\..\\x.txt",
        f"uploads/{P1}/{'1' * 32}/bad\x00name.txt",
        f"uploads/{P1}/{'1' * 32}/%2e%2e/x.txt",
        f"uploads/{P1}/{'1' * 32}/./x.txt",
        f"uploads/../projects/{P2}/files/x.txt",
        f"uploads/p1/{'1' * 32}/x.txt",
        f"uploads/{P1}/not-an-id/x.txt",
    ],
)
def test_an_unsafe_key_never_reaches_a_project(bucket: Bucket, key: str) -> None:
    # given an object really stored under a key whose path escapes the project or is not canonical
    bucket.put(key, b"sneaky")

    # when it arrives
    reply = invoke(s3_event(key))

    # then it is refused, deleted, and no project receives anything
    assert reply["outcomes"][0]["result"] == "unsafe"
    assert bucket.stored() == []


def test_an_unsafe_upload_with_a_record_is_rejected(bucket: Bucket) -> None:
    key = upload(bucket, "%252e%252e/x.txt", b"sneaky")
    assert invoke(s3_event(key))["counts"] == {"unsafe": 1}
    assert record_of(key).state == UploadState.REJECTED
    assert bucket.stored() == []


@pytest.mark.parametrize("key", ["uploads/x.txt", f"uploads/{P1}/only-two.txt", f"uploads/{P1}/{'1' * 32}/folder/"])
def test_keys_that_are_not_uploads_are_ignored(bucket: Bucket, key: str) -> None:
    bucket.put(key, b"")
    assert invoke(s3_event(key))["counts"] == {"ignored": 1}


def test_a_broken_word_document_is_kept_and_the_failure_recorded(bucket: Bucket) -> None:
    # given a .docx that is not a zip archive at all
    key = upload(bucket, "broken.docx", b"this is not a word document")

    # when it is ingested
    reply = invoke(s3_event(key))

    # then the original is kept in the project, no Markdown exists, and the record says why
    assert reply["counts"] == {"conversion_failed": 1}
    assert bucket.stored() == [f"projects/{P1}/files/broken.docx"]
    record = record_of(key)
    assert record.state == UploadState.CONVERSION_FAILED
    assert record.reason and "docx" in record.reason.lower()


def test_a_word_document_without_its_main_part_is_kept(bucket: Bucket) -> None:
    # given a zip that claims to be a .docx but has no word/document.xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", PARTS["[Content_Types].xml"])
    key = upload(bucket, "empty.docx", buffer.getvalue())

    # when it is ingested / then the failure is recorded and the original kept
    assert invoke(s3_event(key))["counts"] == {"conversion_failed": 1}
    assert f"projects/{P1}/files/empty.docx" in bucket.stored()


def test_a_failed_new_version_removes_the_markdown_of_the_old_one(bucket: Bucket) -> None:
    invoke(s3_event(upload(bucket, "plan.docx", QUARTERLY_REPORT)))
    assert f"projects/{P1}/files/plan.docx.md" in bucket.stored()
    invoke(s3_event(upload(bucket, "plan.docx", b"damaged")))
    assert bucket.stored() == [f"projects/{P1}/files/plan.docx"]


def test_a_redelivered_event_finds_nothing_left_to_do(bucket: Bucket) -> None:
    # given an upload already ingested
    key = upload(bucket, "a.txt", b"a")
    invoke(s3_event(key))

    # when S3 delivers the same event again / then it is a no-op
    assert invoke(s3_event(key))["counts"] == {"missing": 1}
    assert bucket.stored() == [f"projects/{P1}/files/a.txt"]
    assert record_of(key).state == UploadState.STORED


def test_a_cancelled_upload_that_arrives_anyway_is_stored_but_stays_cancelled(bucket: Bucket) -> None:
    # the file is in S3 and must not be lost; the record keeps what the user was told
    key = upload(bucket, "late.txt", b"late")
    Upload(key.split("/")[2]).update(actions=[Upload.state.set(UploadState.CANCELLED.value)])
    assert invoke(s3_event(key))["counts"] == {"stored": 1}
    assert record_of(key).state == UploadState.CANCELLED


def test_an_upload_without_a_record_is_still_stored(bucket: Bucket) -> None:
    key = upload(bucket, "a.txt", b"a", record=False)
    assert invoke(s3_event(key))["counts"] == {"stored": 1}
    assert bucket.stored() == [f"projects/{P1}/files/a.txt"]


def test_every_record_of_an_event_is_ingested(bucket: Bucket) -> None:
    # given three uploads in one event, one of them too large
    keys = (
        upload(bucket, "a.txt", b"a"),
        upload(bucket, "report.docx", QUARTERLY_REPORT),
        upload(bucket, "big.bin", b"\0" * (LIMIT + 1), project=P2),
    )

    # when the event is handled / then each got its own outcome
    reply = invoke(s3_event(*keys))
    assert reply["counts"] == {"stored": 1, "converted": 1, "too_large": 1}


def test_the_ingest_entry_point_stays_lean() -> None:
    # given a fresh interpreter / when the ingest handler is imported / then FastAPI and mammoth are not loaded
    heavy = ["fastapi", "mangum", "mammoth", "markdownify", "pypdf", "bs4"]
    assert loaded_after(["functions.ingest.handler"], heavy) == []


def test_keys_outside_uploads_are_ignored(bucket: Bucket) -> None:
    bucket.put(f"projects/{P1}/files/a.txt", b"a")
    assert ingest.ingest_objects([(BUCKET, f"projects/{P1}/files/a.txt")]).as_dict()["counts"] == {"ignored": 1}
    assert bucket.stored() == [f"projects/{P1}/files/a.txt"]


class FailingCopies:
    """The real S3 client, except that copying one key fails the way an S3 outage does."""

    def __init__(self, s3: Any, failing_key: str) -> None:
        self._s3 = s3
        self._failing_key = failing_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def copy_object(self, **kwargs: Any) -> Any:
        if kwargs["CopySource"]["Key"] == self._failing_key:
            error = {"Error": {"Code": "InternalError", "Message": "We encountered an internal error."}}
            raise ClientError(error, "CopyObject")
        return self._s3.copy_object(**kwargs)


def test_an_unexpected_failure_is_raised_after_every_record_was_tried(bucket: Bucket) -> None:
    # given two uploads, and S3 failing to copy the first one
    first, second = upload(bucket, "a.txt", b"a"), upload(bucket, "b.txt", b"b")
    s3 = FailingCopies(bucket.s3, first)

    # when both are ingested
    with pytest.raises(ingest.IngestError, match=re.escape(first)):
        ingest.ingest_objects([(BUCKET, first), (BUCKET, second)], s3=s3)

    # then the second was still moved, and the first stays in uploads (and pending) for Lambda's retry
    assert bucket.stored() == [f"projects/{P1}/files/b.txt", first]
    assert record_of(first).state == UploadState.PENDING


# --- bounded conversions: every document ends in a terminal state, its original kept ------------------------------


def test_a_word_document_past_the_caps_is_kept_and_the_reason_recorded(bucket: Bucket) -> None:
    # given a valid .docx of a few KB whose XML would unpack to 17 MB (the cap is 16 MB)
    bomb = with_padded_body(QUARTERLY_REPORT, 17 * 1024**2)
    key = upload(bucket, "padded.docx", bomb)

    # when it is ingested
    reply = invoke(s3_event(key))

    # then the original is in the project unconverted, the upload object is gone, and the record says why
    assert reply["counts"] == {"conversion_failed": 1}
    assert bucket.stored() == [f"projects/{P1}/files/padded.docx"]
    assert bucket.read(f"projects/{P1}/files/padded.docx") == bomb
    record = record_of(key)
    assert record.state == UploadState.CONVERSION_FAILED
    assert "would unpack to more than 16 MB" in str(record.reason)


def test_a_conversion_past_its_time_is_kept_and_the_reason_recorded(
    bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a conversion budget already spent, and a PDF
    monkeypatch.setattr(convert, "CONVERSION_SECONDS", 0.0)
    key = upload(bucket, "minutes.pdf", text_pdf(3))

    # when it is ingested / then it ends conversion_failed, saying so, with the PDF kept
    assert invoke(s3_event(key))["counts"] == {"conversion_failed": 1}
    assert bucket.stored() == [f"projects/{P1}/files/minutes.pdf"]
    record = record_of(key)
    assert record.state == UploadState.CONVERSION_FAILED
    assert "takes longer than the 0 s a conversion may take (stopped at page 1 of 3)" in str(record.reason)


def test_the_try_after_two_that_never_finished_stores_the_document_unconverted(bucket: Bucket) -> None:
    # given a document whose conversion was started twice and never finished (the function was killed each time:
    # out of memory, or past its timeout), as the tries left counted on the upload object say
    key = upload(bucket, "report.docx", QUARTERLY_REPORT)
    tries = {"TagSet": [{"Key": ingest.TRIES_TAG, "Value": str(ingest.CONVERSION_TRIES)}]}
    bucket.s3.put_object_tagging(Bucket=BUCKET, Key=key, Tagging=tries)

    # when Lambda tries a third time
    reply = invoke(s3_event(key))

    # then it is not converted again: the original is stored, the upload ends with the reason, nothing is left behind
    assert reply["counts"] == {"conversion_failed": 1}
    assert bucket.stored() == [f"projects/{P1}/files/report.docx"]
    record = record_of(key)
    assert (record.state, record.reason) == (UploadState.CONVERSION_FAILED, ingest.GAVE_UP)
    assert "did not finish in 2 tries" in ingest.GAVE_UP


class FailingMarkdown:
    """The real S3 client, except that writing a Markdown file fails the way an S3 outage does."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def put_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"].endswith(".md"):
            error = {"Error": {"Code": "InternalError", "Message": "We encountered an internal error."}}
            raise ClientError(error, "PutObject")
        return self._s3.put_object(**kwargs)


def test_each_try_is_counted_before_its_conversion_and_a_retry_still_converts(bucket: Bucket) -> None:
    # given a document, and S3 failing to write its Markdown on the first try
    key = upload(bucket, "report.docx", QUARTERLY_REPORT)
    with pytest.raises(ingest.IngestError):
        ingest.ingest_objects([(BUCKET, key)], s3=FailingMarkdown(bucket.s3))
    tags = bucket.s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]
    assert tags == [{"Key": ingest.TRIES_TAG, "Value": "1"}]
    assert record_of(key).state == UploadState.PENDING

    # when Lambda retries the event / then the second try converts it
    assert invoke(s3_event(key))["counts"] == {"converted": 1}
    assert record_of(key).state == UploadState.CONVERTED
    assert bucket.stored() == [f"projects/{P1}/files/report.docx", f"projects/{P1}/files/report.docx.md"]
