"""Documents → Markdown, stored beside the original as `<name>.md` so Claude can read it (docs/files.md).

- Word (.docx): mammoth → HTML → markdownify (ATX headings, "-" bullets, tables with a header row). Images are
  extracted as `<stem>_files/image-<n>.<ext>` (numbered in order of appearance, the extension from the image's
  content type, an image used twice stored once) and linked as `![alt](<stem>_files/image-1.png)` with the
  target percent-encoded, so names with spaces or parentheses still make valid links. The zip is checked
  first, from its directory alone: at most 10,000 entries, 16 MB of XML and 256 MB unpacked in all.
- PDF: the text of each page (pypdf), each page opened by a `<!-- page N -->` comment and separated from the
  next by a blank line; comments do not render, and page numbers stay citable. At most the first 2,000 pages
  are converted (a closing comment says how many were left out). An encrypted PDF or one without any text (a
  scan) fails.
- HTML (.html, .htm): at most 8 MB; the encoding from a BOM or `<meta charset>`, else UTF-8, else detected;
  scripts, styles, noscript, iframes and templates dropped; the `<title>` becomes the top heading when the page
  has no `<h1>`.

The caps are checked before the parser starts, and a conversion has a time budget (60 s unless the caller gives
less), checked between pages, images and stages: past it, `ConversionTimeoutError`. `fits_inline` says whether a
document is small enough to convert inside an API request; the rest is the ingest function's (docs/files.md).

Every failure is a `ConversionError` whose message says why, for a person. The parsers are imported inside the
converters: importing this module stays cheap for the ingest Lambda's cold start.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.errors import StudioError
from shared.logs import logger

# The caps fit what the ingest function (1024 MB, 2 minutes) can do. Measured with tests/support/documents.py on
# one core of a laptop: mammoth + markdownify take ~0.9 s and ~23 MB of memory per MB of XML, BeautifulSoup +
# markdownify ~1.5 s and ~55 MB per MB of HTML. A 1024 MB Lambda has about 0.6 of a vCPU: twice those times.
DOCX_MAX_ENTRIES = 10_000
# All of a .docx's unpacked parts: the images are held in memory while they are extracted.
DOCX_MAX_UNCOMPRESSED_BYTES = 256 * 1024**2
# Its XML parts (the body, styles, numbering, notes): what mammoth parses into a tree. 16 MB: ~15 s and ~400 MB;
# a body of that size is well over a thousand pages of text.
DOCX_MAX_XML_BYTES = 16 * 1024**2
PDF_MAX_PAGES = 2_000
HTML_MAX_BYTES = 8 * 1024**2  # ~12 s and ~450 MB
# The ingest function's budget for one document, well inside its 2 minutes (the copy and the writes need the rest).
CONVERSION_SECONDS = 60.0

# Converting inside an API request (29 s, for every file of the request) is kept for small documents: the person
# sees the Markdown at once, and anything larger goes to the ingest function. 256 KB of input measured: a PDF of
# ~450 text pages ~0.2 s, a web page ~0.4 s, a .docx whose XML stays under 4 MB at most ~3 s; everyday memos,
# letters and short reports are below it. A .docx is a zip (256 KB can unpack to 250 MB), so its unpacked sizes
# are bounded too, read from the zip's directory without inflating anything.
INLINE_MAX_BYTES = 256 * 1024
INLINE_MAX_XML_BYTES = 4 * 1024**2
INLINE_MAX_UNCOMPRESSED_BYTES = 16 * 1024**2
_KINDS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_LABELS = {"docx": "Word document", "pdf": "PDF", "html": "web page"}
_HTML_DROPPED = ("script", "style", "noscript", "iframe", "template")
# What a parser's own exception means to a person; its text goes to the log, never into the message.
_DAMAGED = "it looks damaged or password-protected"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


class ConversionError(StudioError):
    """A document could not be converted; the original file is kept."""

    status = 422
    code = "conversion_failed"


class ConversionTimeoutError(ConversionError):
    """The conversion ran past its time budget: the ingest function gives up, an API request hands it over."""


@dataclass(frozen=True, slots=True)
class ExtractedFile:
    """A file taken out of a document; `name` is relative to the folder of the converted document."""

    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Conversion:
    kind: str
    markdown: str
    extracted: tuple[ExtractedFile, ...]


def converter_for(name: str) -> str | None:
    """The kind of conversion for a file name ("docx", "pdf", "html"), or None when it is stored as is."""
    _, dot, extension = name.rpartition(".")
    return _KINDS.get(f".{extension.lower()}") if dot else None


def markdown_name(name: str) -> str:
    """The name of the Markdown beside a converted document: "report.docx" → "report.docx.md"."""
    return f"{name}.md"


def fits_inline(name: str, data: bytes) -> bool:
    """Whether `name` is small enough to convert inside an API request (always, when it is not converted)."""
    kind = converter_for(name)
    if kind is None:
        return True
    if len(data) > INLINE_MAX_BYTES:
        return False
    if kind != "docx":
        return True
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # not a zip: the conversion refuses it at once
    return _xml_bytes(entries) <= INLINE_MAX_XML_BYTES and _unpacked_bytes(entries) <= INLINE_MAX_UNCOMPRESSED_BYTES


def convert(name: str, data: bytes, *, seconds: float | None = None) -> Conversion | None:
    """The Markdown (and extracted files) of the document `name`; None when its type is not converted.

    Past `seconds` (default `CONVERSION_SECONDS`), `ConversionTimeoutError`: checked between stages, pages and
    images, so one stage may overrun it by what it takes, which the caps bound.
    """
    kind = converter_for(name)
    if kind is None:
        return None
    clock = _Clock(kind, CONVERSION_SECONDS if seconds is None else seconds)
    try:
        markdown, extracted = _CONVERTERS[kind](name, data, clock)
    except ConversionError:
        raise
    except Exception as exc:  # parsers raise many types on damaged input; the user gets a reason, the log the detail
        logger.warning(
            "document conversion failed",
            extra={"kind": kind, "document": name, "error": type(exc).__name__, "detail": str(exc)[:500]},
        )
        raise _failed(kind, _DAMAGED) from exc
    return Conversion(kind=kind, markdown=markdown.strip() + "\n", extracted=tuple(extracted))


# --- Word ----------------------------------------------------------------------------------------------------


def _docx(name: str, data: bytes, clock: _Clock) -> tuple[str, list[ExtractedFile]]:
    _check_docx_archive(data)
    import mammoth  # cold start: ~30 ms the ingest function pays only for a .docx

    images = _ImageFolder(f"{name.rpartition('.')[0] or name}_files", clock)
    result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(images.add))
    clock.check("after reading the document")
    return _html_to_markdown(result.value), images.files


def _check_docx_archive(data: bytes) -> None:
    """Refuse what is not a .docx, or a zip that would inflate past the limits, before mammoth opens it."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        if data.startswith(b"PK"):
            raise _failed("docx", "it looks damaged (the file is incomplete)") from exc
        reason = (
            "it is not a .docx file: it may be a .doc from older Word (save it as .docx and upload it again) "
            "or protected by a password"
        )
        raise _failed("docx", reason) from exc
    if len(entries) > DOCX_MAX_ENTRIES:
        raise _failed("docx", f"it holds {len(entries):,} parts, more than the {DOCX_MAX_ENTRIES:,} allowed")
    # zipfile never inflates an entry past its declared size, so the declared sizes bound the work.
    if _unpacked_bytes(entries) > DOCX_MAX_UNCOMPRESSED_BYTES:
        limit_mb = DOCX_MAX_UNCOMPRESSED_BYTES // 1024**2
        raise _failed("docx", f"it would unpack to more than {limit_mb} MB")
    if _xml_bytes(entries) > DOCX_MAX_XML_BYTES:
        limit_mb = DOCX_MAX_XML_BYTES // 1024**2
        raise _failed("docx", f"its text and formatting (XML) would unpack to more than {limit_mb} MB")
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise _failed("docx", "it looks damaged: it has no document body")


def _unpacked_bytes(entries: list[zipfile.ZipInfo]) -> int:
    return sum(entry.file_size for entry in entries)


def _xml_bytes(entries: list[zipfile.ZipInfo]) -> int:
    """The declared size of the parts a Word reader parses as XML (relationships included)."""
    return sum(entry.file_size for entry in entries if entry.filename.lower().endswith((".xml", ".rels")))


class _ImageFolder:
    """Collects the images mammoth meets as extracted files and hands it their encoded link targets."""

    def __init__(self, folder: str, clock: _Clock) -> None:
        self.folder = folder
        self.files: list[ExtractedFile] = []
        self._names: dict[str, str] = {}
        self._clock = clock

    def add(self, image: Any) -> dict[str, str]:
        self._clock.check(f"at image {len(self.files) + 1}")
        with image.open() as stream:
            data = stream.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._names:
            content_type = image.content_type or "application/octet-stream"
            name = f"{self.folder}/image-{len(self.files) + 1}.{_extension(content_type)}"
            self.files.append(ExtractedFile(name=name, data=data, content_type=content_type))
            self._names[digest] = name
        alt = " ".join((image.alt_text or "").split()).replace("[", "(").replace("]", ")")
        return {"src": quote(self._names[digest]), "alt": alt}


def _extension(content_type: str) -> str:
    """ "image/png" → "png", "image/svg+xml" → "svg", "image/x-emf" → "emf"; "bin" when nothing usable."""
    subtype = content_type.partition("/")[2].split(";")[0].split("+")[0].strip().lower().removeprefix("x-")
    return subtype if subtype.isalnum() else "bin"


# --- PDF -----------------------------------------------------------------------------------------------------


def _pdf(_name: str, data: bytes, clock: _Clock) -> tuple[str, list[ExtractedFile]]:
    import pypdf  # cold start: ~80 ms, only for a PDF; its own limits bound each stream and the page tree

    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        # An owner password alone (printing or copying restrictions) still opens with the empty user password.
        raise _failed("pdf", "it is protected by a password")
    total = len(reader.pages)  # the page tree only: no page's content is read yet
    pages: list[str] = []
    for page in reader.pages[:PDF_MAX_PAGES]:
        clock.check(f"at page {len(pages) + 1:,} of {min(total, PDF_MAX_PAGES):,}")
        pages.append((page.extract_text() or "").strip())
    if not any(pages):
        raise _failed("pdf", "it has no text layer (a scan?)")
    blocks = [f"<!-- page {number} -->\n\n{text}" for number, text in enumerate(pages, start=1)]
    if total > PDF_MAX_PAGES:
        blocks.append(f"<!-- pages {PDF_MAX_PAGES + 1}-{total} not converted: at most {PDF_MAX_PAGES} are -->")
    return "\n\n".join(blocks), []


# --- HTML ----------------------------------------------------------------------------------------------------


def _html(_name: str, data: bytes, clock: _Clock) -> tuple[str, list[ExtractedFile]]:
    if len(data) > HTML_MAX_BYTES:
        raise _failed("html", f"it is larger than the {HTML_MAX_BYTES // 1024**2} MB that can be converted")
    from bs4 import BeautifulSoup  # cold start: ~50 ms, only for a web page

    soup = BeautifulSoup(_decode_html(data), "html.parser")
    clock.check("after reading the page")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for element in soup.find_all((*_HTML_DROPPED, "title")):
        element.decompose()
    for image in soup.find_all("img", src=re.compile(r"^\s*data:", re.IGNORECASE)):
        image.replace_with(str(image.get("alt") or ""))  # an inline data: image would be a base64 blob in the text
    markdown = _html_to_markdown(soup)
    if title and soup.find("h1") is None:
        markdown = f"# {title}\n\n{markdown.strip()}"
    return markdown, []


def _decode_html(data: bytes) -> str:
    """The page's text: a BOM or `<meta charset>` wins, then strict UTF-8, then charset-normalizer's guess."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass  # an unknown name in the page: detect instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes  # cold start: only for a page that is not UTF-8

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", errors="replace")


# --- shared --------------------------------------------------------------------------------------------------


def _html_to_markdown(html: Any) -> str:
    """Markdown from an HTML string or a BeautifulSoup tree."""
    from markdownify import ATX, MarkdownConverter  # cold start: ~60 ms, only for a document

    converter = MarkdownConverter(heading_style=ATX, bullets="-", table_infer_header=True)
    markdown = converter.convert(html) if isinstance(html, str) else converter.convert_soup(html)
    return re.sub(r"\n{3,}", "\n\n", markdown)


class _Clock:
    """A conversion's time budget, checked between its steps (a parser's one call cannot be interrupted)."""

    def __init__(self, kind: str, seconds: float) -> None:
        self.kind = kind
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self, where: str) -> None:
        if time.monotonic() > self.ends:
            reason = f"it takes longer than the {self.seconds:.0f} s a conversion may take (stopped {where})"
            raise ConversionTimeoutError(_message(self.kind, reason))


def _failed(kind: str, reason: str) -> ConversionError:
    return ConversionError(_message(kind, reason))


def _message(kind: str, reason: str) -> str:
    return f"The {_LABELS[kind]} could not be converted to Markdown: {reason}."


_CONVERTERS: dict[str, Callable[[str, bytes, _Clock], tuple[str, list[ExtractedFile]]]] = {
    "docx": _docx,
    "pdf": _pdf,
    "html": _html,
}
