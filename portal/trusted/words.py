"""How the pages and messages name a helper's relationship to the debtor and what they may do."""

from flask_babel import lazy_gettext as _l

from portal.models.trusted_helper import Relationship

RELATIONSHIPS = {
    Relationship.DEBT_ADVISER: _l("Debt adviser"),
    Relationship.CARER: _l("Carer"),
    Relationship.FAMILY: _l("Family member"),
    Relationship.OTHER: _l("Someone else you trust"),
}


def relationship_label(relationship: str) -> str:
    return str(RELATIONSHIPS.get(relationship, RELATIONSHIPS[Relationship.OTHER]))
