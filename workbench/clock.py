"""Time in one place: timezone-aware UTC, one fixed text form, and parsing of what users type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from workbench.errors import InputError

#: Fixed-width text form of every stored instant. Fixed width keeps text order equal to time order.
STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_DURATION = re.compile(r"^\s*(\d+)\s*(d|day|days|w|week|weeks)\s*$", re.IGNORECASE)


def utc_now() -> datetime:
    """Return the current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_stored(value: datetime) -> str:
    """Return the fixed-width stored form of an instant (``2026-01-31T12:00:00.000000Z``)."""
    return to_utc(value).strftime(STORED_FORMAT)


def parse_stored(text: str) -> datetime:
    """Parse the stored form back into an aware datetime."""
    return datetime.strptime(text, STORED_FORMAT).replace(tzinfo=UTC)


def parse_user_instant(text: str, *, field: str, end_of_day: bool = False) -> datetime:
    """Parse a date or date-time a user typed (ISO 8601; a bare date means midnight UTC, or 23:59:59 with
    ``end_of_day``).

    Raises:
        InputError: naming ``field`` when the text is not a date.
    """
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(hours=23, minutes=59, seconds=59) if end_of_day else moment
        return to_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise InputError(
            f"{field}: {text!r} is not a date; use YYYY-MM-DD or an ISO 8601 date-time such as 2026-01-31T09:30:00Z"
        ) from None


def parse_duration_days(text: str, *, field: str) -> int:
    """Parse ``90d`` / ``2w`` / ``30`` into a number of days."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    match = _DURATION.match(raw)
    if not match:
        raise InputError(f"{field}: {text!r} is not a duration; use a number of days such as 90 or 90d, or weeks: 2w")
    count = int(match.group(1))
    return count * 7 if match.group(2).lower().startswith("w") else count
