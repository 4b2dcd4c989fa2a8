"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_validation_errors(
    form: forms.BaseForm, exc: ValidationError, *, return_unplaced: bool = False
) -> dict[str, list[str]]:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top.

    With ``return_unplaced`` the errors of fields the form does not have are returned instead
    (a caller with a formset places them itself).
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return {}
    unplaced: dict[str, list[str]] = {}
    for field, errors in exc.message_dict.items():
        if field in form.fields or field == "__all__":
            form.add_error(None if field == "__all__" else field, errors)
        elif return_unplaced:
            unplaced[field] = errors
        else:
            form.add_error(None, errors)
    return unplaced
