"""Document ingestion: detect the type from the bytes, extract text in order, split into chunks."""

from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ai.embeddings import minilm_tokens

DOCUMENT_TYPES = ("pdf", "docx", "html", "markdown", "text")
# Bytes the caller should pass to detect_document_type; enough to see a DOCX's first entries.
DETECTION_HEAD_BYTES = 8192
# Sized for the local MiniLM window (256 tokens with [CLS]/[SEP]); OpenAI embeddings can take
# about 800/150. Half-chunk overlap keeps any passage of up to 100 tokens whole in some chunk;
# on the fixture questions it lifted hybrid recall@5 from 0.86 to 0.90 (bench/rag_eval.py).
LOCAL_CHUNK_TOKENS = 200
LOCAL_CHUNK_OVERLAP = 100

# parse_document raises all of these but parser_timeout, which the caller's watchdog reports.
REJECTION_REASONS = (
    "empty_file",
    "encrypted",
    "no_extractable_text",
    "corrupt",
    "parser_timeout",
    "unsupported_type",
)

_TEXT_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
_HTML_EXTENSIONS = {".html", ".htm"}
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>])", re.IGNORECASE)
_HTML_ANYWHERE = re.compile(rb"<(html|head|body)[\s>]", re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class DocumentRejected(Exception):
    """A document Otto will not index, with a `reason` from REJECTION_REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class UnsupportedDocument(DocumentRejected):
    """The bytes are not a PDF, DOCX, HTML, Markdown or plain-text document."""

    def __init__(self, detail: str):
        super().__init__("unsupported_type", detail)


@dataclass(frozen=True)
class Section:
    """A run of text in document order with where it sits: page (PDF) and nearest heading."""

    text: str
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class ParsedDocument:
    doc_type: str
    sections: list[Section]
    page_count: int | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(section.text for section in self.sections)


@dataclass(frozen=True)
class Chunk:
    """One piece to embed; metadata holds page, section (heading) and content_hash."""

    ordinal: int
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def detect_document_type(head: bytes, filename: str) -> str:
    """The document type decided from the first bytes, the name only breaking ties.

    Pass the first DETECTION_HEAD_BYTES bytes. Returns one of DOCUMENT_TYPES or raises
    UnsupportedDocument. An empty head gets the type its extension names, so an empty upload
    is stored and then fails as `empty_file` instead of disappearing.
    """
    extension = Path(filename).suffix.lower()

    if not head:
        by_extension = {".pdf": "pdf", ".docx": "docx", **_TEXT_EXTENSIONS}
        by_extension.update({ext: "html" for ext in _HTML_EXTENSIONS})
        if extension in by_extension:
            return by_extension[extension]
        raise UnsupportedDocument(f"empty file with unsupported extension {extension!r}")

    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in head or extension == ".docx":
            return "docx"
        raise UnsupportedDocument("a ZIP archive that is not a Word document")

    if not _is_utf8_text(head):
        raise UnsupportedDocument(f"binary content ({_describe_magic(head)})")

    if _HTML_START.match(head.lstrip(codecs.BOM_UTF8)):
        return "html"
    if extension in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[extension]
    if extension in _HTML_EXTENSIONS or _HTML_ANYWHERE.search(head):
        return "html"
    raise UnsupportedDocument(
        f"text with extension {extension or '(none)'}; allowed: .md, .markdown, .txt, .html"
    )


def parse_document(path: Path | str, doc_type: str) -> ParsedDocument:
    """Text of the document in reading order; raises DocumentRejected with a reason."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise DocumentRejected("empty_file", "the file has 0 bytes")

    parsers = {
        "pdf": _parse_pdf,
        "docx": _parse_docx,
        "html": _parse_html,
        "markdown": _parse_markdown,
        "text": _parse_text,
    }
    if doc_type not in parsers:
        raise UnsupportedDocument(f"unknown document type {doc_type!r}")

    parsed = parsers[doc_type](path)

    sections = _merge_bare_headings([s for s in parsed.sections if s.text.strip()])
    if not sections:
        raise DocumentRejected("no_extractable_text", "the document holds no text")
    return ParsedDocument(doc_type=parsed.doc_type, sections=sections, page_count=parsed.page_count)


def chunk_text(
    parsed: ParsedDocument,
    chunk_tokens: int = LOCAL_CHUNK_TOKENS,
    overlap_tokens: int = LOCAL_CHUNK_OVERLAP,
) -> list[Chunk]:
    """Sentence-aware chunks of at most `chunk_tokens` MiniLM tokens, never crossing a section.

    Raises DocumentRejected(no_extractable_text) rather than return no chunks.
    """
    # llama-index takes over a second to import; only ingestion jobs pay for it.
    from llama_index.core.node_parser import SentenceSplitter

    # Counting with MiniLM's own WordPiece keeps every chunk inside the model window; the
    # splitter's default counts GPT tokens (tiktoken), which are not the tokens MiniLM reads.
    splitter = SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        tokenizer=minilm_tokens,
    )

    chunks: list[Chunk] = []
    for section in parsed.sections:
        for piece in splitter.split_text(section.text):
            if not piece.strip():
                continue
            metadata = {
                "page": section.page,
                "section": section.heading,
                "content_hash": hashlib.sha256(piece.encode("utf-8")).hexdigest(),
            }
            chunks.append(Chunk(ordinal=len(chunks), text=piece, metadata=metadata))

    if not chunks:
        raise DocumentRejected("no_extractable_text", "splitting left no text")
    return chunks


def content_hash(path: Path | str) -> str:
    """sha256 of the file's bytes, hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as document_file:
        for block in iter(lambda: document_file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _merge_bare_headings(sections: list[Section]) -> list[Section]:
    """Fold a one-line section (a heading with no body) into the section after it on its page.

    Otherwise a heading such as "# Discovery" would become a chunk of its own, which matches
    many questions and answers none.
    """
    merged: list[Section] = []
    carried = ""
    for index, section in enumerate(sections):
        text = f"{carried}\n\n{section.text}" if carried else section.text
        following = sections[index + 1] if index + 1 < len(sections) else None
        if "\n" not in text and following is not None and following.page == section.page:
            carried = text
            continue
        merged.append(Section(text=text, page=section.page, heading=section.heading))
        carried = ""
    return merged


def _is_utf8_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    # Incremental, so a character cut in two at the end of the head is not an error.
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _describe_magic(head: bytes) -> str:
    known = {
        b"\x89PNG": "PNG image",
        b"\xff\xd8\xff": "JPEG image",
        b"GIF8": "GIF image",
        b"\xd0\xcf\x11\xe0": "legacy Office file",
        b"{\\rtf": "RTF document",
    }
    for magic, name in known.items():
        if head.startswith(magic):
            return name
    return "not UTF-8 text"


def _clean(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text).strip()


def _parse_pdf(path: Path) -> ParsedDocument:
    try:
        reader = pypdf.PdfReader(path)
        # Owner-password-only PDFs (print/copy restrictions) open with an empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentRejected("encrypted", "the PDF needs a password to open")
        pages = [_clean(page.extract_text() or "") for page in reader.pages]
    except DocumentRejected:
        raise
    except Exception as error:
        # A damaged PDF surfaces as almost any exception type from inside pypdf.
        raise DocumentRejected("corrupt", "the PDF could not be read (damaged or truncated)") from error

    if not any(pages):
        raise DocumentRejected(
            "no_extractable_text", f"none of the {len(pages)} PDF pages holds text (scanned?)"
        )
    sections = [Section(text=text, page=number) for number, text in enumerate(pages, start=1)]
    return ParsedDocument(doc_type="pdf", sections=sections, page_count=len(pages))


def _parse_docx(path: Path) -> ParsedDocument:
    try:
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise UnsupportedDocument("a ZIP archive without word/document.xml")
        document = docx.Document(str(path))
    except DocumentRejected:
        raise
    except Exception as error:
        # Bad ZIP, missing parts and malformed XML each raise their own exception type.
        raise DocumentRejected(
            "corrupt", "the DOCX could not be read (damaged or not a Word file)") from error

    builder = _SectionBuilder()
    builder.add_lines(_header_footer_lines(document, "header"))
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph) and _is_heading(block):
            builder.start_section(_clean(block.text))
        builder.add_lines(_block_lines(block))
    builder.add_lines(_header_footer_lines(document, "footer"))
    return ParsedDocument(doc_type="docx", sections=builder.sections())


# Word stores a text box twice, as a drawing and as a VML fallback; read only the first.
_TEXTBOX_PARAGRAPHS = etree.XPath(
    ".//w:txbxContent[not(ancestor::mc:Fallback)]//w:p",
    namespaces={
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    },
)


def _is_heading(paragraph: Paragraph) -> bool:
    style_name = paragraph.style.name if paragraph.style is not None else ""
    return style_name.startswith("Heading") or style_name == "Title"


def _block_lines(block: Paragraph | Table) -> list[str]:
    if isinstance(block, Table):
        return _table_lines(block)

    lines = [block.text]
    # Text boxes hang inside a run's drawing, where Paragraph.text does not look.
    for textbox_paragraph in _TEXTBOX_PARAGRAPHS(block._p):
        lines.append("".join(textbox_paragraph.itertext()))
    return lines


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells_text = []
        seen_cells = set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans.
            if id(cell._tc) in seen_cells:
                continue
            seen_cells.add(id(cell._tc))
            cell_lines = []
            for inner in cell.iter_inner_content():
                cell_lines.extend(_block_lines(inner))
            cells_text.append(" ".join(line.strip() for line in cell_lines if line.strip()))
        lines.append(" | ".join(text for text in cells_text if text))
    return lines


def _header_footer_lines(document: DocxDocument, part: str) -> list[str]:
    lines: list[str] = []
    for section in document.sections:
        header_or_footer = getattr(section, part)
        if header_or_footer.is_linked_to_previous:
            continue
        for block in header_or_footer.iter_inner_content():
            for line in _block_lines(block):
                if line.strip() and line not in lines:
                    lines.append(line)
    return lines


class _SectionBuilder:
    """Collects lines under the current heading; a new heading starts a new Section."""

    def __init__(self) -> None:
        self._done: list[Section] = []
        self._heading: str | None = None
        self._lines: list[str] = []

    def start_section(self, heading: str) -> None:
        self._flush()
        self._heading = heading or None

    def add_lines(self, lines: list[str]) -> None:
        self._lines.extend(_clean(line) for line in lines if _clean(line))

    def sections(self) -> list[Section]:
        self._flush()
        return self._done

    def _flush(self) -> None:
        if self._lines:
            self._done.append(Section(text="\n\n".join(self._lines), heading=self._heading))
        self._lines = []


class _HtmlTextExtractor(HTMLParser):
    """Visible text of an HTML page, one line per block element, split into sections at headings."""

    # Not "head": pages that never close it would lose their whole body.
    _SKIPPED = frozenset(
        {"script", "style", "noscript", "template", "title", "svg", "iframe", "object"}
    )
    _BLOCKS = frozenset({
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td",
        "th", "tr", "ul",
    })  # fmt: skip
    _HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = _SectionBuilder()
        self._skip_depth = 0
        self._line: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip_depth += 1
        elif tag in self._BLOCKS:
            self._end_line()
            self._in_heading = tag in self._HEADINGS

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._line.append(data)

    def close(self) -> None:
        super().close()
        self._end_line()

    def _end_line(self) -> None:
        line = " ".join("".join(self._line).split())
        self._line = []
        if line and self._in_heading:
            self.builder.start_section(line)
        self.builder.add_lines([line])
        self._in_heading = False


def _parse_html(path: Path) -> ParsedDocument:
    raw = path.read_bytes()
    charset = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", raw[:4096], re.IGNORECASE)
    encoding = charset.group(1).decode("ascii") if charset else "utf-8"
    try:
        markup = raw.decode(encoding, errors="replace")
    except LookupError:
        markup = raw.decode("utf-8", errors="replace")

    extractor = _HtmlTextExtractor()
    extractor.feed(markup)
    extractor.close()
    return ParsedDocument(doc_type="html", sections=extractor.builder.sections())


def _read_utf8(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedDocument(f"not UTF-8 text (byte {error.start})") from error


def _parse_markdown(path: Path) -> ParsedDocument:
    """Markdown text as written, split into sections at ATX headings outside code fences."""
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    in_fence = False

    for line in _read_utf8(path).splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _MARKDOWN_HEADING.match(line)
        if match:
            if "".join(lines).strip():
                sections.append(Section(text=_clean("\n".join(lines)), heading=heading))
            heading, lines = match.group(2).strip() or None, []
        lines.append(line)

    if "".join(lines).strip():
        sections.append(Section(text=_clean("\n".join(lines)), heading=heading))
    return ParsedDocument(doc_type="markdown", sections=sections)


def _parse_text(path: Path) -> ParsedDocument:
    return ParsedDocument(doc_type="text", sections=[Section(text=_clean(_read_utf8(path)))])
