"""The steps of :class:`bench.Run` that measure through a served shop (``runserver``).

``http exchange`` (and ``http worker``, ``http plain``, the 3.1 exchanges), and once per
database ``sale query`` and ``upload``: each against a fresh server in its own process,
whose peak RSS is part of the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import http_steps
from benchmarks.bench31 import Compare31
from benchmarks.datasets import ensure_data
from benchmarks.http_steps import MIB
from benchmarks.measure import Server, manage


class ServedSteps(Compare31):
    """The served half of :class:`bench.Run`; it needs the run's ``workdir`` besides."""

    workdir: Path

    def http_exchange(
        self,
        kind: str,
        products: int,
        files: list[Path],
        floor: float | None,
        *,
        step: str,
        use_zip: bool = True,
        schema: str = "2.08",
        against: float | None = None,
        worker: bool = False,
    ) -> float | None:
        """The exchange of ``files`` through a fresh server; its seconds (``None`` if it failed).

        ``schema`` 3.1 sets the site's schema version to 3.1 and sends
        ``version=3.1`` at init; ``against`` is the 2.08 exchange's seconds
        (``x_2x``). ``worker``: imports on a ``db_worker`` process of their own
        (``IMPORT_WORKER=database``), whose peak RSS is reported apart.
        """
        args = self.args
        name = f"{products}_{step.replace(' ', '_').replace('.', '')}"
        _url, env = self.database(kind, name)
        if worker:
            env["IMPORT_WORKER"] = "database"
        http_steps.prepare_shop(
            env,
            step=args.step,
            file_limit=args.chunk,
            use_zip=use_zip,
            schema_version="3.1" if schema == "3.1" else "2",
        )
        server = Server(env)
        server.start()
        task_worker = http_steps.TaskWorker(env) if worker else None
        try:
            result = http_steps.catalog_exchange(
                server, files, chunk=args.chunk, version="3.1" if schema == "3.1" else None
            )
            result["peak_rss_mib"] = server.peak_rss_mib()
            result["rss_samples"] = server.samples
            if task_worker is not None:
                result["worker_peak_rss_mib"] = task_worker.peak_rss_mib()
        except Exception as error:  # reported in the table; the run goes on
            self.add(products, kind, step, error=f"{type(error).__name__}: {error}")
            return None
        finally:
            server.stop()
            if task_worker is not None:
                task_worker.stop()
        if floor:
            result["x_floor"] = round(result["seconds"] / floor, 2)
            if "site_seconds" in result:
                result["x_floor_site"] = round(result["site_seconds"] / floor, 2)
        if against:
            result["x_2x" if not worker else "x_in_request"] = round(result["seconds"] / against, 2)
        if self.compares_31:
            result.update(self.compare_counts(products, kind, env))
        self.add(products, kind, step, **result)
        return float(result["seconds"])

    def orders_and_upload(self, kind: str) -> None:
        args = self.args
        _url, env = self.database(kind, "orders")
        http_steps.prepare_shop(env, step=args.step, file_limit=args.chunk)
        if "query" in args.steps:
            smallest, _manifest, _generated = ensure_data(
                args.data_dir,
                min(args.products),
                args.seed,
                "2.08",
                min(args.products) // 100,
                "both",
            )
            manage(env, "cml_import", str(smallest / "import.xml"), str(smallest / "offers.xml"))
            manage(env, "cml_demo_orders", "--count", str(args.orders), "--seed", "1")
            self.serve(
                kind,
                "sale query",
                env,
                lambda server: http_steps.sale_query(server, version=args.sale_version),
                orders=args.orders,
            )
        if "upload" in args.steps:
            self.serve(
                kind,
                "upload",
                env,
                lambda server: http_steps.upload(
                    server, args.upload_mib * MIB, chunk=args.chunk, scratch=self.workdir / "disk"
                ),
            )

    def serve(self, kind: str, step: str, env: dict[str, str], work: Any, **extra: Any) -> None:
        server = Server(env)
        server.start()
        try:
            result = work(server)
            result["peak_rss_mib"] = server.peak_rss_mib()
        except Exception as error:  # reported in the table; the run goes on
            self.add(None, kind, step, error=f"{type(error).__name__}: {error}")
            return
        finally:
            server.stop()
        self.add(None, kind, step, **extra, **result)
