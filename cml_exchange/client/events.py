"""What the client tells its caller while an exchange goes on: a record per step, part and poll.

:class:`~cml_exchange.client.ExchangeClient` gives each of these to its
``on_event`` callable as it happens, so that a console can draw progress
and word its own lines (the ``cml_exchange_client`` command does, in the
site's language). The client's ``log`` gets the same steps as fixed lines.
A file uploaded whole and a file imported are reported with the client's
results, :class:`~cml_exchange.client.results.Sent` and
:class:`~cml_exchange.client.results.Imported`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cml_exchange.client.results import Imported, Sent


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the session answered, other than ``file`` and ``import``.

    ``mode`` is ``checkauth``, ``init``, ``deactivate``, ``complete``,
    ``query``, ``info`` or ``success``. ``message`` is the site's text after
    ``success`` (``deactivate``, ``complete``); ``size`` the bytes of the
    XML document ``query`` and ``info`` brought. What ``checkauth`` and
    ``init`` gave is the client's ``auth`` and ``params``.
    """

    mode: str
    message: str = ""
    size: int = 0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A catalog unload about to be sent: its XML files, its pictures and their bytes.

    ``archive`` is the size of the zip archive they go in, ``None`` when
    they go file by file.
    """

    xml: int
    pictures: int
    size: int
    archive: int | None = None


@dataclass(frozen=True, slots=True)
class PartSent:
    """A part of a file answered ``success``: ``part`` of ``parts``, ``sent`` of ``size`` bytes."""

    name: str
    part: int
    parts: int
    sent: int
    size: int


@dataclass(frozen=True, slots=True)
class Polled:
    """A ``progress`` reply to ``mode=import``: the file's ``request``-th, and the site's text."""

    name: str
    request: int
    message: str


Event = Step | Prepared | PartSent | Sent | Polled | Imported
OnEvent = Callable[[Event], None]
