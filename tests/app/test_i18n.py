"""Translator: messages per locale, money in minor units, instants in the user's time zone."""

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from app.i18n import Translator, Translators, compile_catalogs, normalize_locale

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_gettext_per_locale_without_global_state(translators: Translators) -> None:
    de, en = translators("de"), translators("en")
    assert de._("Orders") == "Bestellungen"
    assert en._("Orders") == "Orders"
    # Asking for German did not switch anything for English, and vice versa.
    assert translators("de")._("Sign in") == "Anmelden"
    assert en._("Sign in") == "Sign in"


def test_unknown_msgid_falls_back_to_source(translators: Translators) -> None:
    assert translators("de")._("No such message in any catalog") == "No such message in any catalog"


def test_ngettext_picks_plural_and_keeps_named_placeholder(translators: Translators) -> None:
    de = translators("de")
    one = de.ngettext("{count} item", "{count} items", 1).format(count=1)
    many = de.ngettext("{count} order, newest first", "{count} orders, newest first", 7).format(count=7)
    assert one == "1 Artikel"
    assert many == "7 Bestellungen, neueste zuerst"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("de", "de"), ("de-AT", "de"), ("en_GB", "en"), ("EN", "en"), ("fr", "de"), (None, "de"), ("", "de")],
)
def test_normalize_locale(raw: str | None, expected: str) -> None:
    assert normalize_locale(raw) == expected


def test_translators_cache_one_instance_per_language(translators: Translators) -> None:
    assert translators("en-US") is translators("en")
    assert translators("de") is not translators("en")


def test_money_formats_minor_units_per_locale_and_currency(translators: Translators) -> None:
    assert translators("de").money(12990, "EUR") == "129,90\xa0€"
    assert translators("en").money(12990, "EUR") == "€129.90"
    # Currencies without minor units are not divided by 100.
    assert translators("en").money(500, "JPY") == "¥500"


def test_number(translators: Translators) -> None:
    assert translators("de").number(12345.5) == "12.345,5"
    assert translators("en").number(12345.5) == "12,345.5"


def test_dates_use_the_users_time_zone(translators: Translators) -> None:
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)  # already 11 March in Berlin
    assert translators("de").date(late) == "11.03.2026"
    assert translators("en").date(late) == "Mar 11, 2026"
    assert translators("de").datetime(late, "short") == "11.03.26, 00:30"
    assert translators("de").time(late) == "00:30"


def test_naive_datetimes_are_taken_as_utc(translators: Translators) -> None:
    assert translators("de").datetime(dt.datetime(2026, 7, 1, 10, 0), "short") == "01.07.26, 12:00"


def test_relative_time_in_both_directions(translators: Translators) -> None:
    de, en = translators("de"), translators("en")
    assert de.relative(NOW - dt.timedelta(minutes=5), now=NOW) == "vor 5 Minuten"
    assert en.relative(NOW - dt.timedelta(minutes=5), now=NOW) == "5 minutes ago"
    assert en.relative(NOW + dt.timedelta(days=2), now=NOW) == "in 2 days"
    assert de.relative(NOW - dt.timedelta(seconds=10), now=NOW) == "gerade eben"
    assert en.relative(NOW.replace(tzinfo=None), now=NOW) == "just now"


def test_unknown_time_zone_falls_back_to_utc() -> None:
    t = Translator("en", timezone="Mars/Olympus_Mons")
    assert t.time(dt.datetime(2026, 1, 1, 8, 5, tzinfo=dt.UTC)) == "8:05\u202fAM"


def test_compile_catalogs_only_rebuilds_stale_files(tmp_path: Path) -> None:
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "Hello"\nmsgstr "Hallo"\n',
        encoding="utf-8",
    )
    assert compile_catalogs(tmp_path) == [po.with_suffix(".mo")]
    assert compile_catalogs(tmp_path) == []  # up to date: nothing written
    assert Translators(tmp_path)("de")._("Hello") == "Hallo"

    later = time.time() + 10
    os.utime(po, (later, later))  # the .po was edited after the last build
    assert compile_catalogs(tmp_path) == [po.with_suffix(".mo")]


def test_missing_catalog_shows_source_strings(tmp_path: Path) -> None:
    assert Translators(tmp_path)("de")._("Orders") == "Orders"
