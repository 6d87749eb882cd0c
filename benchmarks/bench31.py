"""The CommerceML 3.1 steps of ``bench.py``: the same catalog as the 3.1 file set, against 2.08.

``import31`` runs ``cml_import`` over every file of the 3.1 set of the same
seed (``benchmarks/data/<N>-3.1/``, in 1C's order) into a fresh database, then
again unchanged (``re-import 3.1``, its share of the first in ``x_first``);
``http31`` runs the whole exchange of that set through the endpoint, zipped
and file by file, next to the 2.08 exchange in the same two modes (the
``http`` step, which ``bench.py`` then runs in both). Each 3.1 row carries
``x_2x``, its time over the 2.08 row of the same run, and ``counts_match``:
whether its database holds as many rows of each kind as the 2.08 import's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchmarks.datasets import ensure_data
from benchmarks.http_steps import catalog_counts
from benchmarks.measure import MANAGE, manage, run_measured


class Compare31:
    """The 3.1 half of :class:`bench.Run`; it needs the run's ``args``, ``add`` and ``database``."""

    args: argparse.Namespace
    #: The rows the first count of each data set and database gave (2.08's).
    reference_counts: dict[tuple[int, str], dict[str, int]]

    def add(self, products: int | None, database: str, step: str, **values: Any) -> dict[str, Any]:
        raise NotImplementedError

    def database(self, kind: str, name: str) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    @property
    def compares_31(self) -> bool:
        """Whether the run compares the 3.1 file set with 2.08 (its rows then count the rows)."""
        return bool({"import31", "http31"} & set(self.args.steps))

    def files31(self, products: int) -> list[Path]:
        """The 3.1 file set of the same catalog (same seed), in 1C's order."""
        directory, manifest, _generated = ensure_data(
            self.args.data_dir, products, self.args.seed, "3.1", 0, "both"
        )
        return [directory / name for name in manifest["exchange"]]

    def compare_counts(self, products: int, kind: str, env: dict[str, str]) -> dict[str, Any]:
        """Count the database's rows: the first count of a data set is kept, later ones compared.

        The first is the 2.08 ``cml_import``'s (or, without the import step,
        the first exchange's); the 3.1 rows then say ``counts_match``, and
        ``counts_differ`` (model: reference, this) when they do not.
        """
        counts = catalog_counts(env)
        reference = self.reference_counts.setdefault((products, kind), counts)
        if reference is counts:
            return {"counts": counts}
        differ = {
            name: [reference.get(name), counts.get(name)]
            for name in sorted(set(reference) | set(counts))
            if reference.get(name) != counts.get(name)
        }
        return {"counts_match": not differ, **({"counts_differ": differ} if differ else {})}

    def cml_import31(
        self,
        kind: str,
        products: int,
        files: list[Path],
        floor: float | None,
        default: float | None,
    ) -> None:
        """``cml_import`` of every 3.1 file in 1C's order, against the 2.08 import (``x_2x``)."""
        _url, env = self.database(kind, f"{products}_import31")
        manage(env, "migrate", "--no-input", "-v0")
        measured = run_measured([sys.executable, MANAGE, "cml_import", *map(str, files)], env)
        if measured["returncode"]:
            self.add(products, kind, "cml_import 3.1", error=measured["output"])
            return
        values: dict[str, Any] = {
            "seconds": measured["seconds"],
            "peak_rss_mib": measured["peak_rss_mib"],
            "files": len(files),
        }
        if floor:
            values["x_floor"] = round(measured["seconds"] / floor, 2)
        if default:
            values["x_2x"] = round(measured["seconds"] / default, 2)
        values.update(self.compare_counts(products, kind, env))
        self.add(products, kind, "cml_import 3.1", **values)
        # The same files again: 1C's split packages must stay passed over unread (issue 17).
        again = run_measured([sys.executable, MANAGE, "cml_import", *map(str, files)], env)
        if again["returncode"]:
            self.add(products, kind, "re-import 3.1", error=again["output"])
            return
        self.add(
            products,
            kind,
            "re-import 3.1",
            seconds=again["seconds"],
            peak_rss_mib=again["peak_rss_mib"],
            x_first=round(again["seconds"] / measured["seconds"], 2),
        )
