"""A user for 1C, made from the settings page, as step 7 of 1C-Bitrix's shop wizard does.

The user may log in to the exchange and nothing else: not staff, a member of
the group the settings allow for both the catalog and the orders.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import ExchangeSettings

#: 1C-Bitrix's minimums for the exchange user.
MIN_LOGIN_LENGTH = 3
MIN_PASSWORD_LENGTH = 6


def exchange_group(settings: ExchangeSettings) -> Group:
    """The group the settings allow for both exchanges, or a new one allowed for both.

    Found by what the settings allow, not by its name: the name is in the
    language of the day it was made.
    """
    both = settings.catalog_groups.filter(pk__in=settings.sale_groups.values("pk"))
    group = both.order_by("pk").first()
    if group is None:
        name = gettext("1C exchange")
        group = Group.objects.filter(name=name).first() or Group.objects.create(name=name)
        settings.catalog_groups.add(group)
        settings.sale_groups.add(group)
    return group


class ExchangeUserForm(forms.Form):
    """Login (3+ characters), e-mail, and a password (6+) typed twice."""

    username = forms.CharField(
        label=_("login"),
        min_length=MIN_LOGIN_LENGTH,
        max_length=150,
        help_text=_("At least 3 characters. 1C sends it with every exchange."),
    )
    email = forms.EmailField(label=_("email"))
    password1 = forms.CharField(
        label=_("password"),
        min_length=MIN_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 6 characters."),
    )
    password2 = forms.CharField(
        label=_("password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        user_model = get_user_model()
        lookup = {f"{user_model.USERNAME_FIELD}__iexact": username}
        if user_model._default_manager.filter(**lookup).exists():
            raise forms.ValidationError(_("A user with this login already exists."))
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user_model = get_user_model()
            candidate = user_model(
                **{user_model.USERNAME_FIELD: cleaned.get("username", "")},
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    @transaction.atomic
    def save(self, settings: ExchangeSettings) -> AbstractBaseUser:
        """Create the user, put it into the exchange group, and allow that group both exchanges."""
        user_model = get_user_model()
        user = user_model._default_manager.create_user(
            self.cleaned_data["username"],
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
        )
        user.groups.add(exchange_group(settings))
        return user
