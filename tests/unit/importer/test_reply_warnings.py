"""Line 2 of ``mode=import`` with warnings: 1C's administrator always reads how many."""

from __future__ import annotations

from cml_exchange.importer.messages import IMPORT_DONE, clipped, with_warnings

PICTURE = "Картинка import_files/ab/1.jpg не найдена среди загруженных файлов."
ENDING = "; все они — в журнале обменов на сайте."


def test_a_clean_message_gets_the_count_and_the_first_warning() -> None:
    assert with_warnings(IMPORT_DONE, 3, PICTURE) == (
        "Импорт завершен. Предупреждений: 3 (первое: «Картинка import_files/ab/1.jpg не "
        f"найдена среди загруженных файлов»){ENDING}"
    )


def test_a_long_message_stays_whole_and_the_first_warning_gives_way() -> None:
    notes = "Импорт завершен. " + "Сверка файла offers.xml: предложений без товара 16. " * 7
    told = with_warnings(notes.strip(), 2, PICTURE)
    assert told == f"{notes.strip()} Предупреждений: 2{ENDING}"
    assert len(told) <= 500


def test_a_message_too_long_for_both_is_clipped_and_the_count_still_said() -> None:
    notes = "Импорт завершен. " + "Сверка файла offers.xml: предложений без товара 16. " * 12
    told = with_warnings(notes.strip(), 5, PICTURE)
    counted = f" Предупреждений: 5{ENDING}"
    assert told.endswith(counted) and len(told) <= 500
    assert told == clipped(notes.strip(), 500 - len(counted)) + counted
