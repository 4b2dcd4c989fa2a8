"""Attach the current home to each request: the one chosen in the session, else the first."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from accounts.selectors import homes_for

SESSION_KEY = "current_home_id"


def current_home(request):
    homes = homes_for(request.user)
    chosen = request.session.get(SESSION_KEY)
    home = homes.filter(pk=chosen).first() if chosen else None
    return home or homes.first()


class CurrentHomeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.home = SimpleLazyObject(lambda: current_home(request))
        return self.get_response(request)
