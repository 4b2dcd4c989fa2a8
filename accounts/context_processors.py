from __future__ import annotations

from accounts.selectors import homes_for


def homes(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    home = getattr(request, "home", None)
    return {"my_homes": homes_for(user), "current_home": home if home else None}
