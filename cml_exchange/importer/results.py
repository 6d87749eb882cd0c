"""What a step of an import returns: go on, finished, or failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Progress:
    """The step ran out of time; call ``run`` again. ``message`` is for 1C's log."""

    message: str


@dataclass(frozen=True, slots=True)
class Done:
    """The import finished. ``summary`` holds the counters (created, updated, unchanged…)."""

    message: str
    summary: dict[str, Any] = field(default_factory=dict)
    #: Where a file's scan and what was written (or found unchanged) disagree, in Russian.
    differences: tuple[str, ...] = ()
    #: What was stored but is not whole yet, or was made whole now: offers still waiting
    #: for their products, offers that got them. In Russian; 1C gets them too.
    notes: tuple[str, ...] = ()
    #: The job warned of something it did not take as 1C sent it (its warnings list it).
    warned: bool = False


@dataclass(frozen=True, slots=True)
class Failed:
    """The import stopped for good; ``message`` says why, in Russian, fit to send to 1C.

    ``detail`` is the whole story for the site's people (the log, the monitor,
    ``manage.py cml_import``): after an unexpected error it holds the error's
    text, which may name tables, constraints and values, so it never goes to
    1C. The job keeps it as ``ImportJob.error``.
    """

    message: str
    detail: str = ""


StepResult = Progress | Done | Failed
