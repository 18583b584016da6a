"""Real documents for the tests and benchmarks: Word files from python-docx, PDFs from fpdf2, images from Pillow.

Every builder is deterministic (no clock, no randomness), so a test that fails fails the same way again.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile

from docx import Document
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from PIL import Image, ImageDraw

REPORT_LINK = "https://example.com/q3-report"
REPORT_IMAGE_ALT = "Sales by region"
REPORT_BULLETS = (("Wins", 0), ("New customers in the north", 1), ("Renewals", 1), ("Risks", 0))
REPORT_STEPS = ("Hire two engineers", "Open the Lyon office", "Close the audit")
REPORT_TABLE = (("Region", "Sales", "Growth"), ("North", "1,200", "4%"), ("South", "950", "-2%"))

_WORDS = (
    *("revenue", "margin", "forecast", "customer", "region", "quarter", "pipeline", "contract", "supplier"),
    *("budget", "inventory", "shipment", "invoice", "audit", "policy", "release", "roadmap", "partner"),
    *("renewal", "pricing", "campaign", "support", "onboarding", "retention"),
)


def png_image(width: int = 120, height: int = 80) -> bytes:
    """A small bar chart drawn with Pillow, as PNG bytes."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for index, bar in enumerate((30, 55, 20, 70)):
        left = 10 + index * 27
        draw.rectangle((left, height - 5 - bar, left + 18, height - 5), fill=(40, 90 + index * 30, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def add_hyperlink(paragraph: Paragraph, text: str, url: str) -> None:
    """Append a real external hyperlink run (python-docx has no public API to write one)."""
    relationship_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), relationship_id)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def _bullet_list(document: WordDocument) -> str:
    """A two-level bulleted list definition (the template's "List Bullet 2" is a separate one-level list)."""
    levels = "".join(
        f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="{symbol}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{720 * (level + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
        for level, symbol in enumerate("•◦")
    )
    numbering = document.part.numbering_part.element
    abstract_id = num_id = "90"
    abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{levels}</w:abstractNum>')
    numbering.insert(0, abstract)  # the schema wants every abstractNum before the first num
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
    )
    return num_id


def _list_item(document: WordDocument, text: str, num_id: str, level: int) -> None:
    paragraph = document.add_paragraph(text, style="List Paragraph")
    properties = paragraph._p.get_or_add_pPr()
    properties.append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def _header_row(document: WordDocument, rows: tuple[tuple[str, ...], ...]) -> None:
    """A table whose first row is marked as the header row (repeats on each page in Word)."""
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    row_properties.append(OxmlElement("w:tblHeader"))


def _to_bytes(document: WordDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def photo_png(width: int = 320, height: int = 320) -> bytes:
    """A photo-like PNG: deterministic noise, which does not compress (about width * height * 3 bytes)."""
    pixels = hashlib.shake_256(b"studio test photo").digest(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def report_docx() -> bytes:
    """A quarterly report: headings, emphasis, a link, nested bullets, a numbered list, a table and a PNG chart."""
    return _to_bytes(_report())


def photo_report_docx() -> bytes:
    """The quarterly report with a site photo after its chart: over 300 KB, as a report with a photo is."""
    document = _report()
    document.add_paragraph("The new site, photographed in September.")
    document.add_picture(io.BytesIO(photo_png()), width=Inches(3))
    return _to_bytes(document)


def with_padded_body(data: bytes, padding_bytes: int) -> bytes:
    """The .docx `data` with about `padding_bytes` of empty paragraphs added to its body: its XML unpacks that much
    larger, while the file grows by a few KB (a zip bomb in a valid document)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    paragraph = b"<w:p/>"
    padding = paragraph * (padding_bytes // len(paragraph) + 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "word/document.xml":
                content = content.replace(b"<w:body>", b"<w:body>" + padding, 1)
            target.writestr(entry.filename, content)
    return buffer.getvalue()


def _report() -> WordDocument:
    document = Document()
    document.add_heading("Quarterly report", level=1)
    document.add_heading("Highlights", level=2)
    intro = document.add_paragraph("Revenue was ")
    intro.add_run("strong").bold = True
    intro.add_run(" and costs were ")
    intro.add_run("flat").italic = True
    intro.add_run(". See ")
    add_hyperlink(intro, "the full report", REPORT_LINK)
    intro.add_run(".")

    bullets = _bullet_list(document)
    for text, level in REPORT_BULLETS:
        _list_item(document, text, bullets, level)

    document.add_heading("Next steps", level=2)
    for step in REPORT_STEPS:
        document.add_paragraph(step, style="List Number")

    document.add_heading("Sales", level=2)
    _header_row(document, REPORT_TABLE)

    document.add_paragraph("The chart below shows sales by region.")
    picture = document.add_picture(io.BytesIO(png_image()), width=Inches(2))
    picture._inline.docPr.set("descr", REPORT_IMAGE_ALT)
    return document


def _sentence(seed: int, length: int = 14) -> str:
    words = [_WORDS[(seed * 7 + i * 3) % len(_WORDS)] for i in range(length)]
    return " ".join(words).capitalize() + "."


def long_docx(pages: int = 50) -> bytes:
    """About `pages` pages of a realistic report: a heading per page, paragraphs, lists, a table every 5 pages."""
    document = Document()
    document.add_heading("Annual operations review", level=1)
    counter = itertools.count()
    for page in range(1, pages + 1):
        document.add_heading(f"Section {page}", level=2)
        for _ in range(4):
            paragraph = document.add_paragraph(" ".join(_sentence(next(counter)) for _ in range(5)) + " ")
            paragraph.add_run("Key point.").bold = True
        for _ in range(4):
            document.add_paragraph(_sentence(next(counter), 8), style="List Bullet")
        for _ in range(3):
            document.add_paragraph(_sentence(next(counter), 6), style="List Number")
        if page % 5 == 0:
            rows = [("Metric", "Target", "Actual", "Owner")]
            rows += [(f"Metric {page}.{n}", str(100 + n), str(97 + n * 2), _WORDS[n].title()) for n in range(8)]
            _header_row(document, tuple(rows))
        if page < pages:
            document.add_page_break()
    return _to_bytes(document)


def text_pdf(pages: int = 3) -> bytes:
    """A PDF of `pages` pages, each with a title line and a few lines of real text."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"Page {page} title", new_x="LMARGIN", new_y="NEXT")
        for line in range(1, 4):
            pdf.cell(
                text=f"Line {line} of page {page}: {_sentence(page * 10 + line, 8)}", new_x="LMARGIN", new_y="NEXT"
            )
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A one-page PDF holding only an image, as a scanner makes it: no text layer."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png_image(400, 300)), x=10, y=10, w=150)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "secret") -> bytes:
    """A text PDF that asks for a password before it can be read."""
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-" + user_password, user_password=user_password)
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="Confidential figures")
    return bytes(pdf.output())


def html_page(encoding: str = "utf-8", *, declared: bool = True) -> bytes:
    """A web page with a title, a script, a style, headings, a list and a table, encoded as `encoding`.

    `declared=False` leaves out the `<meta charset>`, so a reader has to detect the encoding.
    """
    meta = f'<meta charset="{encoding}">' if declared else ""
    page = f"""<!DOCTYPE html>
<html>
<head>
  {meta}
  <title>Café menu</title>
  <style>body {{ font-family: serif; }}</style>
  <script>window.tracking = "do not keep";</script>
</head>
<body>
  <noscript>Enable JavaScript</noscript>
  <h2>Drinks</h2>
  <p>Our <strong>crème brûlée</strong> latte costs 4 €.</p>
  <ul><li>Espresso</li><li>Café au lait</li></ul>
  <table>
    <tr><th>Item</th><th>Price</th></tr>
    <tr><td>Espresso</td><td>2 €</td></tr>
  </table>
  <iframe src="https://ads.example.com/"></iframe>
</body>
</html>
"""
    return page.encode(encoding)
