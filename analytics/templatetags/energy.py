"""Template filters for energy figures: {{ value_wh|kwh }} → "1.23 kWh"."""

from __future__ import annotations

from django import template

from analytics.selectors import format_energy

register = template.Library()


@register.filter
def kwh(energy_wh: float | None) -> str:
    return format_energy(energy_wh)
