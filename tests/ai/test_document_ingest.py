"""Document ingestion: type detection from bytes, text extraction, explicit rejections, chunking."""

import hashlib
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest

from ai.embeddings import MAX_TOKENS, minilm_tokens
from ai.ingest import (
    DETECTION_HEAD_BYTES,
    DocumentRejected,
    UnsupportedDocument,
    chunk_text,
    content_hash,
    detect_document_type,
    parse_document,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCUMENTS = FIXTURES / "documents"
EXPECTED_TYPES = {
    "fcc_tcpa_telemarketing_rules_47cfr64_1200_excerpt.html": "html",
    "fcc_tcpa_telemarketing_rules_47cfr64_1200_excerpt.md": "markdown",
    "ftc_cooling_off_rule_16cfr429.md": "markdown",
    "ftc_cooling_off_rule_16cfr429.pdf": "pdf",
    "ftc_home_insulation_rule_16cfr460_excerpt.docx": "docx",
    "ftc_home_insulation_rule_16cfr460_excerpt.md": "markdown",
    "posthog_sales_discovery_guide.md": "markdown",
}


def parse_file(path):
    head = path.read_bytes()[:DETECTION_HEAD_BYTES]
    return parse_document(path, detect_document_type(head, path.name))


def comparable(text):
    """Text with Markdown emphasis and all line breaks and spacing differences removed."""
    return " ".join(re.sub(r"[*_]", "", text).split()).lower()


@pytest.mark.parametrize("filename", sorted(EXPECTED_TYPES))
def test_every_fixture_document_parses_and_chunks(filename):
    path = DOCUMENTS / filename
    head = path.read_bytes()[:DETECTION_HEAD_BYTES]
    assert detect_document_type(head, filename) == EXPECTED_TYPES[filename]

    chunks = chunk_text(parse_file(path))

    assert chunks
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text.strip()
        # [CLS] and [SEP] take two of the model's 256 positions.
        assert len(minilm_tokens(chunk.text)) <= MAX_TOKENS - 2
        assert chunk.metadata["content_hash"] == hashlib.sha256(chunk.text.encode()).hexdigest()


def test_every_rendering_of_a_document_holds_the_quoted_answers():
    qa_pairs = [json.loads(line) for line in (FIXTURES / "qa" / "qa_pairs.jsonl").open()]

    for pair in qa_pairs:
        for rendering in [pair["document"], *pair.get("also_in", [])]:
            text = comparable(parse_file(FIXTURES / rendering).text)
            assert comparable(pair["quote"]) in text, (pair["id"], rendering)


def test_pdf_chunks_remember_their_page():
    parsed = parse_file(DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf")
    chunks = chunk_text(parsed)

    assert parsed.page_count == 4
    assert {chunk.metadata["page"] for chunk in chunks} == {1, 2, 3, 4}


def test_markdown_chunks_carry_their_nearest_heading():
    chunks = chunk_text(parse_file(DOCUMENTS / "ftc_home_insulation_rule_16cfr460_excerpt.md"))

    receipt_chunk = next(chunk for chunk in chunks if "receipt" in chunk.text)
    section = receipt_chunk.metadata["section"]
    assert section == "§ 460.17 What installers must tell their customers."


def test_an_encrypted_pdf_is_rejected(tmp_path):
    writer = pypdf.PdfWriter(clone_from=DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf")
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)

    with pytest.raises(DocumentRejected) as rejected:
        parse_document(path, detect_document_type(path.read_bytes()[:1024], path.name))

    assert rejected.value.reason == "encrypted"


def test_a_pdf_with_only_an_owner_password_is_read(tmp_path):
    writer = pypdf.PdfWriter(clone_from=DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf")
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "print-restricted.pdf"
    writer.write(path)

    assert "Cooling-Off" in parse_document(path, "pdf").text


def test_a_pdf_without_text_is_rejected(tmp_path):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scan.pdf"
    writer.write(path)

    with pytest.raises(DocumentRejected) as rejected:
        parse_document(path, "pdf")

    assert rejected.value.reason == "no_extractable_text"


def test_an_empty_file_is_rejected(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"")

    doc_type = detect_document_type(b"", path.name)
    with pytest.raises(DocumentRejected) as rejected:
        parse_document(path, doc_type)

    assert doc_type == "pdf"
    assert rejected.value.reason == "empty_file"


def test_a_truncated_pdf_is_rejected_as_corrupt(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes((DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf").read_bytes()[:700])

    with pytest.raises(DocumentRejected) as rejected:
        parse_document(path, "pdf")

    assert rejected.value.reason == "corrupt"


def test_whitespace_only_text_is_rejected(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t \n")

    with pytest.raises(DocumentRejected) as rejected:
        parse_document(path, detect_document_type(path.read_bytes(), path.name))

    assert rejected.value.reason == "no_extractable_text"


@pytest.mark.parametrize(
    ("head", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "contract.pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "estimate.docx"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00xl/workbook.xml", "prices.xlsx"),
        (b"name,phone\nAda,555-0100\n", "leads.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(32), "old.doc"),
    ],
    ids=["png-named-pdf", "jpeg-named-docx", "spreadsheet", "csv", "legacy-word"],
)
def test_other_files_are_unsupported(head, filename):
    with pytest.raises(UnsupportedDocument) as rejected:
        detect_document_type(head, filename)

    assert rejected.value.reason == "unsupported_type"


def test_type_comes_from_the_bytes_not_the_name():
    pdf_head = (DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf").read_bytes()[:1024]
    html_head = (DOCUMENTS / "fcc_tcpa_telemarketing_rules_47cfr64_1200_excerpt.html").read_bytes()

    assert detect_document_type(pdf_head, "upload.bin") == "pdf"
    assert detect_document_type(html_head[:2048], "page.txt") == "html"


def test_markdown_opening_with_an_html_comment_stays_markdown():
    head = (DOCUMENTS / "posthog_sales_discovery_guide.md").read_bytes()[:DETECTION_HEAD_BYTES]

    assert head.startswith(b"<!--")
    assert detect_document_type(head, "posthog_sales_discovery_guide.md") == "markdown"


def test_html_loses_scripts_and_styles_and_keeps_headings(tmp_path):
    path = tmp_path / "policy.html"
    path.write_text(
        textwrap.dedent(
            """\
            <!doctype html><html><head><title>Policy</title>
            <style>body { color: red }</style><script>alert("x")</script></head>
            <body><h1>Warranty policy</h1><p>Roofs carry a 10&nbsp;year warranty.</p>
            <h2>Exclusions</h2><ul><li>Hail damage</li><li>Acts of God</li></ul>
            <script>track()</script></body></html>
            """
        )
    )

    parsed = parse_document(path, "html")

    assert "alert" not in parsed.text and "color" not in parsed.text and "track" not in parsed.text
    assert [section.heading for section in parsed.sections] == ["Warranty policy", "Exclusions"]
    assert "Roofs carry a 10 year warranty." in parsed.text
    assert "Hail damage\n\nActs of God" in parsed.text


def test_docx_text_includes_tables_nested_tables_and_headers(tmp_path):
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Acme Roofing - internal"
    document.add_heading("Pricing", level=1)
    document.add_paragraph("Prices below include tear-off.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Asphalt shingles"
    table.cell(0, 1).text = "$4.50 per sq ft"
    nested = table.cell(0, 1).add_table(rows=1, cols=1)
    nested.cell(0, 0).text = "Add $0.75 for steep pitch"
    path = tmp_path / "pricing.docx"
    document.save(path)

    parsed = parse_document(path, detect_document_type(path.read_bytes()[:4096], path.name))

    text = parsed.text
    assert text.index("Acme Roofing - internal") < text.index("Pricing")
    assert "Asphalt shingles | $4.50 per sq ft Add $0.75 for steep pitch" in text
    assert parsed.sections[-1].heading == "Pricing"


def test_a_zip_named_docx_without_a_document_part_is_unsupported(tmp_path):
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(UnsupportedDocument):
        parse_document(path, detect_document_type(path.read_bytes(), path.name))


def test_content_hash_is_the_sha256_of_the_bytes():
    path = DOCUMENTS / "ftc_cooling_off_rule_16cfr429.pdf"

    assert content_hash(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_chunking_needs_no_network():
    """llama-index fetches tokenizer data on first use unless given its own; nothing may."""
    code = textwrap.dedent(
        f"""\
        import socket

        def refuse(*args, **kwargs):
            raise RuntimeError("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse

        from pathlib import Path
        from ai.ingest import chunk_text, parse_document

        path = Path({str(DOCUMENTS / "posthog_sales_discovery_guide.md")!r})
        print(len(chunk_text(parse_document(path, "markdown"))))
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) > 0
