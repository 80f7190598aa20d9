"""Spanish is complete: every message in the source is in the catalog and translated."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "portal/translations/es/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle)


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's singular and plural forms (one form for most messages)."""
    return (text,) if isinstance(text, str) else tuple(text)


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    return {found for form in _forms(text) for found in PLACEHOLDER.findall(form)}


def test_every_message_has_a_spanish_translation():
    missing = [m.id for m in _catalog() if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    assert missing == []


def test_translations_keep_the_placeholders():
    wrong = [m.id for m in _catalog() if m.id and _placeholders(m.id) != _placeholders(m.string)]
    assert wrong == []


def test_the_catalog_has_every_message_in_the_source(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_ngettext:1,2",
            "--ignore-dirs=.* _* node_modules",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        source = {m.id for m in read_po(handle) if m.id}
    catalog = {m.id for m in _catalog() if m.id}
    assert sorted(source - catalog, key=str) == [], "run `make messages` and translate the new strings"
