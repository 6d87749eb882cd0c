"""Making the adapters named in settings: the catalog's and the orders'."""

from __future__ import annotations

from typing import TypeVar

from django.utils.module_loading import import_string

from cml_exchange.exceptions import ConfigError

T = TypeVar("T")


def make_adapter(setting: str, path: str, base: type[T]) -> T:
    """An instance of the class ``path`` names (made with no arguments), a ``base`` subclass.

    Raises ``ConfigError`` in Russian, naming ``setting``, when the class is
    missing or of another kind.
    """
    try:
        adapter_class = import_string(path)
    except ImportError as error:
        raise ConfigError(f"{setting}: класс «{path}» не найден ({error}).") from error
    adapter = adapter_class()
    if not isinstance(adapter, base):
        raise ConfigError(
            f"{setting}: «{path}» должен быть подклассом {base.__module__}.{base.__name__}."
        )
    return adapter
