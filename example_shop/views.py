from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The storefront's front page (the catalog pages arrive with the example-shop issue)."""
    return render(request, "example_shop/home.html")
