"""Document conversion: the structure of the Markdown made from real Word, PDF and HTML files, and every refusal."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from docx import Document
from PIL import Image

from shared.files import convert as conversion
from shared.files.convert import (
    Conversion,
    ConversionError,
    ConversionTimeoutError,
    convert,
    converter_for,
    fits_inline,
    markdown_name,
)
from tests.support.documents import (
    REPORT_IMAGE_ALT,
    REPORT_LINK,
    REPORT_STEPS,
    encrypted_pdf,
    html_page,
    photo_report_docx,
    png_image,
    report_docx,
    scanned_pdf,
    text_pdf,
    with_padded_body,
)
from tests.support.imports import loaded_after

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMAGE_LINK = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<target>[^)\s]+)\)")


def converted(name: str, data: bytes) -> Conversion:
    result = convert(name, data)
    assert result is not None
    return result


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(ConversionError) as caught:
        convert(name, data)
    assert caught.value.status == 422
    assert caught.value.code == "conversion_failed"
    assert "\n" not in caught.value.message and "Traceback" not in caught.value.message
    return caught.value.message


def with_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The same .docx with some parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in parts:
                target.writestr(entry.filename, source.read(entry.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return buffer.getvalue()


# --- names -----------------------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("report.docx", "docx"),
        ("REPORT.DOCX", "docx"),
        ("scan.Pdf", "pdf"),
        ("page.html", "html"),
        ("page.HTM", "html"),
        ("old.doc", None),
        ("notes.txt", None),
        ("docx", None),
        ("report.docx.zip", None),
    ],
)
def test_the_kind_comes_from_the_extension(name: str, kind: str | None) -> None:
    assert converter_for(name) == kind


@pytest.mark.unit
def test_the_markdown_sits_beside_the_original() -> None:
    assert markdown_name("report.docx") == "report.docx.md"


@pytest.mark.unit
def test_a_type_that_is_not_converted_gives_none() -> None:
    assert convert("notes.txt", b"plain text") is None
    assert convert("photo.png", png_image()) is None


# --- Word ------------------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_word_headings_emphasis_and_links_survive() -> None:
    # given a real report / when it is converted
    result = converted("report.docx", report_docx())

    # then the headings are ATX lines and the inline marks are Markdown
    lines = result.markdown.splitlines()
    assert result.kind == "docx"
    assert lines[0] == "# Quarterly report"
    assert "## Highlights" in lines
    assert "## Next steps" in lines
    assert "**strong**" in result.markdown
    assert re.search(r"(\*|_)flat\1", result.markdown)
    assert f"[the full report]({REPORT_LINK})" in result.markdown


@pytest.mark.unit
def test_word_lists_keep_their_nesting_and_numbers() -> None:
    lines = converted("report.docx", report_docx()).markdown.splitlines()

    # then the top level is "- ", the nested level is indented under its parent, the numbered list counts
    wins = lines.index("- Wins")
    nested = lines[wins + 1 : wins + 3]
    assert [line.strip() for line in nested] == ["- New customers in the north", "- Renewals"]
    assert all(re.match(r"^ {2,4}- ", line) for line in nested)
    assert lines[wins + 3] == "- Risks"
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert numbered == [f"{n}. {step}" for n, step in enumerate(REPORT_STEPS, start=1)]


@pytest.mark.unit
def test_word_tables_have_a_header_row() -> None:
    lines = converted("report.docx", report_docx()).markdown.splitlines()

    header = lines.index("| Region | Sales | Growth |")
    assert lines[header + 1] == "| --- | --- | --- |"
    assert lines[header + 2 : header + 4] == ["| North | 1,200 | 4% |", "| South | 950 | -2% |"]


@pytest.mark.unit
def test_word_images_are_extracted_and_linked() -> None:
    # given a report with one PNG chart / when it is converted
    result = converted("report.docx", report_docx())

    # then the chart is an extracted file beside the document, linked from the Markdown, and no blob is inlined
    assert [file.name for file in result.extracted] == ["report_files/image-1.png"]
    image = result.extracted[0]
    assert image.content_type == "image/png"
    assert image.data.startswith(PNG_MAGIC)
    links = IMAGE_LINK.findall(result.markdown)
    assert links == [(REPORT_IMAGE_ALT, "report_files/image-1.png")]
    assert "base64" not in result.markdown and "data:" not in result.markdown


@pytest.mark.unit
def test_a_name_with_spaces_gives_a_link_that_resolves_to_the_extracted_file() -> None:
    result = converted("Q3 report (final).docx", report_docx())

    (image,) = result.extracted
    assert image.name == "Q3 report (final)_files/image-1.png"
    (link,) = IMAGE_LINK.finditer(result.markdown)
    assert " " not in link["target"] and "(" not in link["target"]
    assert unquote(link["target"]) == image.name


@pytest.mark.unit
def test_images_are_numbered_by_appearance_and_a_repeated_one_is_stored_once() -> None:
    # given a document with a PNG, a JPEG, then the PNG again
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(jpeg, format="JPEG")
    document = Document()
    for picture in (png_image(), jpeg.getvalue(), png_image()):
        document.add_picture(io.BytesIO(picture))
    buffer = io.BytesIO()
    document.save(buffer)

    # when it is converted
    result = converted("photos.docx", buffer.getvalue())

    # then two files, their extensions from the content types, and three links
    assert [(file.name, file.content_type) for file in result.extracted] == [
        ("photos_files/image-1.png", "image/png"),
        ("photos_files/image-2.jpeg", "image/jpeg"),
    ]
    targets = [link["target"] for link in IMAGE_LINK.finditer(result.markdown)]
    assert targets == ["photos_files/image-1.png", "photos_files/image-2.jpeg", "photos_files/image-1.png"]


@pytest.mark.unit
def test_a_truncated_word_document_is_refused_as_damaged() -> None:
    data = report_docx()
    assert "damaged" in refusal("report.docx", data[: len(data) // 2])


@pytest.mark.unit
def test_an_old_word_document_is_refused_as_not_a_docx() -> None:
    ole_header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504
    message = refusal("minutes.docx", ole_header)
    assert message.startswith("The Word document could not be converted to Markdown: it is not a .docx file")
    assert "a .doc from older Word (save it as .docx" in message


@pytest.mark.unit
def test_a_word_document_with_a_broken_body_is_refused() -> None:
    broken = with_parts(report_docx(), {"word/document.xml": b"<w:document><w:body><w:p>"})
    # the parser's own words stay in the log: the message says what it means
    message = refusal("report.docx", broken)
    assert message == "The Word document could not be converted to Markdown: it looks damaged or password-protected."


@pytest.mark.unit
def test_a_zip_without_a_document_body_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "it looks damaged: it has no document body" in refusal("empty.docx", buffer.getvalue())


@pytest.mark.unit
def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a limit of 1 MB and a .docx with 2 MB of zeros (a few KB compressed)
    monkeypatch.setattr(conversion, "DOCX_MAX_UNCOMPRESSED_BYTES", 1024**2)
    bomb = with_parts(report_docx(), {"word/media/padding.bin": b"\0" * (2 * 1024**2)})
    assert len(bomb) < 100_000

    # when it is converted / then it is refused by its declared size
    assert "would unpack to more than 1 MB" in refusal("bomb.docx", bomb)


@pytest.mark.unit
def test_a_zip_with_too_many_entries_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversion, "DOCX_MAX_ENTRIES", 5)
    assert "more than the 5 allowed" in refusal("report.docx", report_docx())


# --- PDF -------------------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_pdf_pages_follow_each_other_under_page_comments() -> None:
    # given a three-page PDF / when it is converted
    result = converted("minutes.pdf", text_pdf(3))

    # then each page opens with its comment, in order, followed by a blank line and that page's text
    lines = result.markdown.splitlines()
    assert result.kind == "pdf" and result.extracted == ()
    markers = [index for index, line in enumerate(lines) if line.startswith("<!-- page ")]
    assert [lines[index] for index in markers] == ["<!-- page 1 -->", "<!-- page 2 -->", "<!-- page 3 -->"]
    for page, index in enumerate(markers, start=1):
        assert lines[index + 1] == ""
        assert lines[index + 2] == f"Page {page} title"
        assert lines[index + 3].startswith(f"Line 1 of page {page}: ")
    assert all(lines[index - 1] == "" for index in markers[1:])


@pytest.mark.unit
def test_pdf_pages_past_the_cap_are_left_out_and_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversion, "PDF_MAX_PAGES", 2)

    markdown = converted("minutes.pdf", text_pdf(3)).markdown

    assert "<!-- page 2 -->" in markdown and "<!-- page 3 -->" not in markdown
    assert "Page 3 title" not in markdown
    assert markdown.splitlines()[-1] == "<!-- pages 3-3 not converted: at most 2 are -->"


@pytest.mark.unit
def test_an_encrypted_pdf_is_refused() -> None:
    assert refusal("secret.pdf", encrypted_pdf()).endswith("it is protected by a password.")


@pytest.mark.unit
def test_a_scanned_pdf_is_refused() -> None:
    assert refusal("scan.pdf", scanned_pdf()).endswith("it has no text layer (a scan?).")


@pytest.mark.unit
def test_a_damaged_pdf_is_refused() -> None:
    assert "The PDF could not be converted to Markdown" in refusal("minutes.pdf", b"%PDF-1.7\nnot really")


# --- HTML ------------------------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "page",
    [html_page(), html_page("windows-1252"), html_page("windows-1252", declared=False)],
    ids=["utf-8", "declared windows-1252", "detected windows-1252"],
)
def test_a_web_page_keeps_its_text_and_structure(page: bytes) -> None:
    # given a page with a script, a style, a title and no h1 / when it is converted
    result = converted("menu.html", page)

    # then the title is the top heading, the text decodes right, and nothing of the script or style is left
    lines = result.markdown.splitlines()
    assert result.kind == "html"
    assert lines[0] == "# Café menu"
    assert "## Drinks" in lines
    assert "Our **crème brûlée** latte costs 4 €." in lines
    assert [line for line in lines if line.startswith("- ")] == ["- Espresso", "- Café au lait"]
    header = lines.index("| Item | Price |")
    assert lines[header + 1] == "| --- | --- |"
    for dropped in ("tracking", "font-family", "Enable JavaScript", "ads.example.com"):
        assert dropped not in result.markdown


@pytest.mark.unit
def test_a_web_page_with_an_h1_keeps_it_as_the_only_top_heading() -> None:
    page = b"<html><head><title>Tab text</title></head><body><h1>Real heading</h1><p>Body</p></body></html>"

    lines = converted("page.htm", page).markdown.splitlines()

    assert lines[0] == "# Real heading"
    assert "Tab text" not in "\n".join(lines)


@pytest.mark.unit
def test_an_inline_data_image_does_not_become_a_blob() -> None:
    page = b'<p>Logo: <img alt="our logo" src="data:image/png;base64,iVBORw0KGgo="></p>'

    markdown = converted("page.html", page).markdown

    assert markdown == "Logo: our logo\n"


# --- caps and time --------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_a_word_document_whose_xml_would_unpack_past_the_cap_is_refused_before_it_is_parsed() -> None:
    # given a valid report whose body is padded to 17 MB of XML (the cap is 16 MB), in a file of a few dozen KB
    bomb = with_padded_body(report_docx(), 17 * 1024**2)
    assert len(bomb) < 100_000

    # when it is converted / then the zip's directory refuses it, with the cap in the reason
    assert "its text and formatting (XML) would unpack to more than 16 MB" in refusal("bomb.docx", bomb)


@pytest.mark.unit
def test_a_web_page_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a cap of 1 MB and a page of 2 MB / when it is converted / then it is refused before it is parsed
    monkeypatch.setattr(conversion, "HTML_MAX_BYTES", 1024**2)
    page = html_page() * (2 * 1024**2 // len(html_page()))
    assert "it is larger than the 1 MB that can be converted" in refusal("menu.html", page)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("minutes.pdf", text_pdf(3), "stopped at page 1 of 3"),
        ("report.docx", report_docx(), "stopped at image 1"),
        ("menu.html", html_page(), "stopped after reading the page"),
    ],
    ids=["pdf", "docx", "html"],
)
def test_a_conversion_past_its_time_is_stopped_between_steps(name: str, data: bytes, where: str) -> None:
    # given no time at all / when a document is converted / then it stops at its first check, and says where
    with pytest.raises(ConversionTimeoutError) as caught:
        convert(name, data, seconds=0)
    assert isinstance(caught.value, ConversionError)  # the ingest function records it as any failure
    assert "it takes longer than the 0 s a conversion may take" in caught.value.message
    assert where in caught.value.message


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "data", "inline"),
    [
        ("report.docx", report_docx(), True),
        ("minutes.pdf", text_pdf(3), True),
        ("menu.html", html_page(), True),
        ("broken.docx", b"not a zip", True),  # refused at once
        ("video.mp4", b"\0" * (1024 * 1024), True),  # not converted: stored at once whatever its size
        ("photos.docx", photo_report_docx(), False),  # over 256 KB
        ("minutes.pdf", b"%PDF-1.7\n" + b" " * (256 * 1024), False),
        ("padded.docx", with_padded_body(report_docx(), 5 * 1024**2), False),  # small, but 5 MB of XML
        ("padded.docx", with_padded_body(report_docx(), 2 * 1024**2), True),
    ],
    ids=["docx", "pdf", "html", "not a zip", "not a document", "large docx", "large pdf", "xml bomb", "xml ok"],
)
def test_only_small_documents_fit_inside_an_api_request(name: str, data: bytes, inline: bool) -> None:
    assert fits_inline(name, data) is inline


@pytest.mark.unit
def test_a_docx_that_unpacks_past_the_inline_limit_does_not_fit_inline() -> None:
    # given 20 MB of zeros as a "picture": a few KB in the file, 20 MB once unpacked
    padded = with_parts(report_docx(), {"word/media/padding.bin": b"\0" * (20 * 1024**2)})
    assert len(padded) < 256 * 1024
    assert fits_inline("padded.docx", padded) is False


# --- cold start --------------------------------------------------------------------------------------------------


def test_importing_the_module_loads_no_parser() -> None:
    # given a fresh interpreter / when the module is imported / then no parser came with it
    parsers = ["mammoth", "markdownify", "pypdf", "bs4", "charset_normalizer"]
    assert loaded_after(["shared.files.convert"], parsers) == []
