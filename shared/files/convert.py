"""Documents → Markdown, stored beside the original as `<name>.md` so Claude can read it (docs/files.md).

- Word (.docx): mammoth → HTML → markdownify (ATX headings, "-" bullets, tables with a header row). Images are
  extracted as `<stem>_files/image-<n>.<ext>` (numbered in order of appearance, the extension from the image's
  content type, an image used twice stored once) and linked as `![alt](<stem>_files/image-1.png)` with the
  target percent-encoded, so names with spaces or parentheses still make valid links. The zip is checked
  first: at most 10,000 entries and 512 MB uncompressed.
- PDF: the text of each page (pypdf), each page opened by a `<!-- page N -->` comment and separated from the
  next by a blank line; comments do not render, and page numbers stay citable. At most the first 2,000 pages
  are converted (a closing comment says how many were left out). An encrypted PDF or one without any text (a
  scan) fails.
- HTML (.html, .htm): the encoding from a BOM or `<meta charset>`, else UTF-8, else detected; scripts, styles,
  noscript, iframes and templates dropped; the `<title>` becomes the top heading when the page has no `<h1>`.

Every failure is a `ConversionError` whose message says why, for a person. The parsers are imported inside the
converters: importing this module stays cheap for the ingest Lambda's cold start.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.errors import StudioError

DOCX_MAX_ENTRIES = 10_000
DOCX_MAX_UNCOMPRESSED_BYTES = 512 * 1024**2
PDF_MAX_PAGES = 2_000
_KINDS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_LABELS = {"docx": "Word document", "pdf": "PDF", "html": "web page"}
_HTML_DROPPED = ("script", "style", "noscript", "iframe", "template")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


class ConversionError(StudioError):
    """A document could not be converted; the original file is kept."""

    status = 422
    code = "conversion_failed"


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


def convert(name: str, data: bytes) -> Conversion | None:
    """The Markdown (and extracted files) of the document `name`; None when its type is not converted."""
    kind = converter_for(name)
    if kind is None:
        return None
    try:
        markdown, extracted = _CONVERTERS[kind](name, data)
    except ConversionError:
        raise
    except Exception as exc:  # parsers raise many types on damaged input; the user gets a reason, not a traceback
        raise _failed(kind, _describe(exc)) from exc
    return Conversion(kind=kind, markdown=markdown.strip() + "\n", extracted=tuple(extracted))


# --- Word ----------------------------------------------------------------------------------------------------


def _docx(name: str, data: bytes) -> tuple[str, list[ExtractedFile]]:
    _check_docx_archive(data)
    import mammoth  # cold start: ~30 ms the ingest function pays only for a .docx

    images = _ImageFolder(f"{name.rpartition('.')[0] or name}_files")
    result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(images.add))
    return _html_to_markdown(result.value), images.files


def _check_docx_archive(data: bytes) -> None:
    """Refuse what is not a .docx, or a zip that would inflate past the limits, before mammoth opens it."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        if data.startswith(b"PK"):
            raise _failed("docx", "it is damaged (its zip archive is incomplete or corrupt)") from exc
        reason = "it is not a .docx file (not a zip archive: a .doc from older Word, or a password-protected file?)"
        raise _failed("docx", reason) from exc
    if len(entries) > DOCX_MAX_ENTRIES:
        raise _failed("docx", f"it holds {len(entries):,} parts, more than the {DOCX_MAX_ENTRIES:,} allowed")
    # zipfile never inflates an entry past its declared size, so the declared sizes bound the work.
    if sum(entry.file_size for entry in entries) > DOCX_MAX_UNCOMPRESSED_BYTES:
        limit_mb = DOCX_MAX_UNCOMPRESSED_BYTES // 1024**2
        raise _failed("docx", f"it would unpack to more than {limit_mb} MB")
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise _failed("docx", "it has no document body (word/document.xml is missing)")


class _ImageFolder:
    """Collects the images mammoth meets as extracted files and hands it their encoded link targets."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.files: list[ExtractedFile] = []
        self._names: dict[str, str] = {}

    def add(self, image: Any) -> dict[str, str]:
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


def _pdf(_name: str, data: bytes) -> tuple[str, list[ExtractedFile]]:
    import pypdf  # cold start: ~80 ms, only for a PDF

    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        # An owner password alone (printing or copying restrictions) still opens with the empty user password.
        raise _failed("pdf", "it is protected by a password")
    total = len(reader.pages)
    pages = [(page.extract_text() or "").strip() for page in reader.pages[:PDF_MAX_PAGES]]
    if not any(pages):
        raise _failed("pdf", "it has no text layer (a scan?)")
    blocks = [f"<!-- page {number} -->\n\n{text}" for number, text in enumerate(pages, start=1)]
    if total > PDF_MAX_PAGES:
        blocks.append(f"<!-- pages {PDF_MAX_PAGES + 1}-{total} not converted: at most {PDF_MAX_PAGES} are -->")
    return "\n\n".join(blocks), []


# --- HTML ----------------------------------------------------------------------------------------------------


def _html(_name: str, data: bytes) -> tuple[str, list[ExtractedFile]]:
    from bs4 import BeautifulSoup  # cold start: ~50 ms, only for a web page

    soup = BeautifulSoup(_decode_html(data), "html.parser")
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


def _failed(kind: str, reason: str) -> ConversionError:
    return ConversionError(f"The {_LABELS[kind]} could not be converted to Markdown: {reason}.")


def _describe(exc: Exception) -> str:
    detail = " ".join(str(exc).split())[:200]
    return f"it is damaged or unsupported ({type(exc).__name__}{': ' + detail if detail else ''})"


_CONVERTERS: dict[str, Callable[[str, bytes], tuple[str, list[ExtractedFile]]]] = {
    "docx": _docx,
    "pdf": _pdf,
    "html": _html,
}
