"""Word → HTML (mammoth) → Markdown (markdownify, ATX headings), the spec's document conversion."""

from __future__ import annotations

import io

from shared.errors import StudioError


class ConversionError(StudioError):
    """A document could not be converted; the original file is kept."""

    status = 422
    code = "conversion_failed"


def docx_to_markdown(data: bytes) -> str:
    """The Markdown text of a .docx document; images are left out (the .docx beside it keeps them)."""
    # Imported here: only a .docx upload pays for loading them.
    import mammoth
    import markdownify

    try:
        # Without src an image becomes <img> that markdownify strips, instead of a base64 blob in the text.
        result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(lambda _: {}))
        markdown = markdownify.markdownify(
            result.value,
            heading_style=markdownify.ATX,
            bullets="-",
            table_infer_header=True,
            strip=["img"],
        )
    except Exception as exc:  # mammoth and its zip/XML parsers raise many types on a damaged file
        raise ConversionError(f"The Word document could not be converted to Markdown ({_describe(exc)}).") from exc
    return markdown.strip() + "\n"


def _describe(exc: Exception) -> str:
    detail = str(exc).strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
