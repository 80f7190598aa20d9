"""The domain errors: named in the domain, free of HTTP, each with its one web answer."""

import ast
import inspect

import pytest

from portal import domain_errors, errors
from portal.domain_errors import Conflict, DomainError, NotAllowedNow, NotFoundForOwner

KINDS = [NotFoundForOwner, NotAllowedNow, Conflict]


@pytest.mark.parametrize("kind", KINDS)
def test_each_is_a_domain_error_that_keeps_its_message(kind):
    error = kind("No plan 'PL-1' for debtor 7.")
    assert isinstance(error, DomainError)
    assert str(error) == "No plan 'PL-1' for debtor 7."
    assert [other for other in KINDS if isinstance(error, other)] == [kind]


def test_the_module_knows_nothing_of_http():
    tree = ast.parse(inspect.getsource(domain_errors))
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


def test_every_kind_has_its_status_on_the_web():
    statuses = {kind: http.code for kind, http in errors.HTTP_ERROR_FOR.items()}
    assert statuses == {NotFoundForOwner: 404, NotAllowedNow: 400, Conflict: 409}
    assert set(DomainError.__subclasses__()) == set(statuses)
