"""LINKS.csv, for the creditor's mail merge: a line per debtor with the full link, the short one for text
messages, and a QR code for letters (an SVG file each, in LINKS_qr/ beside it).

The QR code holds the short link: the same link with the same protections, in a code a third the size of the
full link's, which prints smaller, scans better from a creased letter, and is drawn three times as fast (a
100,000-row import with links out spent most of its time drawing full-link codes)."""

import csv
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import segno

from portal.imports.loader import LinkOut

HEADER = ("debtor_reference", "full_name", "url", "short_url", "qr_svg", "expires_at")
#: QR codes drawn per task given to another process
_CHUNK = 250


def draw_qr_codes(codes: Sequence[tuple[str, str]]) -> None:
    """Write each (path, url) as an SVG QR code.

    With a fixed mask pattern: segno's search for the best of the eight was three quarters of the time a
    code took (4.5 of 6 ms, for a full link's version 6 code), and any mask reads well printed in black on
    white; medium error correction survives a fold or a smudge in the letter.
    """
    for path, url in codes:
        segno.make_qr(url, error="m", mask=0, boost_error=False).save(path, kind="svg", scale=4, xmldecl=False)


class LinksFile:
    """Written a batch at a time, once the batch is stored; the QR codes are drawn by other processes
    meanwhile (one per core), and `close` waits for them. A code already drawn (a re-run) is kept."""

    def __init__(self, path: Path):
        self.path = path
        self.qr_dir = path.with_name(f"{path.stem}_qr")
        self.qr_dir.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(HEADER)
        self._pool = ProcessPoolExecutor()
        self._drawing: list[Future] = []

    def write(self, lines: Sequence[LinkOut]) -> None:
        to_draw = []
        for line in lines:
            svg = self.qr_dir / f"{line.short_code}.svg"
            if not svg.exists():
                to_draw.append((str(svg), line.short_url))
            relative = svg.relative_to(self.path.parent).as_posix()
            expires = line.expires_at.isoformat(timespec="seconds")
            self._writer.writerow((line.debtor_reference, line.full_name, line.url, line.short_url, relative, expires))
        for start in range(0, len(to_draw), _CHUNK):
            self._drawing.append(self._pool.submit(draw_qr_codes, to_draw[start : start + _CHUNK]))

    def __enter__(self) -> "LinksFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Wait for every QR code (raising the first failure), and close the file."""
        try:
            for drawing in self._drawing:
                drawing.result()
        finally:
            self._pool.shutdown(cancel_futures=True)
            self._file.close()
