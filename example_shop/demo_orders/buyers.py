"""Made-up Russian buyers for ``cml_demo_orders``: names, companies, contacts, addresses.

Everything comes from the ``random.Random`` passed in, so one seed gives one
set of buyers. None of it is real: the INNs have valid check digits, so that
1C accepts them, and match a real company only by chance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# -- people ------------------------------------------------------------------
#: (male form, female form) of common surnames.
SURNAMES = [
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"), ("Васильев", "Васильева"), ("Петров", "Петрова"),
    ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Козлов", "Козлова"),
    ("Степанов", "Степанова"), ("Николаев", "Николаева"), ("Орлов", "Орлова"),
    ("Андреев", "Андреева"), ("Макаров", "Макарова"), ("Никитин", "Никитина"),
    ("Захаров", "Захарова"), ("Зайцев", "Зайцева"), ("Соловьёв", "Соловьёва"),
    ("Борисов", "Борисова"), ("Яковлев", "Яковлева"), ("Григорьев", "Григорьева"),
    ("Романов", "Романова"), ("Воробьёв", "Воробьёва"), ("Сергеев", "Сергеева"),
    ("Кузьмин", "Кузьмина"), ("Фролов", "Фролова"), ("Белов", "Белова"),
]  # fmt: skip
MALE_NAMES = [
    "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
    "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Иван", "Павел",
    "Владимир", "Николай", "Денис", "Евгений", "Олег", "Виктор", "Юрий", "Константин",
]  # fmt: skip
FEMALE_NAMES = [
    "Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина",
    "Светлана", "Юлия", "Анастасия", "Дарья", "Ксения", "Полина", "Виктория", "Алина",
    "Марина", "Людмила", "Галина", "Софья", "Вероника", "Надежда",
]  # fmt: skip
#: (male form, female form) of patronymics.
PATRONYMICS = [
    ("Александрович", "Александровна"), ("Дмитриевич", "Дмитриевна"),
    ("Сергеевич", "Сергеевна"), ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"),
    ("Михайлович", "Михайловна"), ("Иванович", "Ивановна"), ("Николаевич", "Николаевна"),
    ("Владимирович", "Владимировна"), ("Викторович", "Викторовна"),
    ("Петрович", "Петровна"), ("Юрьевич", "Юрьевна"), ("Олегович", "Олеговна"),
    ("Евгеньевич", "Евгеньевна"), ("Павлович", "Павловна"),
]  # fmt: skip

# -- companies ---------------------------------------------------------------
COMPANY_FORMS = ["ООО", "ООО", "ООО", "АО", "ПАО"]
COMPANY_WORDS = [
    "Альфа", "Вектор", "Меридиан", "Горизонт", "Северный ветер", "Техносервис",
    "Стройресурс", "Промтехника", "Уральские заводы", "Волга-Трейд", "Сибирская компания",
    "Городские решения", "Лидер", "Партнёр", "Прогресс", "Экспресс-Логистик", "ЭнергоСбыт",
    "Форвард", "Атлант", "Балтика-Снаб", "Континент", "ИнфоСистемы", "Гарант-М",
]  # fmt: skip

# -- addresses: city, the starts of its postcodes, its tax region ---------------
CITIES = [
    ("г. Москва", ("10", "11", "12"), "77"), ("г. Санкт-Петербург", ("19",), "78"),
    ("г. Новосибирск", ("630",), "54"), ("г. Екатеринбург", ("620",), "66"),
    ("г. Казань", ("420",), "16"), ("г. Нижний Новгород", ("603",), "52"),
    ("г. Самара", ("443",), "63"), ("г. Ростов-на-Дону", ("344",), "61"),
    ("г. Краснодар", ("350",), "23"), ("г. Воронеж", ("394",), "36"),
    ("г. Пермь", ("614",), "59"), ("г. Тюмень", ("625",), "72"),
]  # fmt: skip
#: Moscow and Saint Petersburg get more orders, as in a real shop.
CITY_WEIGHTS = [30, 12, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4]
STREETS = [
    "ул. Ленина", "ул. Мира", "ул. Гагарина", "ул. Советская", "ул. Садовая",
    "ул. Молодёжная", "ул. Школьная", "пр-т Победы", "ул. Пушкина", "ул. Лесная",
    "ул. Новая", "Центральная ул.", "ул. Строителей", "ул. Набережная", "ул. Заречная",
    "Комсомольский пр-т", "ул. Чехова", "ул. Кирова", "ул. Первомайская", "ул. Полевая",
]  # fmt: skip
EMAIL_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "ya.ru"]

# -- what buyers and managers write -----------------------------------------------
CUSTOMER_COMMENTS = [
    "Позвоните за час до доставки, пожалуйста.",
    "Домофон не работает, звоните на мобильный.",
    "Доставка после 18:00.",
    "Нужен счёт на оплату.",
    "Оставьте у консьержа.",
    "Подарок, упакуйте, пожалуйста.",
    "Можно в выходные?",
]
CANCEL_REASONS = [
    "Покупатель передумал",
    "Нет товара на складе",
    "Не удалось связаться с покупателем",
    "Заказ оформлен повторно",
]

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
            "yu", "ya",
        ],
        strict=True,
    )
)  # fmt: skip
_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


@dataclass(frozen=True, slots=True)
class Buyer:
    """One made-up buyer: the fields of ``Customer`` it fills."""

    kind: str  # "person" or "company"
    last_name: str
    first_name: str
    middle_name: str
    company: str
    inn: str
    kpp: str
    email: str
    phone: str
    address: str


def translit(text: str) -> str:
    """Latin letters for an e-mail address: ``Сергеева`` → ``sergeeva``."""
    return "".join(_TRANSLIT.get(char, char) for char in text.lower() if char.isalnum())


def company_inn(rng: random.Random, region: str) -> str:
    """A 10-digit company INN of ``region`` with a valid check digit."""
    digits = region + "".join(str(rng.randrange(10)) for _ in range(7))
    check = sum(int(d) * w for d, w in zip(digits, _INN_WEIGHTS, strict=True)) % 11 % 10
    return digits + str(check)


def phone(rng: random.Random) -> str:
    """A mobile number as shops keep them: ``+7 (912) 345-67-89``."""
    n = [rng.randrange(10) for _ in range(7)]
    return (
        f"+7 (9{rng.randrange(10)}{rng.randrange(10)}) {n[0]}{n[1]}{n[2]}-{n[3]}{n[4]}-{n[5]}{n[6]}"
    )


def address(rng: random.Random, *, office: bool = False) -> tuple[str, str]:
    """A postal address and the tax region of its city."""
    city, postcodes, region = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
    postcode = rng.choice(postcodes)
    index = postcode + "".join(str(rng.randrange(10)) for _ in range(6 - len(postcode)))
    house = f"д. {rng.randint(1, 120)}"
    room = f"оф. {rng.randint(1, 40)}" if office else f"кв. {rng.randint(1, 300)}"
    return f"{index}, {city}, {rng.choice(STREETS)}, {house}, {room}", region


def buyer(rng: random.Random, *, company_share: float = 0.1) -> Buyer:
    """A person, or (``company_share`` of the time) a company with its contact person."""
    female = rng.random() < 0.5
    last, first = rng.choice(SURNAMES)[female], rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    middle = rng.choice(PATRONYMICS)[female]
    if rng.random() < company_share:
        where, region = address(rng, office=True)
        name = f"{rng.choice(COMPANY_FORMS)} «{rng.choice(COMPANY_WORDS)}»"
        inn = company_inn(rng, region)
        kpp = f"{inn[:4]}01001"
        mailbox = rng.choice(["info", "zakaz", "snab", "office", translit(last)])
        email = f"{mailbox}@{translit(name.split('«')[1])[:16] or 'company'}{rng.randint(1, 99)}.ru"
        return Buyer("company", last, first, middle, name, inn, kpp, email, phone(rng), where)
    where, _region = address(rng)
    login = f"{translit(first)}.{translit(last)}" if rng.random() < 0.6 else translit(last)
    email = f"{login}{rng.randint(1, 1999)}@{rng.choice(EMAIL_DOMAINS)}"
    return Buyer("person", last, first, middle, "", "", "", email, phone(rng), where)


#: Prices of couriers the admin added, which the model does not price.
COURIER_PRICES = [Decimal(250), Decimal(300), Decimal(350), Decimal(490)]
