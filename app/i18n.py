"""Translations and locale-aware formatting, one `Translator` per locale.

Every Flet session shows its own language, so there is no module-level "current locale":
a view asks the session's `Translators` factory for the translator of the user's locale
and calls it. Translators are immutable and shared between sessions of the same locale.

Message conventions (checked by ``tests/app/test_catalogs.py``):

* msgids are English; ``locales/de`` is fully translated, ``locales/en`` repeats the source.
* Placeholders are **named and brace-style**, filled with ``str.format`` after translation::

      t._("Order {number}").format(number=order.number)
      t.ngettext("{count} item", "{count} items", n).format(count=n)

  Never ``%s``/``%d``, never positional ``{}``, never a sentence glued together from parts:
  the translator must be able to move every placeholder.
* Money, dates, times and numbers never go through ``str()``; use the methods below,
  which delegate to babel with the translator's locale and time zone.

Catalogs: ``compile_catalogs(locales_dir)`` turns ``.po`` into ``.mo`` (the ``.mo`` files are
build output and not committed); extraction commands are in ``locales/babel.cfg``.
Each feature area keeps its own domain (``messages`` for the shopper core, ``faq``,
``conversations``, ``kiosk``, ``pickups``; see ``locales/babel.cfg``), so work on one area never edits
another's file; a translator merges every domain of its locale into one catalog.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_interval,
    format_skeleton,
    format_time,
    format_timedelta,
)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.support import NullTranslations, Translations
from babel.units import format_unit

SUPPORTED_LOCALES: tuple[str, ...] = ("de", "en")
DEFAULT_LOCALE = "de"
DEFAULT_TIMEZONE = "Europe/Berlin"
DOMAIN = "messages"

# Below this age a relative time reads "just now": "vor 3 Sekunden" looks like a bug
# in a status line that refreshes every few seconds.
_JUST_NOW = dt.timedelta(seconds=45)


def normalize_locale(locale: str | None) -> str:
    """Map a user or browser locale ("de-AT", "en_GB", None) onto a supported one."""
    if not locale:
        return DEFAULT_LOCALE
    lang = locale.replace("-", "_").split("_", 1)[0].lower()
    return lang if lang in SUPPORTED_LOCALES else DEFAULT_LOCALE


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # Phones and Windows may lack the tz database; UTC is wrong by an hour or two
        # but never crashes the order list.
        return dt.UTC


class Translator:
    """Gettext plus babel formatting for one locale and time zone.

    Args:
        locale: a supported language code ("de", "en").
        translations: the compiled catalog; ``NullTranslations`` shows the English msgids.
        timezone: IANA name used to show instants (all instants in the app are UTC).
    """

    def __init__(
        self,
        locale: str,
        translations: NullTranslations | None = None,
        timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        self.locale = locale
        # Parsed once: babel parses a locale given as text on every call (about twice the cost
        # of formatting a number), and a screen formats dozens of numbers, dates and prices.
        self._babel = Locale.parse(locale)
        self.timezone = _zone(timezone)
        self._translations = translations or NullTranslations()

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"

    # -- messages -------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        """Translate ``message``; unknown or untranslated msgids come back unchanged."""
        return self._translations.gettext(message)

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Pick the plural form for ``n`` (the caller still fills ``{count}``)."""
        return self._translations.ngettext(singular, plural, n)

    # -- formatting -----------------------------------------------------------------

    def money(self, amount_minor: int, currency: str) -> str:
        """Format an integer amount of minor units ("12990", "EUR" -> "129,90 €")."""
        digits = get_currency_precision(currency)
        amount = Decimal(amount_minor).scaleb(-digits)
        return format_currency(amount, currency, locale=self._babel)

    def data_size(self, size_bytes: int) -> str:
        """A file size for people: "820 kB", "1,4 MB" (decimal units, one decimal from a megabyte)."""
        if size_bytes >= 1_000_000:
            return format_unit(round(size_bytes / 1_000_000, 1), "digital-megabyte", length="short", locale=self._babel)
        return format_unit(max(1, round(size_bytes / 1000)), "digital-kilobyte", length="short", locale=self._babel)

    def country(self, code: str) -> str:
        """The name of a country from its ISO 3166 code ("DE" -> "Deutschland" / "Germany")."""
        return str(self._babel.territories.get(code.upper(), code))

    def number(self, value: float | Decimal) -> str:
        """Format a plain number with the locale's separators."""
        return format_decimal(value, locale=self._babel)

    def _local(self, value: dt.datetime) -> dt.datetime:
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(self.timezone)

    def date(self, value: dt.date | dt.datetime, format: str = "medium") -> str:
        """Format a date; a datetime is first moved into the user's time zone."""
        if isinstance(value, dt.datetime):
            value = self._local(value).date()
        return format_date(value, format=format, locale=self._babel)

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        """Format an instant (UTC if naive) in the user's time zone."""
        return format_datetime(self._local(value), format=format, locale=self._babel)

    def date_range(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime, skeleton: str = "MMMEd") -> str:
        """A span of days ("Sa., 21. – Mo., 23. Nov."); one day if both ends fall on the same date.

        Instants are first moved into the user's time zone, so a window ending at 01:00 UTC
        is shown on the day the shopper sees it.
        """
        first = self._local(start).date() if isinstance(start, dt.datetime) else start
        last = self._local(end).date() if isinstance(end, dt.datetime) else end
        if last < first:
            first, last = last, first
        return format_interval(first, last, skeleton, locale=self._babel)

    def moment(self, value: dt.datetime, now: dt.datetime | None = None) -> str:
        """Day and time of an event for a timeline: "So., 22. Nov., 11:00" (the year only if not this one)."""
        local = self._local(value)
        this_year = self._local(now or dt.datetime.now(dt.UTC)).year
        day = format_skeleton("MMMEd" if local.year == this_year else "yMMMEd", local, locale=self._babel)
        pattern = str(self._babel.datetime_formats["medium"])
        return pattern.replace("{1}", day).replace("{0}", format_time(local, "short", locale=self._babel))

    def time(self, value: dt.datetime, format: str = "short") -> str:
        """Format the time of day of an instant in the user's time zone."""
        return format_time(self._local(value), format=format, locale=self._babel)

    def relative(self, value: dt.datetime, now: dt.datetime | None = None) -> str:
        """Say how long ago (or ahead) ``value`` is: "vor 5 Minuten", "in 2 days"."""
        now = now or dt.datetime.now(dt.UTC)
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        delta = aware - now
        if abs(delta) < _JUST_NOW:
            return self.gettext("just now")
        return format_timedelta(delta, add_direction=True, locale=self._babel)


class Translators:
    """Factory and cache of translators; one instance per app, shared by sessions.

    Args:
        locales_dir: the folder holding ``<lang>/LC_MESSAGES/messages.mo``.
        timezone: default IANA time zone for showing instants.
    """

    supported: tuple[str, ...] = SUPPORTED_LOCALES

    def __init__(self, locales_dir: Path, timezone: str = DEFAULT_TIMEZONE) -> None:
        self._dir = Path(locales_dir)
        self._timezone = timezone
        self._cache: dict[str, Translator] = {}
        self._lock = threading.Lock()

    def __call__(self, locale: str | None) -> Translator:
        """Return the translator of ``locale`` (normalized; unknown ones get the default)."""
        lang = normalize_locale(locale)
        with self._lock:
            translator = self._cache.get(lang)
            if translator is None:
                translations = _load_all_domains(self._dir, lang)
                translator = Translator(lang, translations, self._timezone)
                self._cache[lang] = translator
            return translator


def _load_all_domains(locales_dir: Path, lang: str) -> NullTranslations:
    """The ``messages`` catalog of ``lang`` with every other domain's catalog merged in."""
    translations = Translations.load(str(locales_dir), [lang], DOMAIN)
    for mo_path in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.mo")):
        if mo_path.stem == DOMAIN:
            continue
        other = Translations.load(str(locales_dir), [lang], mo_path.stem)
        if isinstance(translations, Translations) and isinstance(other, Translations):
            translations.merge(other)
        elif isinstance(other, Translations):
            translations = other
    return translations


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/<domain>.po`` whose ``.mo`` is missing or older.

    Runs at start-up and in tests, so a fresh checkout needs no separate build step.

    Returns:
        The ``.mo`` files that were (re)written.
    """
    written: list[Path] = []
    for po_path in sorted(Path(locales_dir).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        # Atomic replace: two app processes starting together never read half a file.
        tmp_path.replace(mo_path)
        written.append(mo_path)
    return written
