"""Dates and times as the site keeps them, whether Django's ``USE_TZ`` is on or off.

With ``USE_TZ`` (Django's default since 5.0) the database takes aware datetimes;
a project that turned it off keeps naive ones, in the local time of ``TIME_ZONE``,
and its database refuses aware ones. Moments the app makes itself (a file's
modification time, 1C's ``timestamp``) are made aware, then kept as the project's
setting wants them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def as_stored(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the site's database keeps it: aware with ``USE_TZ``, else naive local time."""
    if settings.USE_TZ or timezone.is_naive(moment):
        return moment
    return timezone.make_naive(moment)


def from_local(moment: dt.datetime) -> dt.datetime:
    """A naive local time (1C's dates are) as the site's database keeps moments."""
    if settings.USE_TZ and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def from_timestamp(seconds: float) -> dt.datetime:
    """A POSIX time as the site's database keeps moments (:func:`as_stored`)."""
    return as_stored(dt.datetime.fromtimestamp(seconds, tz=dt.UTC))


def shown(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the site's current time zone, for display; a naive one is local already."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment
