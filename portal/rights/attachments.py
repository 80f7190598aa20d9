"""Files a debtor sends with a dispute: checked by their content, stored outside the web root, shown only to staff.

A file's name and the type the browser claims are the sender's to choose, so neither decides
anything: the first bytes must be those of a PDF, PNG, JPEG, WebP or HEIC image. The file is
stored under a random name in UPLOAD_FOLDER/disputes (inside instance/, which the web server
never serves), and no debtor-facing route reads it back.
"""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import secure_filename

#: content type -> the extension we store it under
TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/heic": "heic",
}
#: extensions a file's name may have (a name without one is fine: the content decides)
NAME_EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg", "webp", "heic", "heif"})
_HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1")


class AttachmentProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    #: the sender's file name, made safe to show (never used as a path)
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None if it is none of the types we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None


def check(stream: BinaryIO, filename: str | None, max_bytes: int) -> CheckedFile | AttachmentProblem:
    """Read at most max_bytes + 1 bytes and say whether the file may be kept."""
    data = stream.read(max_bytes + 1)
    if not data:
        return AttachmentProblem.EMPTY
    if len(data) > max_bytes:
        return AttachmentProblem.TOO_LARGE
    content_type = sniff(data[:16])
    name = secure_filename(filename or "")[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else None
    if content_type is None or (extension is not None and extension not in NAME_EXTENSIONS):
        return AttachmentProblem.WRONG_TYPE
    return CheckedFile(data=data, content_type=content_type, filename=name or f"attachment.{TYPES[content_type]}")


def folder(upload_folder: str | Path) -> Path:
    return Path(upload_folder) / "disputes"


def store(checked: CheckedFile, upload_folder: str | Path) -> str:
    """Write the file under a random name; return that name (the key kept on the dispute)."""
    target = folder(upload_folder)
    target.mkdir(parents=True, exist_ok=True)
    key = f"{secrets.token_hex(16)}.{TYPES[checked.content_type]}"
    path = target / key
    with path.open("xb") as handle:
        handle.write(checked.data)
    path.chmod(0o600)
    return key


def path_for(key: str, upload_folder: str | Path) -> Path:
    """Where a stored attachment is, for staff tools. The key is ours (hex + extension), never the sender's."""
    if "/" in key or "\\" in key or key.startswith("."):
        raise ValueError("not an attachment key")
    return folder(upload_folder) / key
