"""Values of the header block as ministries write them: amounts, periods and lists.

Each reader gives the value in the form the front matter stores, or raises `Unreadable` with a
sentence that says what is wrong. Nothing is guessed: a value that could mean two different
things (a bare `$`, `01/02/2027`, `1,250 million`) is refused, so the coordinator decides.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

import pycountry

from portal.model import Vocabulary


class Unreadable(ValueError):
    """A value that cannot be read faithfully; the message says why."""


# Symbols that name one currency only; `$`, `¥`, `kr` and the like name several.
SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "U.S.$": "USD"}
AMBIGUOUS_SYMBOLS = {"$": "USD, CAD, AUD, NZD…", "¥": "JPY or CNY", "kr": "SEK, NOK, DKK or ISK", "Fr.": "CHF or XOF…"}
MULTIPLIERS = {"thousand": 1000, "k": 1000, "million": 10**6, "millions": 10**6, "mn": 10**6, "m": 10**6, "mio": 10**6, "billion": 10**9, "bn": 10**9}

_CURRENCY = r"US\$|U\.S\.\$|Fr\.|kr|[€£$¥]|[A-Za-z]{3}"  # a sign or a code; after the number also a name ('euros', 'Swiss francs')
_NUMBER = r"\d[\d.,'’\s]*\d|\d"
_AMOUNT = re.compile(
    rf"(?P<before>{_CURRENCY})?\s*(?P<number>{_NUMBER})\s*(?P<times>{'|'.join(sorted(MULTIPLIERS, key=len, reverse=True))})?\.?\s*(?P<after>{_CURRENCY}|[A-Za-z]+(?: [A-Za-z]+)?)?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def read_amount(text: str) -> tuple[int | float, str]:
    """(amount, ISO 4217 code) from '275.000 €', 'EUR 1,200,000', 'USD 2.4 million', "CHF 80'000"…"""
    text = text.strip()
    if len(re.findall(r"\d+(?:[.,'’\s]\d+)*", text)) > 1:
        what = "a range" if re.search(r"\d\s*(?:[-–—]|to)\s*\D{0,4}\d", text) else "two amounts"
        raise Unreadable(f"{text!r} holds {what}; the budget is one amount (write the rest in the text)")
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise Unreadable(f"{text!r} is not an amount and a currency")
    if match["before"] and match["after"]:
        raise Unreadable(f"{text!r} names the currency twice")
    currency = _currency(match["before"] or match["after"] or "", text)
    times = MULTIPLIERS[match["times"].lower()] if match["times"] else 1
    amount = _number(match["number"], scaled=times != 1) * times
    if amount <= 0:
        raise Unreadable(f"{text!r}: the amount must be more than zero")
    return (int(amount) if amount == amount.to_integral_value() else float(amount)), currency


def _currency(token: str, text: str) -> str:
    if not token:
        raise Unreadable(f"{text!r} names no currency")
    if token in SYMBOLS or token.upper() in SYMBOLS:
        return SYMBOLS.get(token) or SYMBOLS[token.upper()]
    if token in AMBIGUOUS_SYMBOLS:
        raise Unreadable(f"{text!r}: {token!r} is the sign of several currencies ({AMBIGUOUS_SYMBOLS[token]}); write the ISO 4217 code")
    if len(token) == 3:
        if pycountry.currencies.get(alpha_3=token.upper()) is None:
            raise Unreadable(f"{text!r}: {token!r} is not an ISO 4217 currency code")
        return token.upper()
    return _currency_named(token, text)


def _currency_named(token: str, text: str) -> str:
    """The code of a currency written by its ISO 4217 name, singular or plural ('US dollars')."""
    words = token.split()
    for name in (token, " ".join([*words[:-1], words[-1].removesuffix("s")]), " ".join(word.removesuffix("s") for word in words)):
        try:
            return str(pycountry.currencies.lookup(name).alpha_3)
        except LookupError:
            continue
    raise Unreadable(f"{text!r}: {token!r} is not the name of a currency ISO 4217 knows; write its code (EUR, USD…)")


def _number(written: str, scaled: bool) -> Decimal:
    """The number as written; a separator is thousands only before groups of exactly three digits."""
    written = _SPACES.sub(" ", written).replace("’", "'")
    marks = re.findall(r"[.,' ]", written)
    groups = re.split(r"[.,' ]", written)
    decimals = ""
    if marks and marks[-1] in ".," and marks.count(marks[-1]) == 1:
        if len(groups[-1]) != 3 or len(set(marks)) > 1:
            decimals = groups.pop()  # '2.4', '1.200.000,50', '1,200,000.50': the last mark, once, is the decimal point
            marks.pop()
        elif scaled:
            raise Unreadable(
                f"{written!r} before a multiplier could be thousands ({written.replace(marks[-1], '')}) or a decimal ({written.replace(',', '.')}); write the whole number"
            )
    if len(set(marks)) > 1:
        raise Unreadable(f"{written!r} mixes separators; write the number without them")
    if marks and (len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:])):
        raise Unreadable(f"{written!r}: a thousands separator must be followed by groups of three digits")
    if len(decimals) > 2 and not scaled:
        raise Unreadable(f"{written!r} has more than two decimals")
    return Decimal("".join(groups) + (f".{decimals}" if decimals else ""))


# Periods -----------------------------------------------------------------------------------

# English, the portal's working language (calendar.month_name follows the process's locale).
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)} | {name[:3]: number for number, name in enumerate(MONTH_NAMES, 1)} | {"sept": 9}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# One end of a period: (first day, last day) it stands for, or a numeric date whose order is open.
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"(\d{4})")
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s*(\d{{4}})?", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"({_MONTH})\.?,?\s*(\d{{4}})?", re.IGNORECASE)
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_RANGE = re.compile(r"\s+(?:to|until|till|through|thru|-)\s+|\s*[–—]\s*|\s*-\s*", re.IGNORECASE)

Span = tuple[dt.date, dt.date]


def read_period(text: str) -> tuple[str, str]:
    """(start, end) as ISO dates ('' end for a single day) from '2027-01-01 to 2027-12-31',
    'January–December 2027', 'Jan 2027 - Dec 2028', '2027', '01/01/2027 – 31/12/2027'…"""
    text = text.strip().rstrip(".")
    whole = _single(text)
    if whole is not None:
        first, last = _decided([whole], text)[0]
        return first.isoformat(), "" if first == last else last.isoformat()
    for match in _RANGE.finditer(text):
        left, right = text[: match.start()], text[match.end() :]
        ends = _ends(left, right)
        if ends is not None:
            start, end = _decided(list(ends), text)
            if end[1] < start[0]:
                raise Unreadable(f"{text!r} ends before it starts")
            return start[0].isoformat(), end[1].isoformat()
    raise Unreadable(f"{text!r} is not a period (a start and an end date, a month or a year)")


def _ends(left: str, right: str) -> tuple[Span | tuple[int, int, int], Span | tuple[int, int, int]] | None:
    """Both ends, a bare month on the left taking the year of the right ('January–December 2027')."""
    end = _single(right)
    if end is None:
        return None
    start = _single(left)
    if start is None:
        month = re.fullmatch(rf"({_MONTH})\.?|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?", left.strip(), re.IGNORECASE)
        year = _YEAR.search(right)
        if not month or not year:
            return None
        start = _single(f"{left.strip()} {year.group(1)}")
    return (start, end) if start is not None else None


def _single(text: str) -> Span | tuple[int, int, int] | None:
    """What one date expression stands for: a span of days, or (a, b, year) of a numeric date."""
    text = text.strip()
    try:
        if match := _ISO_DAY.fullmatch(text):
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
            return day, day
        if match := _ISO_MONTH.fullmatch(text):
            return _month(int(match[1]), int(match[2]))
        if match := _YEAR.fullmatch(text):
            return dt.date(int(match[1]), 1, 1), dt.date(int(match[1]), 12, 31)
        if (match := _DAY_MONTH_YEAR.fullmatch(text)) and match[3]:
            day = dt.date(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
            return day, day
        if match := _MONTH_DAY_YEAR.fullmatch(text):
            day = dt.date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
            return day, day
        if (match := _MONTH_YEAR.fullmatch(text)) and match[2]:
            return _month(int(match[2]), _MONTHS[match[1].lower()])
    except ValueError:
        raise Unreadable(f"{text!r} is not a date of the calendar") from None
    if match := _NUMERIC.fullmatch(text):
        return int(match[1]), int(match[2]), int(match[3])
    return None


def _month(year: int, month: int) -> Span:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _decided(ends: list[Span | tuple[int, int, int]], text: str) -> list[Span]:
    """Numeric dates read day-first or month-first, as a number over 12 decides for all of them."""
    numeric = [(int(end[0]), int(end[1])) for end in ends if isinstance(end[0], int)]
    orders = {"day-first" if first > 12 else "month-first" for first, second in numeric if max(first, second) > 12}
    open_order = any(first != second and max(first, second) <= 12 for first, second in numeric)
    if len(orders) > 1 or (open_order and not orders):
        raise Unreadable(f"{text!r} could be read day first or month first; write the dates as YYYY-MM-DD")
    spans: list[Span] = []
    for end in ends:
        if isinstance(end[0], dt.date) and isinstance(end[1], dt.date):
            spans.append((end[0], end[1]))
            continue
        first, second, year = (int(part) for part in end)  # type: ignore[call-overload]
        day, month = (first, second) if orders == {"day-first"} else (second, first)
        try:
            date = dt.date(year, month, day)
        except ValueError:
            raise Unreadable(f"{text!r} is not a date of the calendar") from None
        spans.append((date, date))
    return spans


# Lists -------------------------------------------------------------------------------------


def read_list(text: str) -> list[str]:
    """Items separated by ';' or ',' outside parentheses and quotes, each as written."""
    items: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in '"“':
            quote = '"' if char == '"' else "”"
        elif char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        elif char in ",;" and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


# Allowed values and countries --------------------------------------------------------------


def plain(word: str) -> str:
    """A word compared with others: accents, case, spaces, hyphens and underscores ignored."""
    bare = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_-]+", "-", bare.strip().lower())


def _key(word: str) -> str:
    """A word compared with others: letters and digits only, so 'co-operation' is 'cooperation'
    and "People’s" is "People's"."""
    return re.sub(r"[^a-z0-9]", "", plain(word))


def read_choice(written: str, labels: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> str:
    """The allowed value meant by its value, its label ('States only') or its label without the
    article it cites ('Victim assistance' for 'Victim assistance (Article 5)')."""
    wanted = _key(written)
    for value, label in labels.items():
        if wanted in (_key(value), _key(label), _key(re.sub(r"\s*\(.*\)\s*$", "", label))):
            return value
    for alias, value in (aliases or {}).items():
        if wanted == _key(alias):
            return value
    raise Unreadable(f"{written!r} is not one of {', '.join(labels)}")


KIND_ALIASES = {"ongoing project": "project", "how to apply for assistance": "how-to-apply"}


def read_kind(written: str, vocabulary: Vocabulary) -> str:
    """A kind by its value or its singular or plural label ('Need', 'Needs', 'How to apply')."""
    try:
        return read_choice(written, vocabulary.kind_singular, KIND_ALIASES)
    except Unreadable:
        return read_choice(written, vocabulary.kinds, KIND_ALIASES)


def country_names(states: Mapping[str, str]) -> dict[str, str]:
    """Each way a country is written (the registry's name, ISO 3166's names, the alpha-3 code),
    compared as `_key` does, and its alpha-3 code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            name = getattr(country, attribute, None)
            if name:
                names[_key(name)] = country.alpha_3
                before, comma, after = name.partition(", ")
                if comma:  # 'Korea, Republic of' is written 'Republic of Korea'
                    names[_key(f"{after} {before}")] = country.alpha_3
    names.update({_key(name): code for code, name in states.items()})
    return names


def read_country(written: str, names: Mapping[str, str]) -> str:
    """The alpha-3 code of a country written by name or code; `Unreadable` if it is none."""
    code = names.get(_key(written)) or names.get(_key(re.sub(r"^the\s+", "", written.strip(), flags=re.IGNORECASE)))
    if code is None:
        raise Unreadable(f"{written!r} is not a country the portal knows")
    return code


def country_of_region(region: str, names: Mapping[str, str]) -> str:
    """The country a region names, alone or before parentheses ('Lao PDR (Savannakhet…)'), or ''."""
    name = _key(re.sub(r"\s*\(.*\)\s*$", "", region))
    if len(name) <= 3:
        return ""  # a region is a place, not a code (no country's name is this short)
    return names.get(name, "")
