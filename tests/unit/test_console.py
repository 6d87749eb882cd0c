"""The commands' console: bars on a terminal, a plain line every few seconds elsewhere."""

from __future__ import annotations

import io

from django.core.management.base import OutputWrapper

from cml_exchange.management.console import Console, human_size


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def test_off_a_terminal_a_line_every_few_seconds_and_one_at_the_end():
    out, clock = io.StringIO(), Clock()
    console = Console(OutputWrapper(out), every=5.0, clock=clock)
    assert not console.tty
    meter = console.meter("import.xml", "items", total=200)
    for second in range(12):
        clock.now += 1
        meter.update(10 * second, note="Обработано\r\n товаров.\x07")
    meter.close("import.xml: готово.")
    assert out.getvalue().splitlines() == [
        "import.xml: 20%, Обработано товаров.",
        "import.xml: 45%, Обработано товаров.",
        "import.xml: готово.",
    ]
    assert console.current is None


def test_a_line_without_a_total_or_a_note():
    out, clock = io.StringIO(), Clock()
    console = Console(OutputWrapper(out), every=0, clock=clock)
    console.meter("Импорт import.xml", "requests", n=3)
    console.meter("Импорт offers.xml", "requests", n=1, note="Идет распаковка архива.")
    assert out.getvalue().splitlines() == [
        "Импорт import.xml: 3 запроса",
        "Импорт offers.xml: Идет распаковка архива.",
    ]


def test_on_a_terminal_a_bar_with_percentage_rate_and_time_left(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out, clock = Terminal(), Clock()
    console = Console(OutputWrapper(out), clock=clock)
    assert console.tty
    meter = console.meter("Отправка import.xml", "bytes", total=4 * 1024 * 1024)
    clock.now += 2
    meter.update(1024 * 1024, note="часть 1 из 4", total=4 * 1024 * 1024)
    console.line("a line in between")
    meter.close("Файл import.xml отправлен: 4 части, 4,0 МБ")
    text = out.getvalue()
    assert "\r" in text
    drawn = [frame for frame in text.split("\r") if "25%" in frame]
    assert drawn, text
    frame = drawn[-1]
    assert frame.startswith("Отправка import.xml:  25%|")
    assert "1,0 МБ / 4,0 МБ" in frame
    assert "осталось 00:0" in frame and "КБ/с" in frame and "часть 1 из 4" in frame
    assert "a line in between\n" in text
    assert text.endswith("Файл import.xml отправлен: 4 части, 4,0 МБ\n")


def test_sizes_in_the_sites_language():
    assert [human_size(size) for size in (512, 8090, 2_411_724)] == ["512 Б", "7,9 КБ", "2,3 МБ"]
