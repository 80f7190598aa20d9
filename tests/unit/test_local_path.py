"""is_local_path: where the language switch and a link's destination may send the browser. Only a path on
this site; never anything a browser would read as another host, a script or a second header."""

import pytest

from portal.security import is_local_path

ACCEPTED = [
    "/",
    "/plans/PL-1",
    "/ok/path?x=1#y",
    "/accounts/?page=2",
    "/help/messages/12#latest",
    "/rights/cómo",
    "/x:y",
    # percent-escapes are literal characters of our own path: the browser does not decode them into slashes
    "/%09/evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
]

REFUSED = [
    "",
    "evil.example",
    "plans/PL-1",
    "?next=/",
    "#top",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/plans\\..\\..",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " /x",
    # no space of any kind, so the rule stays simple: our own paths never have one
    "/x ",
    "/ok path",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/x\r\nSet-Cookie: a=b",
    "/\x00",
    "/x\x1f",
    "/\x7f",
    "/\x85/evil.example",  # NEL, a C1 control
    "/\u00a0/evil.example",  # no-break space
    "/\u3000/evil.example",  # ideographic space
    "/\u2028/evil.example",  # line separator
    "/\u200b/evil.example",  # zero-width space
    "/\u202eelpmaxe.live",  # right-to-left override
    "/\ufeff/evil.example",  # byte order mark
]


@pytest.mark.parametrize("path", ACCEPTED)
def test_a_path_on_this_site_is_accepted(path):
    assert is_local_path(path)


@pytest.mark.parametrize("path", REFUSED, ids=ascii)
def test_anything_that_could_leave_the_site_is_refused(path):
    assert not is_local_path(path)
