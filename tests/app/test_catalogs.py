"""The catalogs are complete and safe: every string in the code has German, placeholders survive.

The code itself is the template: the test extracts every ``_()``/``gettext``/``ngettext`` call
with ``locales/babel.cfg`` and checks it against the union of a locale's domains (``messages``,
``help``, ``store``, ...), so a stale ``.pot`` cannot hide a missing translation.
"""

import string
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES_DIR = ROOT / "locales"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> set[str]:
    """Names of `{...}` fields; positional `{}` and `%s` style are errors of their own."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@cache
def _source_messages() -> tuple[str | tuple[str, ...], ...]:
    with (LOCALES_DIR / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    return tuple(dict.fromkeys(message for _, _, message, _, _ in found if message))


def _msgid(message: str | tuple[str, ...] | list[str]) -> str:
    return message if isinstance(message, str) else message[0]


@cache
def _catalogs(locale: str) -> tuple[Catalog, ...]:
    catalogs = []
    for path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as f:
            catalogs.append(read_po(f, locale=locale))
    return tuple(catalogs)


def _find(locale: str, msgid: str):
    for catalog in _catalogs(locale):
        message = catalog.get(msgid)
        if message is not None:
            return message
    return None


def test_the_code_has_translatable_strings() -> None:
    assert len(_source_messages()) > 20


@pytest.mark.parametrize("locale", ["de", "en"])
def test_catalogs_contain_every_message_of_the_code(locale: str) -> None:
    missing = [_msgid(m) for m in _source_messages() if _find(locale, _msgid(m)) is None]
    assert missing == [], f"add these to a catalog in locales/{locale} (see locales/babel.cfg): {missing}"


@pytest.mark.parametrize("locale", ["de", "en"])
def test_catalogs_hold_no_message_the_code_no_longer_uses(locale: str) -> None:
    """Stale entries mislead translators and make a removed screen look still supported."""
    used = {_msgid(m) for m in _source_messages()}
    stale = [_msgid(m.id) for catalog in _catalogs(locale) for m in catalog if m.id and _msgid(m.id) not in used]
    assert stale == [], f"remove these from locales/{locale}: {stale}"


def test_every_message_has_a_german_translation() -> None:
    untranslated = []
    for source in _source_messages():
        message = _find("de", _msgid(source))
        forms = _forms(message.string) if message else []
        if not forms or not all(forms) or (message is not None and message.fuzzy):
            untranslated.append(_msgid(source))
    assert untranslated == []


@pytest.mark.parametrize("locale", ["de", "en"])
def test_placeholders_match_between_msgid_and_msgstr(locale: str) -> None:
    mismatches = []
    for catalog in _catalogs(locale):
        for message in catalog:
            if not message.id:
                continue
            expected = set().union(*(_placeholders(i) for i in _forms(message.id)))
            for translated in _forms(message.string):
                if translated and _placeholders(translated) != expected:
                    mismatches.append((message.id, translated))
    assert mismatches == []


def test_no_msgid_is_defined_in_two_domains() -> None:
    """A string in two domains would be translated by whichever merges last."""
    seen: dict[str, int] = {}
    for catalog in _catalogs("de"):
        for message in catalog:
            if message.id:
                key = _msgid(message.id)
                seen[key] = seen.get(key, 0) + 1
    assert [key for key, count in seen.items() if count > 1] == []


def test_placeholders_are_named() -> None:
    """`{}` and `%s` cannot be reordered by a translator; the house style is `{name}`."""
    bad = []
    for message in _source_messages():
        for text in _forms(message):
            fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
            if any(not name or name.isdigit() for name in fields) or "%s" in text or "%d" in text:
                bad.append(text)
    assert bad == []
