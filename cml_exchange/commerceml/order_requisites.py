"""The names of order requisites, as 1C-Bitrix writes them and 1C reads them back.

Shared by the orders writer (:mod:`~cml_exchange.commerceml.writing.orders`)
and the reader of 1C's order changes
(:mod:`~cml_exchange.commerceml.reading.order_changes`). Each is Cyrillic
only: a Latin look-alike letter would make 1C ignore the requisite.
"""

from __future__ import annotations

from typing import Final

REQ_PAYMENT_METHOD: Final = "Метод оплаты"
REQ_PAYMENT_METHOD_ID: Final = "Метод оплаты ИД"
REQ_ORDER_PAID: Final = "Заказ оплачен"
REQ_PAYMENT_DATE: Final = "Дата оплаты"
#: Written on the order before 2.10, on the payment document from 2.10 on.
REQ_PAYMENT_DOCUMENT_NUMBER: Final = "Номер платежного документа"
#: Written on the order before 2.10, on the shipment document from 2.10 on.
REQ_DELIVERY_ALLOWED: Final = "Доставка разрешена"
REQ_DELIVERY_ALLOWED_DATE: Final = "Дата разрешения доставки"
REQ_DELIVERY_SERVICE: Final = "Способ доставки"
REQ_DELIVERY_SERVICE_ID: Final = "Метод доставки ИД"
REQ_CANCELED: Final = "Отменен"
REQ_CANCEL_DATE: Final = "Дата отмены заказа"
REQ_CANCEL_REASON: Final = "Причина отмены"
REQ_FINAL_STATUS: Final = "Финальный статус"
REQ_STATUS: Final = "Статус заказа"
REQ_STATUS_ID: Final = "Статуса заказа ИД"
REQ_STATUS_CHANGED: Final = "Дата изменения статуса"
REQ_CUSTOMER_COMMENT: Final = "Комментарии покупателя"
REQ_SITE: Final = "Сайт"
REQ_DELIVERY_ADDRESS: Final = "Адрес доставки"
#: The paid flag of a 2.10 payment document (the order keeps ``Заказ оплачен``).
REQ_PAID: Final = "Оплачен"
#: A payment document that returns the money, and why (1C-Bitrix's 3.1 importer).
REQ_RETURN: Final = "ПризнакВозврата"
REQ_RETURN_REASON: Final = "Причина к Возврату"
#: The carrier's tracking number, on a shipment document (or, before 2.10, the order).
REQ_TRACKING_NUMBER: Final = "Идентификатор отправления"

#: The delivery line.
DELIVERY_LINE_NAME: Final = "Доставка заказа"
