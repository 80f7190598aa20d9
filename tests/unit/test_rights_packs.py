"""The rights packs as data: each "accounts" block says where each account links."""

import pytest

from portal.rights.packs import load_pack, parse_pack


def _pack(accounts_block) -> dict:
    return {
        "jurisdiction": "UK",
        "law": "law",
        "intro": "intro",
        "sections": [{"id": "old-debts", "heading": "Old debts", "blocks": [{"accounts": accounts_block}]}],
        "organisations": {},
    }


@pytest.mark.parametrize(("raw", "links"), [(True, "dispute"), ("statute_barred", "statute_barred")])
def test_an_accounts_block_links_to_disputing_unless_it_names_another_page(raw, links):
    (block,) = parse_pack(_pack(raw)).sections[0].blocks
    assert (block.kind, block.links) == ("accounts", links)


def test_an_accounts_block_naming_an_unknown_page_is_refused():
    with pytest.raises(ValueError, match="unknown account links 'payments'"):
        parse_pack(_pack("payments"))


def test_the_uk_pack_lists_accounts_to_tell_us_about_statute_barred_debts():
    section = next(section for section in load_pack("UK").sections if section.id == "statute-barred")
    assert [block.links for block in section.blocks if block.kind == "accounts"] == ["statute_barred"]
