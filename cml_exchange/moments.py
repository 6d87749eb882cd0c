"""Dates and times as the site keeps them, whether Django's ``USE_TZ`` is on or off.

With ``USE_TZ`` (Django's default since 5.0) the database takes aware datetimes;
a project that turned it off keeps naive ones, in the local time of ``TIME_ZONE``
(the zone Django sets the process to), and its database refuses aware ones.
Moments the app makes itself (a file's modification time, 1C's ``timestamp``) are
made aware, then kept as the project's setting wants them. 1C's own dates carry
no zone: they are the shop's local time, that of ``TIME_ZONE``, whatever zone a
middleware may have activated for the request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def as_stored(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the site's database keeps it: aware with ``USE_TZ``, else naive local time."""
    if settings.USE_TZ or timezone.is_naive(moment):
        return moment
    return timezone.make_naive(moment, timezone.get_default_timezone())


def from_local(moment: dt.datetime) -> dt.datetime:
    """1C's date and time (naive: the shop's local time) as the site's database keeps moments.

    An aware one (a value with an offset) is converted (:func:`as_stored`).
    """
    if timezone.is_aware(moment):
        return as_stored(moment)
    if settings.USE_TZ:
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def from_timestamp(seconds: float) -> dt.datetime:
    """A POSIX time as the site's database keeps moments (:func:`as_stored`)."""
    return as_stored(dt.datetime.fromtimestamp(seconds, tz=dt.UTC))


def today() -> dt.date:
    """The shop's date now, in ``TIME_ZONE``."""
    now = timezone.now()
    if timezone.is_aware(now):
        return timezone.localtime(now, timezone.get_default_timezone()).date()
    return now.date()


def shown(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the current time zone, for display; a naive one is local already."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment
