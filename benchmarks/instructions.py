"""The instructions an import executes, counted by valgrind: a figure that does not drift.

``python benchmarks/instructions.py --shape samples [--products 10000] [--files N]
[--seed 1] [--data-dir benchmarks/data] [--json PATH]``

On this shared machine the seconds of one run and the next differ by 20–60%, so a
change worth 1–2% of an import cannot be seen in them, however often it is timed.
The number of instructions the importing process executes can: under valgrind's
``callgrind``, with Python's hash seed fixed, two runs of the same code over the same
files agree within 0.05%.

After a run of its own that is not counted (it compiles what was not compiled yet), two
runs of a child process are counted: Django set up and a migrated SQLite database
copied into place (migrated beforehand, outside the count), then the first ``--files``
of the shape's catalog files (all by default) imported in one job as ``cml_import``
imports them; and the same without files. Their difference is what the import itself
executed. The scan beside the reader runs in a process of its own, natively, and is
not counted. Instructions are not seconds: SQLite's syncs, the page cache and the
waits for another thread cost time and next to no instructions. A run takes about
sixty times the import's seconds. Needs valgrind (Debian's package). Not a test:
nothing here asserts on what it finds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.shapes import SHAPES, shape_data  # noqa: E402

#: callgrind's summary line: ``==123== Collected : 9317672863``.
_COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.MULTILINE)


def collected(output: str) -> int:
    """The instruction count in callgrind's output (its ``Collected`` line)."""
    found = _COLLECTED.findall(output)
    if not found:
        raise ValueError("no 'Collected' line in callgrind's output")
    return int(found[-1])


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "example_shop.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'import.sqlite3'}",
            "CML_EXCHANGE_UPLOAD_ROOT": str(workdir / "exchange"),
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "benchmarks-only-not-secret",
            "DEBUG": "off",
            "PYTHONHASHSEED": "0",  # sets and dicts of strings iterate alike in every run
        }
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiling the app every run would be counted
    return env


def count(files: list[Path], workdir: Path, *, counted: bool = True) -> int:
    """Instructions of a child that sets Django up and imports ``files`` (none: set-up only).

    Not ``counted``: the child runs natively, and 0 is returned.
    """
    child = [sys.executable, __file__, "--child", str(workdir), *map(str, files)]
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *child]
    done = subprocess.run(
        command if counted else child,
        env=_environment(workdir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        run = "counted" if counted else "native, uncounted"
        raise RuntimeError(
            f"the import failed ({run} run):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return collected(done.stderr) if counted else 0


def _child(workdir: Path, files: list[Path]) -> None:
    """Set Django up, put the migrated database in place, import ``files`` in one job.

    The collector as ``manage.py cml_import`` has it: off while Django starts, then
    what start-up made frozen.
    """
    import gc

    import django

    gc.disable()
    django.setup()
    gc.freeze()
    gc.enable()
    database = workdir / "import.sqlite3"
    for old in workdir.glob("import.sqlite3*"):
        old.unlink()
    shutil.rmtree(workdir / "media", ignore_errors=True)  # pictures stored by a run before
    shutil.copy(workdir / "migrated.sqlite3", database)
    if not files:
        return
    from cml_exchange.importer import Done, Failed, ImportOptions, create_job, run

    base = Path(os.path.commonpath([path.parent for path in files]))
    job = create_job(files, base_dir=base, options=ImportOptions())
    while not isinstance(result := run(job, None), (Done, Failed)):
        pass
    if isinstance(result, Failed):
        raise SystemExit(result.detail or result.message)


def _migrated(workdir: Path) -> None:
    """A migrated SQLite database at ``workdir/migrated.sqlite3``, made natively."""
    env = _environment(workdir)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'migrated.sqlite3'}"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(Path(argv[1]), [Path(name) for name in argv[2:]])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="samples", choices=list(SHAPES))
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--files", type=int, help="only the first N catalog files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    _directory, _manifest, files = shape_data(args.shape, args.data_dir, args.products, args.seed)
    files = files[: args.files] if args.files else files
    with tempfile.TemporaryDirectory(prefix="cml-instructions-") as tmp:
        workdir = Path(tmp)
        _migrated(workdir)
        # Natively first: any module not yet compiled is compiled here, not in a counted run.
        count(files, workdir, counted=False)
        set_up = count([], workdir)
        total = count(files, workdir)
    result = {
        "shape": args.shape,
        "products": args.products,
        "files": len(files),
        "instructions": total - set_up,
        "set_up_instructions": set_up,
    }
    print(
        f"{args.shape}, {len(files)} files: {result['instructions'] / 1e6:,.1f} M instructions"
        f" (Django's set-up and the database's copy, {set_up / 1e6:,.1f} M, left out)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
