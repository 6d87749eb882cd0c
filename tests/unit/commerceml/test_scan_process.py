"""The scan in a process of its own answers as the scan in this one would.

It counts the same, refuses with the same words, and when its process cannot
answer (killed, not started) the scan runs here instead: the verdict is never
lost, only later. One child takes file after file while it is kept waiting for
them, and ends by itself once nobody gives it one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from cml_exchange.commerceml.reading import scan_process
from cml_exchange.commerceml.reading.scan import ValueLimitError, scan, scan_digest
from cml_exchange.commerceml.reading.scan_process import ScanProcess, ScanRefused
from tests.paths import DATA_DIR, sample
from tests.unit.commerceml.test_value_checks import LIMITS

CASES = DATA_DIR / "cases" / "values"
CATALOG = sample("Dialdev__Santechtula__upload__1c_catalog__import")
OFFERS = sample("Dialdev__Santechtula__upload__1c_catalog__offers")


@pytest.fixture(autouse=True)
def no_child_kept_from_before():
    """Each test starts with no child waiting, and leaves none behind."""
    scan_process._end_waiting_children()
    yield
    scan_process._end_waiting_children()


def scanned(path: Path, name: str | None = None) -> tuple[int | None, dict[str, int]]:
    """The pid of the child that scanned ``path``, and its counts."""
    process = ScanProcess(path, name or path.name, LIMITS)
    pid = process._process.pid if process._process is not None else None
    try:
        return pid, process.verdict()
    finally:
        process.close()


def ended(pid: int, within: float) -> bool:
    """Whether this process's child ``pid`` has ended, within ``within`` s (left unreaped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:  # reaped already
            return True
        time.sleep(0.05)
    return False


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


def test_one_child_scans_file_after_file():
    """No interpreter started per file: the child that answered takes the next one."""
    first, catalog = scanned(CATALOG)
    second, offers = scanned(OFFERS)
    third, again = scanned(CATALOG)

    assert first is not None
    assert first == second == third
    assert catalog == again == dict(scan(CATALOG, limits=LIMITS).counts)
    assert offers == dict(scan(OFFERS, limits=LIMITS).counts)
    assert offers["offers"] == 1660


def test_a_child_that_refused_a_file_scans_the_next_as_any_other():
    refusing = ScanProcess(CASES / "price_1e30.xml", "price_1e30.xml", LIMITS)
    pid = refusing._process.pid if refusing._process is not None else None
    with pytest.raises(ScanRefused):
        refusing.verdict()
    refusing.close()

    assert scanned(CATALOG) == (pid, dict(scan(CATALOG, limits=LIMITS).counts))


def test_a_child_closed_while_scanning_is_not_given_another_file():
    busy = ScanProcess(CATALOG, CATALOG.name, LIMITS)
    stopped = busy._process
    assert stopped is not None
    busy.close()  # the import failed before the verdict: the scan may be half-way

    pid, counts = scanned(OFFERS)
    assert pid != stopped.pid
    assert counts == dict(scan(OFFERS, limits=LIMITS).counts)


def test_a_child_that_waited_too_long_is_ended_and_replaced(monkeypatch):
    first, _ = scanned(CATALOG)
    monkeypatch.setattr(scan_process, "REUSE_WITHIN", 0.0)  # it may be ending by itself

    second, counts = scanned(OFFERS)
    assert second != first
    assert first is not None and ended(first, within=5)
    assert counts == dict(scan(OFFERS, limits=LIMITS).counts)


def test_a_waiting_child_that_died_is_replaced_without_a_scan_here(caplog):
    first, _ = scanned(CATALOG)
    assert first is not None
    os.kill(first, signal.SIGKILL)  # as the out-of-memory killer would, between two files
    assert ended(first, within=5)

    second, counts = scanned(OFFERS)
    assert second not in (None, first)
    assert counts == dict(scan(OFFERS, limits=LIMITS).counts)
    assert not [r for r in caplog.records if r.name == scan_process.__name__]


def test_a_child_given_no_file_ends_by_itself(monkeypatch):
    monkeypatch.setattr(scan_process, "IDLE_EXIT", 0.3)  # told to the child when it starts
    pid, _ = scanned(CATALOG)
    assert pid is not None
    assert ended(pid, within=5)

    again, counts = scanned(OFFERS)  # the pool finds it gone and starts another
    assert again != pid
    assert counts == dict(scan(OFFERS, limits=LIMITS).counts)


def test_a_forked_process_leaves_its_parents_children_alone():
    """A server that forks its workers after a scan (gunicorn's preload): each starts its own."""
    parent_child, _ = scanned(CATALOG)
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads: on purpose
        pid = os.fork()
    if pid == 0:  # the forked process: report, and leave at once
        try:
            waiting = len(scan_process._WAITING)
            own, counts = scanned(OFFERS)
            ok = counts == dict(scan(OFFERS, limits=LIMITS).counts)
            os.write(write, f"{waiting} {own} {ok}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as report:
        waiting, own, ok = report.read().split()
    os.waitpid(pid, 0)

    assert (waiting, ok) == ("0", "True")
    assert int(own) != parent_child
    assert scanned(CATALOG)[0] == parent_child  # the parent's child still waits for it
