"""What the shop owner decides about an import (Bitrix's "Интеграция с 1С" catalog tab).

An import job keeps a snapshot of its options, so a job resumed after the
owner changed a setting finishes the way it started.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from cml_exchange.models.settings import MissingAction

if TYPE_CHECKING:
    from cml_exchange.models import ExchangeSettings

__all__ = ["ImportOptions", "MissingAction"]


#: Product fields the site may own (see ``ImportOptions.site_owned``).
SITE_FIELDS = ("name", "description", "pictures", "slug")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Import settings; the defaults are the app's (see docs/import_workflow.md).

    ``missing_products`` and ``missing_groups`` apply after a full exchange,
    only within the catalog (or classifier) that came in full; Bitrix's
    default is to delete, ours is to deactivate, because a deleted product
    loses its pictures, its URL and its place in past orders.
    ``use_checksums`` skips items whose content has not changed.
    ``slug_on_add``/``slug_on_update`` make slugs from names (Bitrix's
    TRANSLIT_ON_ADD/UPDATE) with ``slug_replace_char`` between words.
    ``skip_root_group`` leaves out a classifier's only top-level group
    (Bitrix's SKIP_ROOT_SECTION): its subgroups become top-level groups.
    ``generate_preview`` stores a preview of each picture that fits in
    ``preview_width`` × ``preview_height``; ``resize_detail`` shrinks the
    stored picture itself to fit in ``detail_width`` × ``detail_height``
    (Bitrix's GENERATE_PREVIEW and DETAIL_RESIZE; pictures are never enlarged).
    ``import_archive_contents`` imports the XML files found in a zip archive
    after unpacking it (the endpoint turns it off: 1C names each file itself).
    ``batch_size`` is how many entities are written per transaction.
    ``site_owned`` names the product fields the site owns, of :data:`SITE_FIELDS`:
    1C sets them when it creates a product and never overwrites them after.
    ``hide_new_products`` creates products unpublished, for the shop owner
    to review (``Product.published``; adapters apply it to their own flag).
    ``match_products_by`` (``"article"``, ``"barcode"`` or ``""``: off) lets a
    product new to the catalog take over a stored one with the same value
    (see :mod:`~cml_exchange.importer.loaders.matching`).
    """

    use_checksums: bool = True
    missing_products: MissingAction = MissingAction.DEACTIVATE
    missing_groups: MissingAction = MissingAction.DEACTIVATE
    slug_on_add: bool = True
    slug_on_update: bool = True
    slug_replace_char: str = "_"
    skip_root_group: bool = False
    generate_preview: bool = True
    preview_width: int = 100
    preview_height: int = 100
    resize_detail: bool = True
    detail_width: int = 300
    detail_height: int = 300
    import_archive_contents: bool = True
    batch_size: int = 1000
    site_owned: tuple[str, ...] = ()
    hide_new_products: bool = False
    match_products_by: str = ""

    @property
    def preview_box(self) -> tuple[int, int] | None:
        """The box a preview fits in, or ``None`` when no previews are made."""
        if not self.generate_preview:
            return None
        return max(1, self.preview_width), max(1, self.preview_height)

    @property
    def detail_box(self) -> tuple[int, int] | None:
        """The box a stored picture fits in, or ``None`` when pictures are stored as sent."""
        if not self.resize_detail:
            return None
        return max(1, self.detail_width), max(1, self.detail_height)

    @classmethod
    def from_settings(cls, settings: ExchangeSettings, **overrides: Any) -> ImportOptions:
        """The options the shop owner's settings make (``overrides`` replace some)."""
        values: dict[str, Any] = {
            "use_checksums": settings.use_checksums,
            "missing_products": MissingAction(settings.missing_products),
            "missing_groups": MissingAction(settings.missing_groups),
            "slug_on_add": settings.slug_on_add,
            "slug_on_update": settings.slug_on_update,
            "slug_replace_char": settings.slug_replace_char or "_",
            "skip_root_group": settings.skip_root_group,
            "generate_preview": settings.generate_preview,
            "preview_width": settings.preview_width,
            "preview_height": settings.preview_height,
            "resize_detail": settings.resize_detail,
            "detail_width": settings.detail_width,
            "detail_height": settings.detail_height,
            "site_owned": tuple(
                name for name in SITE_FIELDS if getattr(settings, f"site_owns_{name}")
            ),
            "hide_new_products": settings.hide_new_products,
            "match_products_by": settings.match_products_by,
        }
        return cls(**(values | overrides))

    def to_json(self) -> dict[str, Any]:
        return {
            key: value.value if isinstance(value, enum.Enum) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportOptions:
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("missing_products", "missing_groups"):
            if key in values:
                values[key] = MissingAction(values[key])
        if "site_owned" in values:
            values["site_owned"] = tuple(values["site_owned"])
        return cls(**values)
