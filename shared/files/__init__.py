"""Project files: safe relative paths, Word → Markdown conversion, and the S3 upload ingest.

Import the modules themselves (`from shared.files import ingest`); this package file imports nothing,
so the ingest function's cold start stays small and mammoth loads only when a .docx arrives.
"""
