from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # 1C's "Адрес сайта" is this site with /1c_exchange.php
    path("", include("cml_exchange.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),  # type: ignore[attr-defined]
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
