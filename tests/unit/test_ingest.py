"""The upload ingest against moto: size limit, safe keys, the move into the project, Word → Markdown."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from shared import aws
from shared.constants import Env
from shared.files import ingest
from shared.settings import get_settings

EVENTS = Path(__file__).resolve().parents[1] / "events"
ROOT = Path(__file__).resolve().parents[2]
BUCKET = "studio-workspace"
LIMIT = 64 * 1024


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
        return sorted(item["Key"] for item in found)


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bucket]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        Env.REGION: "us-east-1",
        Env.WORKSPACE_BUCKET: BUCKET,
        Env.UPLOAD_MAX_BYTES: str(LIMIT),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(Env.AWS_ENDPOINT_URL, raising=False)
    with mock_aws():
        get_settings.cache_clear()
        aws.reset_clients()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield Bucket(s3)
    get_settings.cache_clear()
    aws.reset_clients()


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
    key = "uploads/proj-42/Q3 report (final).docx"
    bucket.put(key, QUARTERLY_REPORT)
    event = json.loads((EVENTS / "s3_object_created.json").read_text())
    assert event["Records"][0]["s3"]["object"]["key"] == "uploads/proj-42/Q3+report+%28final%29.docx"

    # when the ingest function receives the event
    reply = invoke(event)

    # then the original sits in the project's files with its Markdown beside it, and the upload is gone
    destination = "projects/proj-42/files/Q3 report (final).docx"
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


def test_a_nested_file_that_is_not_a_word_document_is_moved_as_is(bucket: Bucket) -> None:
    # given a text file in a folder
    bucket.put("uploads/p1/notes/todo list.txt", b"buy milk\n", content_type="text/plain")

    # when it is ingested
    reply = invoke(s3_event("uploads/p1/notes/todo list.txt"))

    # then it is moved unchanged, keeps its content type, and gets no Markdown
    assert reply["counts"] == {"moved": 1}
    assert bucket.stored() == ["projects/p1/files/notes/todo list.txt"]
    assert bucket.read("projects/p1/files/notes/todo list.txt") == b"buy milk\n"
    head = bucket.s3.head_object(Bucket=BUCKET, Key="projects/p1/files/notes/todo list.txt")
    assert head["ContentType"] == "text/plain"


def test_a_file_above_the_limit_is_deleted_and_marked(bucket: Bucket) -> None:
    # given an upload one byte over the limit
    bucket.put("uploads/p1/video.mp4", b"\0" * (LIMIT + 1))

    # when it is ingested
    reply = invoke(s3_event("uploads/p1/video.mp4"))

    # then it is deleted, nothing reaches the project, and a marker tells the UI why
    assert reply["counts"] == {"too_large": 1}
    assert bucket.stored() == ["uploads/p1/.refused/video.mp4.json"]
    marker = json.loads(bucket.read("uploads/p1/.refused/video.mp4.json"))
    assert marker["code"] == "too_large"
    assert marker["path"] == "video.mp4"
    assert marker["size"] == LIMIT + 1
    assert f"the upload limit is {LIMIT} bytes" in marker["reason"]


def test_the_marker_written_by_the_ingest_is_not_ingested_itself(bucket: Bucket) -> None:
    # given the marker's own object-created event (markers live under uploads/ too)
    bucket.put("uploads/p1/.refused/video.mp4.json", b"{}")

    # when it arrives / then it is ignored and left where it is
    assert invoke(s3_event("uploads/p1/.refused/video.mp4.json"))["counts"] == {"ignored": 1}
    assert bucket.stored() == ["uploads/p1/.refused/video.mp4.json"]


def test_a_smaller_upload_of_a_refused_path_clears_its_marker(bucket: Bucket) -> None:
    # given a refused upload, then the same path uploaded again within the limit
    bucket.put("uploads/p1/video.mp4", b"\0" * (LIMIT + 1))
    invoke(s3_event("uploads/p1/video.mp4"))
    bucket.put("uploads/p1/video.mp4", b"\0" * 10)

    # when the new upload is ingested / then it is stored and the refusal is gone
    assert invoke(s3_event("uploads/p1/video.mp4"))["counts"] == {"moved": 1}
    assert bucket.stored() == ["projects/p1/files/video.mp4"]


@pytest.mark.parametrize(
    "key",
    [
        "uploads/p1/../p2/files/secret.txt",
        "uploads/p1/docs/../../p2/x.txt",
        "uploads/p1//etc/passwd",
        "uploads/p1/dir\\..\\x.txt",
        "uploads/p1/bad\x00name.txt",
        "uploads/../projects/p2/files/x.txt",
        "uploads/p1/./x.txt",
    ],
)
def test_an_unsafe_key_is_skipped(bucket: Bucket, key: str) -> None:
    # given an event for a key whose path escapes the project or is not canonical
    # when it arrives
    reply = invoke(s3_event(key))

    # then it is refused before any S3 call (not even a HEAD) and nothing is written
    assert reply["outcomes"][0]["result"] == "unsafe"
    assert bucket.stored() == []


def test_an_unsafe_object_that_exists_is_left_in_uploads(bucket: Bucket) -> None:
    # given an object really stored under a '..' key
    bucket.put("uploads/p1/../p2/x.txt", b"sneaky")

    # when it is ingested / then it stays where it is and no project receives it
    assert invoke(s3_event("uploads/p1/../p2/x.txt"))["counts"] == {"unsafe": 1}
    assert bucket.stored("projects/") == []


def test_a_broken_word_document_is_kept_and_the_failure_recorded(bucket: Bucket) -> None:
    # given a .docx that is not a zip archive at all
    bucket.put("uploads/p1/broken.docx", b"this is not a word document")

    # when it is ingested
    reply = invoke(s3_event("uploads/p1/broken.docx"))

    # then the original is kept in the project, no Markdown exists, and a marker says why
    assert reply["counts"] == {"conversion_failed": 1}
    assert bucket.stored() == ["projects/p1/files/broken.docx", "uploads/p1/.conversion-failed/broken.docx.json"]
    marker = json.loads(bucket.read("uploads/p1/.conversion-failed/broken.docx.json"))
    assert marker["code"] == "conversion_failed"
    assert "could not be converted to Markdown" in marker["reason"]
    assert "zip" in marker["reason"].lower()


def test_a_word_document_without_its_main_part_is_kept(bucket: Bucket) -> None:
    # given a zip that claims to be a .docx but has no word/document.xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", PARTS["[Content_Types].xml"])
    bucket.put("uploads/p1/empty.docx", buffer.getvalue())

    # when it is ingested / then the failure is recorded and the original kept
    assert invoke(s3_event("uploads/p1/empty.docx"))["counts"] == {"conversion_failed": 1}
    assert "projects/p1/files/empty.docx" in bucket.stored()


def test_a_redelivered_event_finds_nothing_left_to_do(bucket: Bucket) -> None:
    # given an upload already ingested
    bucket.put("uploads/p1/a.txt", b"a")
    invoke(s3_event("uploads/p1/a.txt"))

    # when S3 delivers the same event again / then it is a no-op
    assert invoke(s3_event("uploads/p1/a.txt"))["counts"] == {"missing": 1}
    assert bucket.stored() == ["projects/p1/files/a.txt"]


def test_every_record_of_an_event_is_ingested(bucket: Bucket) -> None:
    # given three uploads in one event, one of them too large
    bucket.put("uploads/p1/a.txt", b"a")
    bucket.put("uploads/p1/report.docx", QUARTERLY_REPORT)
    bucket.put("uploads/p2/big.bin", b"\0" * (LIMIT + 1))

    # when the event is handled / then each got its own outcome
    reply = invoke(s3_event("uploads/p1/a.txt", "uploads/p1/report.docx", "uploads/p2/big.bin"))
    assert reply["counts"] == {"moved": 1, "converted": 1, "too_large": 1}


def test_the_ingest_entry_point_stays_lean() -> None:
    # given a fresh interpreter / when the ingest handler is imported / then FastAPI and mammoth are not loaded
    code = (
        "import sys, functions.ingest.handler; "
        "print(sorted(m for m in ('fastapi', 'mangum', 'mammoth', 'markdownify') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_keys_outside_uploads_are_ignored(bucket: Bucket) -> None:
    bucket.put("projects/p1/files/a.txt", b"a")
    assert ingest.ingest_objects([(BUCKET, "projects/p1/files/a.txt")]).as_dict()["counts"] == {"ignored": 1}
    assert bucket.stored() == ["projects/p1/files/a.txt"]


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
    bucket.put("uploads/p1/a.txt", b"a")
    bucket.put("uploads/p1/b.txt", b"b")
    s3 = FailingCopies(bucket.s3, "uploads/p1/a.txt")

    # when both are ingested
    with pytest.raises(ingest.IngestError, match=re.escape("uploads/p1/a.txt")):
        ingest.ingest_objects([(BUCKET, "uploads/p1/a.txt"), (BUCKET, "uploads/p1/b.txt")], s3=s3)

    # then the second was still moved, and the first stays in uploads for Lambda's retry of the event
    assert bucket.stored() == ["projects/p1/files/b.txt", "uploads/p1/a.txt"]
