"""Dispute attachments are judged by their content, never by their name alone."""

import io

import pytest

from portal.rights.attachments import AttachmentProblem, check, path_for, sniff

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
        (b"GIF89a", None),
        (b"<svg xmlns=", None),
        (b"MZ\x90\x00", None),
    ],
)
def test_the_first_bytes_say_what_a_file_is(head, content_type):
    assert sniff(head) == content_type


def test_a_file_is_kept_with_a_safe_name_and_its_real_type():
    checked = check(io.BytesIO(PNG + b"\x00" * 10), "../../etc/My photo.png", max_bytes=100)
    assert checked.content_type == "image/png"
    assert checked.filename == "etc_My_photo.png"


def test_a_file_over_the_limit_is_too_large():
    assert check(io.BytesIO(PDF + b"0" * 100), "a.pdf", max_bytes=50) is AttachmentProblem.TOO_LARGE


def test_an_empty_file_is_refused():
    assert check(io.BytesIO(b""), "a.pdf", max_bytes=50) is AttachmentProblem.EMPTY


@pytest.mark.parametrize("name", ["invoice.html", "photo.svg", "statement.pdf.exe"])
def test_a_name_of_another_type_is_refused_even_with_good_content(name):
    assert check(io.BytesIO(PDF), name, max_bytes=100) is AttachmentProblem.WRONG_TYPE


def test_stored_keys_cannot_point_outside_the_upload_folder(tmp_path):
    with pytest.raises(ValueError):
        path_for("../portal.db", tmp_path)
