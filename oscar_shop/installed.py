"""The apps and settings an Oscar project with the 1C exchange needs.

Shared by the sandbox's settings and the test suite's (``tests/settings.py``).
"""

OSCAR_APPS = [
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
]

#: The labels of the apps above that have models (and migrations).
OSCAR_APP_LABELS = [
    "sites", "flatpages", "analytics", "checkout", "address", "shipping", "catalogue",
    "reviews", "communication", "partner", "basket", "payment", "offer", "order", "customer",
    "search", "voucher", "wishlists", "dashboard", "reports_dashboard", "users_dashboard",
    "orders_dashboard", "catalogue_dashboard", "offers_dashboard", "partners_dashboard",
    "pages_dashboard", "ranges_dashboard", "reviews_dashboard", "vouchers_dashboard",
    "communications_dashboard", "shipping_dashboard", "haystack", "treebeard",
]  # fmt: skip

#: After ``cml_exchange``: the adapters and their link tables.
EXCHANGE_APPS = ["cml_exchange", "cml_exchange.contrib.oscar"]

SITE_ID = 1
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"},
}
OSCAR_DEFAULT_CURRENCY = "RUB"
# The app stores each picture once and Oscar's images point at it: Oscar must not delete it.
OSCAR_DELETE_IMAGE_FILES = False
OSCAR_INITIAL_ORDER_STATUS = "Принят"
OSCAR_INITIAL_LINE_STATUS = "Принят"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Принят": ("Оплачен", "Отменен"),
    "Оплачен": ("Отгружен", "Отменен"),
    "Отгружен": ("Выполнен", "Отменен"),
    "Выполнен": (),
    "Отменен": (),
}
