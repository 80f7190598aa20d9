"""A number in a sentence goes through ngettext: "a pause of 1 month", never "1 months".

Every message in the source (Python and templates, as `make messages` finds them) that is a plain gettext
message is read for a number followed by a word in the plural ("%(days)d days", "%(count)d more payments",
"%(months)s months"): those must be ngettext, whose singular the translator writes too.
"""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[2]
#: the keywords `make messages` extracts with: babel's defaults (gettext, ngettext ...), _l and lazy_ngettext
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}
#: a number (any %(...)d, or a %(...)s named for a count), then up to two words, then a plural noun (3+ letters,
#: ending in s): "%(days)d days later", "%(count)d more payments", "%(count)d wrong answers", "%(months)s months"
COUNTED = re.compile(
    r"%\((?:\w+\)d|(?:count|num|n|months|days|weeks|years|hours|minutes)\)s)"
    r"(?: (?:[a-z]+ ){0,2}(?!(?:is|was|has|this|its|plus|less|as)\b)([a-z]{2,}s)\b)"
)


def _messages():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)

    def wanted(path: str) -> bool:
        return not any(part.startswith((".", "_")) or part == "node_modules" for part in Path(path).parts)

    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=wanted
    ):
        yield f"{filename}:{lineno}", message


def test_every_number_before_a_plural_word_is_in_an_ngettext_message():
    singular_only = [
        f"{where}: {message}" for where, message in _messages() if isinstance(message, str) and COUNTED.search(message)
    ]
    assert singular_only == [], "use ngettext (templates: ngettext(...), Python: ngettext or lazy_ngettext)"


def test_the_rule_catches_the_sentences_that_read_wrong_with_one():
    for wrong in [
        "You asked for a pause of %(months)d months. We will tell you by %(date)s.",
        "If %(count)d more payments are missed, the plan will end.",
        "After %(count)d wrong answers this link stops working",
        "Your plan would take %(months)s months.",
        "%(count)d days left to dispute",
        "Show all %(count)d payment dates",
    ]:
        assert COUNTED.search(wrong), wrong
    for fine in ["Step %(step)d of %(steps)d", "Line %(number)d: enter an amount", "%(ms)d ms", "Version %(number)d"]:
        assert not COUNTED.search(fine), fine


def test_plural_messages_are_found_as_plural():
    plurals = [message for _where, message in _messages() if isinstance(message, tuple)]
    assert ("%(num)d month", "%(num)d months") in plurals
    assert any(message[1].startswith("You asked for a pause of %(num)d months") for message in plurals)
