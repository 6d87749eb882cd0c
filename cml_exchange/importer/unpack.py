"""The importer's unzip stage: an archive from 1C unpacked in steps into the exchange directory."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cml_exchange.storage.unzip import UnzipPosition, unzip_step

#: The order in which the files of an archive are imported: classifier and
#: products, then offers, then prices and stock, then anything else.
_ROLES = ("import", "offers", "prices", "rests")


@dataclass(frozen=True)
class Unpacked:
    """One step of unpacking: the state to keep, whether it is done, the XML files it holds."""

    position: dict[str, Any]
    done: bool
    xml_files: tuple[str, ...]
    skipped: tuple[str, ...] = ()


def unpack_step(
    archive: Path,
    target: Path,
    state: dict[str, Any] | None,
    *,
    deadline: float,
    on_xml: Callable[[str], None] | None = None,
) -> Unpacked:
    """Continue unpacking ``archive`` from ``state`` (``None`` at first); see ``unzip_step``.

    ``on_xml`` is called with the name of an XML file of the archive's top
    folder as soon as it is in place, while the rest is unpacked, if it is to
    be imported before every such file unpacked so far (by :func:`import_order`).
    """
    state = state or {}
    first: list[str] = sorted(state.get("files", []), key=import_order)[:1]

    def extracted(name: str) -> None:
        if not _is_top_xml(name) or (first and import_order(name) >= import_order(first[0])):
            return
        first[:] = [name]
        if on_xml is not None:
            on_xml(name)

    step = unzip_step(
        archive,
        target,
        UnzipPosition.from_dict(state.get("position", {})),
        deadline=deadline,
        on_extracted=extracted,
    )
    files = list(state.get("files", [])) + [name for name in step.extracted if _is_top_xml(name)]
    return Unpacked(
        position={"position": step.position.to_dict(), "files": files},
        done=step.done,
        xml_files=tuple(sorted(files, key=import_order)) if step.done else (),
        skipped=step.skipped,
    )


def _is_top_xml(name: str) -> bool:
    return name.lower().endswith(".xml") and "/" not in name


def import_order(name: str) -> tuple[int, list[Any]]:
    """Sort key: role first (import, offers, prices, rests, other), then numbers as numbers."""
    lowered = name.lower()
    role = next((i for i, prefix in enumerate(_ROLES) if lowered.startswith(prefix)), len(_ROLES))
    parts = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", lowered)]
    return role, parts
