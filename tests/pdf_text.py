"""The text a PDF reader would find in the portal's PDF files, read the way a reader does: each font's ToUnicode map
turns the glyph codes the page draws back into characters. Only as much of PDF as fpdf2 writes: objects with
Flate-compressed or plain streams, literal strings shown with Tj (or TJ), two-byte codes (Identity-H fonts)."""

import re
import zlib

#: where a stream's bytes start: after the keyword and its end of line; how many there are is the dictionary's /Length
_STREAM = re.compile(rb"stream\r?\n")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and its (decompressed) stream, cut by its /Length: compressed bytes may end with
    anything, a line end included, so the keyword "endstream" cannot say where they stop."""
    found = {}
    for match in re.finditer(rb"(\d+) 0 obj", pdf):
        start = match.end()
        stream = _STREAM.search(pdf, start)
        end = pdf.find(b"endobj", start)
        if stream is None or stream.start() > end:
            found[int(match.group(1))] = (pdf[start:end], None)
            continue
        header = pdf[start : stream.start()]
        length = int(re.search(rb"/Length (\d+)", header).group(1))
        data = pdf[stream.end() : stream.end() + length]
        if b"/FlateDecode" in header:
            data = zlib.decompress(data)
        found[int(match.group(1))] = (header, data)
    return found


def _unicode_map(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, first in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for offset in range(int(end, 16) - int(start, 16) + 1):
                mapping[int(start, 16) + offset] = chr(int(first, 16) + offset)
    return mapping


def _literal_strings(text: bytes) -> list[bytes]:
    """The PDF literal strings "(...)" in a piece of content, unescaped."""
    strings, i = [], 0
    while (i := text.find(b"(", i)) != -1:
        out, depth, i = bytearray(), 1, i + 1
        while depth:
            char = text[i : i + 1]
            if char == b"\\":
                following = text[i + 1 : i + 2]
                if following in _ESCAPES:
                    out += _ESCAPES[following]
                    i += 2
                elif following.isdigit():
                    digits = re.match(rb"[0-7]{1,3}", text[i + 1 : i + 4]).group()
                    out.append(int(digits, 8))
                    i += 1 + len(digits)
                else:
                    i += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            out += char
            i += 1
        strings.append(bytes(out))
        i += 1
    return strings


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, a line for each string drawn, in the order drawn."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    objects = _objects(pdf)
    fonts = {}
    for body, _ in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font_body = objects[int(number)][0]
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font_body)
            if to_unicode:
                fonts[name.decode()] = _unicode_map(objects[int(to_unicode.group(1))][1] or b"")
    lines = []
    for _, stream in objects.values():
        if not stream or b"BT" not in stream:
            continue
        font: dict[int, str] = {}
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|(\((?:\\.|[^\\])*?\)|\[.*?\])\s*T[jJ]", stream, re.S):
            if token.group(1):
                font = fonts.get(token.group(1).decode(), {})
                continue
            codes = b"".join(_literal_strings(token.group(2)))
            lines.append(
                "".join(font.get(int.from_bytes(codes[k : k + 2], "big"), "?") for k in range(0, len(codes), 2))
            )
    return "\n".join(lines)
