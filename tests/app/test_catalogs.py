"""The catalogs are complete and safe: every msgid has German, and placeholders survive translation."""

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> set[str]:
    """Names of `{...}` fields; positional `{}` and `%s` style are errors of their own."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _template() -> list[Message]:
    return [m for m in _read(LOCALES_DIR / "messages.pot") if m.id]


def test_template_is_not_empty() -> None:
    assert len(_template()) > 20


@pytest.mark.parametrize("locale", ["de", "en"])
def test_catalog_contains_every_template_message(locale: str) -> None:
    catalog = _read(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    missing = [m.id for m in _template() if catalog.get(m.id) is None]
    assert missing == [], f"run `pybabel update` (see locales/babel.cfg); missing in {locale}: {missing}"


def test_every_message_has_a_german_translation() -> None:
    catalog = _read(LOCALES_DIR / "de" / "LC_MESSAGES" / "messages.po", "de")
    untranslated = []
    for template_message in _template():
        message = catalog.get(template_message.id)
        forms = _forms(message.string) if message else []
        if not forms or not all(forms) or (message is not None and message.fuzzy):
            untranslated.append(template_message.id)
    assert untranslated == []


@pytest.mark.parametrize("locale", ["de", "en"])
def test_placeholders_match_between_msgid_and_msgstr(locale: str) -> None:
    catalog = _read(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    mismatches = []
    for message in catalog:
        if not message.id:
            continue
        expected = set().union(*(_placeholders(i) for i in _forms(message.id)))
        for translated in _forms(message.string):
            if translated and _placeholders(translated) != expected:
                mismatches.append((message.id, translated))
    assert mismatches == []


def test_placeholders_are_named() -> None:
    """`{}` and `%s` cannot be reordered by a translator; the house style is `{name}`."""
    bad = []
    for message in _template():
        for text in _forms(message.id):
            fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
            if any(not name or name.isdigit() for name in fields) or "%s" in text or "%d" in text:
                bad.append(text)
    assert bad == []
