"""The scan in a process of its own answers as the scan in this one would.

It counts the same, refuses with the same words, and when its process cannot
answer (killed, not started) the scan runs here instead: the verdict is never
lost, only later.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cml_exchange.commerceml.reading import scan_process
from cml_exchange.commerceml.reading.scan import ValueLimitError, scan, scan_digest
from cml_exchange.commerceml.reading.scan_process import ScanProcess, ScanRefused
from tests.paths import DATA_DIR, sample
from tests.unit.commerceml.test_value_checks import LIMITS

CASES = DATA_DIR / "cases" / "values"
CATALOG = sample("Dialdev__Santechtula__upload__1c_catalog__import")


def test_the_child_counts_what_the_scan_counts():
    process = ScanProcess(CATALOG, CATALOG.name, LIMITS)
    try:
        counts = process.verdict()
    finally:
        process.close()

    assert counts == dict(scan(CATALOG, limits=LIMITS).counts)
    assert counts["products"] == 1660


@pytest.mark.parametrize("name", ["price_1e30.xml", "product_id_too_long.xml"])
def test_the_child_refuses_in_the_scans_words(name):
    with pytest.raises(ValueLimitError) as here:
        scan(CASES / name, limits=LIMITS)

    process = ScanProcess(CASES / name, name, LIMITS)
    try:
        with pytest.raises(ScanRefused) as there:
            process.verdict()
    finally:
        process.close()
    assert str(there.value) == str(here.value)
    with pytest.raises(ScanRefused):  # asked again, the same answer
        process.verdict()


def test_a_child_killed_before_it_answered_is_replaced_by_a_scan_here(caplog):
    process = ScanProcess(CATALOG, CATALOG.name, LIMITS)
    child = process._process
    assert child is not None
    child.kill()  # as the kernel's out-of-memory killer would
    assert child.wait() == -signal.SIGKILL  # it had not answered
    assert process.ready()

    assert process.verdict() == dict(scan(CATALOG, limits=LIMITS).counts)
    # The site's log says why the import did not get its scan from a second process.
    (record,) = [r for r in caplog.records if r.name == scan_process.__name__]
    assert record.levelname == "WARNING"
    assert "gave no answer (exit status -9)" in record.getMessage()


def test_close_stops_a_child_still_scanning():
    process = ScanProcess(CATALOG, CATALOG.name, LIMITS)
    child = process._process
    assert child is not None
    process.close()
    assert child.returncode is not None  # ended and reaped, no zombie left


def test_no_second_process_where_the_interpreter_is_not_python(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/usr/bin/uwsgi")
    assert not scan_process.can_start()
    monkeypatch.setattr(scan_process.os, "sched_getaffinity", lambda _pid: {0})
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3.12")
    assert not scan_process.can_start()  # one core: nothing to gain


def test_a_child_whose_importer_was_killed_ends_instead_of_scanning_on(tmp_path):
    """The process that started the scan dies (kill -9 of a worker): the scan does not go on."""
    big = tmp_path / "import.xml"
    product = "<Товар><Ид>{0}</Ид><Наименование>Товар {0}</Наименование></Товар>"
    with big.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<КоммерческаяИнформация ВерсияСхемы="2.08">')
        out.write("<Каталог><Ид>c</Ид><Наименование>К</Наименование><Товары>")
        for start in range(0, 400_000, 10_000):
            out.write("".join(product.format(n) for n in range(start, start + 10_000)))
        out.write("</Товары></Каталог></КоммерческаяИнформация>")
    starter = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, os;"
            "from pathlib import Path;"
            "from cml_exchange.commerceml.reading.scan_process import ScanProcess;"
            "from tests.unit.commerceml.test_value_checks import LIMITS;"
            "process = ScanProcess(Path(sys.argv[1]), 'import.xml', LIMITS);"
            "print(process._process.pid, flush=True);"
            "os._exit(0)",
            str(big),
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    child = Path(f"/proc/{int(starter.stdout)}")
    deadline = time.monotonic() + 3  # the whole scan would take several times longer
    while child.exists() and "Z" not in (child / "stat").read_text().split(")")[-1][:3]:
        assert time.monotonic() < deadline, "the scan went on without its importer"
        time.sleep(0.05)


def test_asked_for_it_the_child_names_the_bytes_it_found_sound(tmp_path):
    copy = tmp_path / CATALOG.name
    copy.write_bytes(CATALOG.read_bytes())
    process = ScanProcess(copy, copy.name, LIMITS, digest=True)
    try:
        process.verdict()
    finally:
        process.close()
    assert process.scanned_digest() == scan_digest(copy, LIMITS)
    assert ScanProcess(copy, copy.name, LIMITS).scanned_digest() is None  # not asked


def test_a_file_rewritten_while_it_was_scanned_is_named_by_no_digest(tmp_path, monkeypatch):
    copy = tmp_path / CATALOG.name
    copy.write_bytes(CATALOG.read_bytes())
    real = scan_process.scan

    def rewritten_meanwhile(path, **options):  # 1C uploads the file again mid-scan
        found = real(path, **options)
        copy.write_bytes(CATALOG.read_bytes() + b"\n<!-- uploaded again -->\n")
        return found

    monkeypatch.setattr(scan_process, "scan", rewritten_meanwhile)
    request = scan_process._Request(str(copy), copy.name, LIMITS, digest=True)
    answer = scan_process._answer_for(request)
    assert answer["counts"]["products"] == 1660
    assert answer["digest"] is None
