"""Pages reached from the navigation, which knows the current home but not its id."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


def current_home_redirect(url_name: str, doc: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view that sends the user to ``url_name`` for their current home (404 without a home)."""

    @login_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        if not request.home:
            raise Http404("No home yet")
        return redirect(url_name, home_id=request.home.pk)

    view.__doc__ = doc
    return view
