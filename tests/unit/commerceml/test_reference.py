"""The ``mode=info`` document: 1C-Bitrix's ``Справочник``, written from plain lists, no Django."""

from cml_exchange.commerceml.writing.reference import write_reference


def test_the_lists_are_written_as_bitrix_writes_them():
    written = write_reference(
        statuses=[("N", "Принят"), ("F", "Выполнен")],
        payment_systems=[],
        delivery_services=[("2", "Курьер <экспресс> & ₽")],
    )
    assert written == (
        '<?xml version="1.0" encoding="windows-1251"?>\n'
        "<Справочник>\n"
        "\t<\u0043татусы>\n"
        "\t\t<Элемент>\n\t\t\t<Ид>N</Ид>\n\t\t\t<Название>Принят</Название>\n\t\t</Элемент>\n"
        "\t\t<Элемент>\n\t\t\t<Ид>F</Ид>\n\t\t\t<Название>Выполнен</Название>\n\t\t</Элемент>\n"
        "\t</\u0043татусы>\n"
        "\t<ПлатежныеСистемы/>\n"
        "\t<СлужбыДоставки>\n"
        "\t\t<Элемент>\n\t\t\t<Ид>2</Ид>\n"
        "\t\t\t<Название>Курьер &lt;экспресс&gt; &amp; &#8381;</Название>\n"
        "\t\t</Элемент>\n"
        "\t</СлужбыДоставки>\n"
        "</Справочник>\n"
    ).encode("cp1251")


def test_the_statuses_tag_starts_with_a_latin_c():
    """1C's module looks for ``Cтатусы`` with the Latin C of Bitrix's language file."""
    assert b"<C\xf2\xe0\xf2\xf3\xf1\xfb/>" in write_reference([], [], [])
