"""Models of the app, one module per domain.

- ``catalog``: classifiers, catalogs, groups, properties, units, categories, products;
- ``offers``: price types, warehouses, offers, prices, stock;
- ``imports``: import jobs, the importer's state between steps;
- ``orders``: orders, their lines and customers, statuses, payment and delivery lists;
- ``exchange``: exchange sessions, their requests and stored files;
- ``settings``: the one row of settings the shop owner edits in the admin.
"""

from cml_exchange.models.catalog import (
    Catalog,
    Category,
    Classifier,
    Group,
    Product,
    ProductGroup,
    ProductImage,
    ProductPropertyValue,
    ProductRequisite,
    ProductTax,
    Property,
    PropertyOption,
    Unit,
)
from cml_exchange.models.exchange import (
    ExchangeFile,
    ExchangeKind,
    ExchangeRequest,
    ExchangeSession,
)
from cml_exchange.models.imports import (
    ChecksumKey,
    ImportJob,
    ImportWarning,
    ImportWarningKey,
    PendingReference,
    ScannedFile,
)
from cml_exchange.models.offers import (
    Offer,
    OfferCharacteristic,
    OfferPropertyValue,
    Price,
    PriceType,
    Stock,
    Warehouse,
)
from cml_exchange.models.orders import (
    Customer,
    DeliveryService,
    Order,
    OrderExport,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Storefront,
)
from cml_exchange.models.settings import ExchangeSettings

__all__ = [
    "Catalog",
    "Category",
    "ChecksumKey",
    "Classifier",
    "Customer",
    "DeliveryService",
    "ExchangeFile",
    "ExchangeKind",
    "ExchangeRequest",
    "ExchangeSession",
    "ExchangeSettings",
    "Group",
    "ImportJob",
    "ImportWarning",
    "ImportWarningKey",
    "Offer",
    "OfferCharacteristic",
    "OfferPropertyValue",
    "Order",
    "OrderExport",
    "OrderLine",
    "OrderStatus",
    "PaymentMethod",
    "PendingReference",
    "Price",
    "PriceType",
    "Product",
    "ProductGroup",
    "ProductImage",
    "ProductPropertyValue",
    "ProductRequisite",
    "ProductTax",
    "Property",
    "PropertyOption",
    "ScannedFile",
    "Stock",
    "Storefront",
    "Unit",
    "Warehouse",
]
