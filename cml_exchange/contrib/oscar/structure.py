"""Offers → Oscar's structure: a parent with a child per offer, or a stand-alone product.

A 1C product whose offers have characteristics (or that has more than one
offer) is a parent, with one child per offer; the others are stand-alone,
and their one offer is sold as the product itself. :func:`place` keeps that
true whenever a product or its offers change: a stand-alone product that gets
a second offer becomes a parent (its stock records go, a parent has none), a
parent left with one plain offer becomes stand-alone again.

``is_public`` follows 1C's ``active`` only when 1C changes it (the links
remember what 1C last said): a product the shop owner hid in Oscar, or has
yet to review, stays hidden through exchanges that do not change it in 1C.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.db import say_cut
from cml_exchange.contrib.oscar.models import OfferLink, PartnerLink, ProductLink
from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Offer, OfferCharacteristic
from cml_exchange.models import Product as AppProduct

OscarProduct: Any = get_model("catalogue", "Product")
StockRecord: Any = get_model("partner", "StockRecord")

STANDALONE, PARENT, CHILD = "standalone", "parent", "child"


@dataclass(frozen=True, slots=True)
class Target:
    """An Oscar product the adapter fills, and what fills it: a product, an offer, or both."""

    oscar: int
    product_class: int
    product: int | None
    offer: int | None


@dataclass
class Placement:
    """What :func:`place` did: the Oscar product of each offer and product it placed."""

    #: Offers now sold as another Oscar product than before: their stock records are due.
    relinked: set[int] = field(default_factory=set)
    #: Every Oscar product placed, with what fills it.
    targets: list[Target] = field(default_factory=list)


def place(
    context: AdapterContext, product_pks: Collection[int], *, dropping: Collection[int] = ()
) -> Placement:
    """Give the Oscar products of ``product_pks`` their structure, children and visibility.

    ``dropping`` are offers about to be deleted: they count as gone. A
    product without an Oscar product yet is left for ``save_products``.
    """
    placement = Placement()
    tops: dict[int, dict[str, Any]] = {
        row["product_id"]: dict(row)
        for row in ProductLink.objects.filter(product_id__in=product_pks).values(
            "product_id", "oscar_product_id", "public_1c"
        )
    }
    if not tops:
        return placement
    active = dict(AppProduct.objects.filter(pk__in=tops).values_list("pk", "active"))
    offers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for found in (
        Offer.objects.filter(product_id__in=tops)
        .exclude(pk__in=dropping)
        .annotate(characterised=Exists(OfferCharacteristic.objects.filter(offer_id=OuterRef("pk"))))
        .order_by("pk")
        .values("pk", "product_id", "name", "active", "characterised")
    ):
        full = found["name"] or ""
        offers[found["product_id"]].append({**found, "name": full[:255], "full_name": full})
    top_pks = [row["oscar_product_id"] for row in tops.values()]
    oscar = {
        row["pk"]: row
        for row in OscarProduct.objects.filter(Q(pk__in=top_pks) | Q(parent_id__in=top_pks)).values(
            "pk", "structure", "parent_id", "title", "slug", "is_public", "product_class_id"
        )
    }
    offer_pks = [offer["pk"] for rows in offers.values() for offer in rows]
    plan = _Plan(
        {
            row["offer_id"]: dict(row)
            for row in OfferLink.objects.filter(
                Q(offer_id__in=offer_pks) | Q(oscar_product_id__in=list(oscar))
            ).values("offer_id", "oscar_product_id", "public_1c")
        },
        oscar,
    )
    for product_pk, link in tops.items():
        row = oscar.get(link["oscar_product_id"])
        if row is None:
            continue
        its_offers = offers.get(product_pk, [])
        if len(its_offers) > 1 or any(o["characterised"] for o in its_offers):
            plan.as_parent(row, link, its_offers, active[product_pk])
        else:
            plan.as_standalone(row, link, its_offers, active[product_pk])
    plan.write(context)
    placement.relinked = plan.relinked
    for product_pk, link in tops.items():
        top = link["oscar_product_id"]
        if top not in oscar:
            continue
        its_class = oscar[top]["product_class_id"]
        its_offers = offers.get(product_pk, [])
        if plan.structure.get(top, oscar[top]["structure"]) == PARENT:
            placement.targets.append(Target(top, its_class, product_pk, None))
            for offer in its_offers:
                child = plan.sold_as.get(offer["pk"])
                if child is not None:
                    placement.targets.append(Target(child, its_class, None, offer["pk"]))
        else:
            offer_pk = its_offers[0]["pk"] if its_offers else None
            placement.targets.append(Target(top, its_class, product_pk, offer_pk))
    return placement


class _Plan:
    """The writes :func:`place` decides, product by product, done together by :meth:`write`."""

    def __init__(
        self, offer_links: dict[int, dict[str, Any]], oscar: dict[int, dict[str, Any]]
    ) -> None:
        self.offer_links = offer_links  # offer pk -> its link row
        self.oscar = oscar
        self.linked = {row["oscar_product_id"]: pk for pk, row in offer_links.items()}
        self.children_of: dict[int, list[int]] = defaultdict(list)
        for pk, row in oscar.items():
            if row["parent_id"] is not None:
                self.children_of[row["parent_id"]].append(pk)
        self.structure: dict[int, str] = {}
        self.public: dict[int, bool] = {}
        self.titles: dict[int, tuple[str, str]] = {}
        self.children: list[tuple[int, Any]] = []  # (offer pk, unsaved child)
        self.links: dict[int, tuple[int, bool]] = {}  # offer pk -> (Oscar pk, public_1c)
        self.unlink: set[int] = set()  # offer pks whose link goes
        self.delete: set[int] = set()  # Oscar pks (children) to delete
        self.strip: set[int] = set()  # Oscar pks whose stock records go
        self.product_flags: dict[int, bool] = {}  # Oscar pk of a top -> public_1c
        self.offer_flags: dict[int, bool] = {}  # offer pk -> public_1c
        self.relinked: set[int] = set()
        self.sold_as: dict[int, int] = {}  # offer pk -> Oscar pk, after the writes
        self.cut: list[str] = []  # offers' names longer than a title, written cut

    def follow_1c(
        self, oscar_pk: int, was: bool, now: bool, flags: dict[int, bool], key: int
    ) -> None:
        """``is_public`` follows 1C's ``active`` when 1C changed it since the last exchange."""
        if was != now:
            flags[key] = now
            if self.oscar[oscar_pk]["is_public"] != now:
                self.public[oscar_pk] = now

    def as_parent(
        self, row: dict[str, Any], link: dict[str, Any], offers: list[dict[str, Any]], active: bool
    ) -> None:
        top = row["pk"]
        if row["structure"] != PARENT:
            self.structure[top] = PARENT
            self.strip.add(top)  # a parent has no stock records
        self.follow_1c(top, link["public_1c"], active, self.product_flags, top)
        kept = set()
        for offer in offers:
            current = self.offer_links.get(offer["pk"])
            child = self.oscar.get(current["oscar_product_id"]) if current else None
            if current is not None and child is not None and child["parent_id"] == top:
                kept.add(child["pk"])
                self.sold_as[offer["pk"]] = child["pk"]
                was = current["public_1c"]
                self.follow_1c(child["pk"], was, offer["active"], self.offer_flags, offer["pk"])
                title = offer["name"]
                if (child["title"], child["slug"]) != (title, row["slug"]):
                    self.titles[child["pk"]] = (title, row["slug"])
                    if child["title"] != title:
                        self.cut.append(offer["full_name"])
                continue
            if current is not None:
                self.unlink.add(offer["pk"])
                self.drop_child(current["oscar_product_id"])
            child_row = OscarProduct(
                structure=CHILD,
                parent_id=top,
                title=offer["name"],
                slug=row["slug"],
                is_public=offer["active"],
            )
            self.children.append((offer["pk"], child_row))
            self.cut.append(offer["full_name"])
            self.relinked.add(offer["pk"])
        for pk in self.children_of[top]:
            if pk not in kept and pk in self.linked:
                self.delete.add(pk)  # a child of ours whose offer left the product

    def as_standalone(
        self, row: dict[str, Any], link: dict[str, Any], offers: list[dict[str, Any]], active: bool
    ) -> None:
        top = row["pk"]
        ours = [pk for pk in self.children_of[top] if pk in self.linked]
        self.delete.update(ours)
        theirs = any(pk not in self.linked for pk in self.children_of[top])
        if row["structure"] == PARENT and not theirs:
            self.structure[top] = STANDALONE
        offer = offers[0] if offers else None
        public = active and (offer is None or bool(offer["active"]))
        self.follow_1c(top, link["public_1c"], public, self.product_flags, top)
        if offer is None:
            if top in self.linked:  # its offer is gone: so are its stock records
                self.strip.add(top)
            return
        current = self.offer_links.get(offer["pk"])
        self.sold_as[offer["pk"]] = top
        if current is not None and current["oscar_product_id"] == top:
            return
        if current is not None:
            self.unlink.add(offer["pk"])
            self.drop_child(current["oscar_product_id"])
        previous = self.linked.get(top)
        if previous is not None and previous != offer["pk"]:
            self.unlink.add(previous)
            self.strip.add(top)
        self.links[offer["pk"]] = (top, offer["active"])
        self.relinked.add(offer["pk"])

    def drop_child(self, oscar_pk: int) -> None:
        """An offer moves off ``oscar_pk``: a child made for it goes (it may be another's)."""
        child = self.oscar.get(oscar_pk)
        if child is None:
            found = OscarProduct.objects.filter(pk=oscar_pk).values("structure").first()
            if found is not None and found["structure"] == CHILD:
                self.delete.add(oscar_pk)
        elif child["structure"] == CHILD:
            self.delete.add(oscar_pk)

    def write(self, context: AdapterContext) -> None:
        now = timezone.now()
        for name in self.cut:
            say_cut(context, name, 255, "Название предложения")
        if self.unlink:
            OfferLink.objects.filter(offer_id__in=self.unlink).delete()
        if self.strip:
            StockRecord.objects.filter(
                product_id__in=self.strip, partner_id__in=PartnerLink.objects.values("partner_id")
            ).delete()
        if self.delete:
            OscarProduct.objects.filter(pk__in=self.delete).delete()
        # A structure or visibility is one of two or three values: an UPDATE per value.
        for name, values in (("structure", self.structure), ("is_public", self.public)):
            for value in set(values.values()):
                pks = [pk for pk, its in values.items() if its == value]
                OscarProduct.objects.filter(pk__in=pks).update(**{name: value}, date_updated=now)
        renamed = []
        for pk, (title, slug) in self.titles.items():
            renamed.append(OscarProduct(pk=pk, title=title, slug=slug, date_updated=now))
        OscarProduct.objects.bulk_update(renamed, ["title", "slug", "date_updated"])
        OscarProduct.objects.bulk_create([child for _, child in self.children])
        for offer_pk, child in self.children:
            self.links[offer_pk] = (child.pk, child.is_public)
            self.sold_as[offer_pk] = child.pk
        sql.insert(
            OfferLink,
            [
                {"offer_id": offer, "oscar_product_id": oscar_pk, "public_1c": public}
                for offer, (oscar_pk, public) in sorted(self.links.items())
            ],
        )
        _set_flags(ProductLink, "oscar_product_id", self.product_flags)
        _set_flags(OfferLink, "offer_id", self.offer_flags)
        context.count("oscar_children_created", len(self.children))
        context.count("oscar_children_deleted", len(self.delete))
        context.count("oscar_products_restructured", len(self.structure))
        context.count("oscar_products_shown", sum(self.public.values()))
        context.count("oscar_products_hidden", sum(not v for v in self.public.values()))


def _set_flags(model: Any, key: str, flags: dict[int, bool]) -> None:
    """Store what 1C said of each row: two ``UPDATE``s, one per value."""
    for value in (True, False):
        keys = [pk for pk, flag in flags.items() if flag is value]
        if keys:
            model.objects.filter(**{f"{key}__in": keys}).update(public_1c=value)
