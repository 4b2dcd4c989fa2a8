"""Browser journey: a property manager signs in to the admin, filters homes, assigns a tariff to two
homes with a bulk action, and exports the portfolio CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_dashboard import run_in_site, site  # noqa: F401 (the shared daphne fixture)

pytestmark = pytest.mark.e2e

MANAGER, PASSWORD = "pm-e2e@example.com", "pm-e2e-password-42"

SEED = f"""
from datetime import date
from decimal import Decimal
from accounts.models import Membership, Role, User
from accounts.services import create_home
from analytics.models import Tariff
from analytics.services import save_tariff

pm = User.objects.create_user(email={MANAGER!r}, password={PASSWORD!r}, full_name="Pat Manager")
for n, name in enumerate(["Riverside 1", "Riverside 2", "Hilltop 3"]):
    owner = User.objects.create_user(email=f"tenant{{n}}@example.com", password="x-password-42")
    home = create_home(owner=owner, name=name, time_zone="Europe/Berlin", currency="EUR")
    Membership.objects.create(user=pm, home=home, role=Role.MANAGER)
    if n == 2:
        save_tariff(home=home, name="Standard flat", kind=Tariff.Kind.FLAT, effective_from=date(2026, 1, 1),
                    import_price_per_kwh=Decimal("0.31"), export_kind=Tariff.ExportKind.FLAT,
                    export_price_per_kwh=Decimal("0.07"), standing_charge_per_day=Decimal("0.40"))
print("ok")
"""


def test_manager_assigns_a_tariff_to_two_homes_and_exports_csv(site, page, shot):  # noqa: F811
    run_in_site(site, SEED)
    page.goto(f"{site['url']}/admin/login/")
    page.fill("input[name=username]", MANAGER)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    shot("admin-00-after-login")
    page.wait_for_selector("text=Open the portfolio")
    shot("admin-01-index")
    assert "Device types" not in page.content()

    page.click("text=Open the portfolio")
    page.wait_for_selector("#portfolio")
    assert page.locator("#portfolio tbody tr").count() == 3
    assert "Test Flat" not in page.content()  # the e2e owner's home is not this manager's
    shot("admin-02-portfolio")

    page.goto(f"{site['url']}/admin/accounts/home/?q=Riverside")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    page.check("#action-toggle")
    page.select_option("select[name=action]", "assign_tariff")
    page.click("button[name=index]")
    page.wait_for_selector("text=Assign a tariff")
    page.select_option("select[name=tariff]", label="Standard flat (Hilltop 3, from 01 Jan 2026)")
    page.fill("input[name=effective_from]", "2026-11-01")
    shot("admin-03-assign-tariff")
    page.click("input[type=submit][value^='Assign']")
    page.wait_for_selector("text=Tariff assigned to 2 home(s)")
    shot("admin-04-assigned")
    printed = run_in_site(
        site,
        "from analytics.models import Tariff; "
        "print(sorted(Tariff.objects.filter(name='Standard flat').values_list('home__name', flat=True)))",
    )
    assert "Riverside 1" in printed and "Riverside 2" in printed

    page.goto(f"{site['url']}/admin/portfolio/")
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    path = download_info.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("home_id,home,this_month_kwh")
    assert {"Riverside 1", "Riverside 2", "Hilltop 3"} <= {line.split(",")[1] for line in text.splitlines()[1:]}
