"""The formats the tracking and account screens add: date ranges, timeline moments, sizes, countries."""

import datetime as dt

from app.i18n import Translators

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def plain(text: str) -> str:
    """CLDR puts thin and no-break spaces in ranges, times and units; compare the words."""
    return text.replace("\u2009", " ").replace("\u202f", " ").replace("\xa0", " ")


def test_date_range_in_the_shoppers_time_zone(translators: Translators) -> None:
    start = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)
    end = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # already the 24th in Berlin
    assert plain(translators("de").date_range(start, end)) == "Sa., 21. – Di., 24. Nov."
    assert plain(translators("en").date_range(start, end)) == "Sat, Nov 21 – Tue, Nov 24"
    assert plain(translators("de").date_range(start, start)) == "Sa., 21. Nov."
    assert plain(translators("en").date_range(end, start)) == "Sat, Nov 21 – Tue, Nov 24"  # reversed ends


def test_moment_shows_the_year_only_when_it_is_not_this_one(translators: Translators) -> None:
    this_year = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    last_year = dt.datetime(2025, 12, 31, 10, 0, tzinfo=dt.UTC)
    assert plain(translators("de").moment(this_year, now=NOW)) == "So., 22. Nov., 11:00"
    assert plain(translators("en").moment(this_year, now=NOW)) == "Sun, Nov 22, 11:00 AM"
    assert plain(translators("de").moment(last_year, now=NOW)) == "Mi., 31. Dez. 2025, 11:00"


def test_data_size_and_country(translators: Translators) -> None:
    de, en = translators("de"), translators("en")
    assert (plain(de.data_size(1_433_000)), plain(en.data_size(1_433_000))) == ("1,4 MB", "1.4 MB")
    assert plain(en.data_size(820_400)) == "820 kB"
    assert (de.country("DE"), en.country("de"), en.country("XX")) == ("Deutschland", "Germany", "XX")
