"""The device admin: pages render, keys are never shown in plain text, managers see their homes only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role
from devices.models import DeviceKey
from devices.tests.factories import register


@pytest.fixture
def admin_client_(make_user):
    user = make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["devicetype", "device", "devicekey"])
def test_changelists_render(admin_client_, home, model):
    register(home)

    assert admin_client_.get(reverse(f"admin:devices_{model}_changelist")).status_code == 200


def test_key_pages_never_show_the_plain_key(admin_client_, home):
    registered = register(home)

    changelist = admin_client_.get(reverse("admin:devices_devicekey_changelist"), {"q": registered.key.prefix})
    change = admin_client_.get(reverse("admin:devices_devicekey_change", args=[registered.key.pk]))

    assert registered.key.prefix in changelist.content.decode()
    for response in (changelist, change):
        assert response.status_code == 200
        assert registered.plain_key not in response.content.decode()


def test_keys_cannot_be_added_in_the_admin(admin_client_):
    assert admin_client_.get(reverse("admin:devices_devicekey_add")).status_code == 403


def test_revoke_action_revokes_keys(admin_client_, home):
    key = register(home).key

    admin_client_.post(
        reverse("admin:devices_devicekey_changelist"),
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )

    assert DeviceKey.objects.get(pk=key.pk).revoked_at is not None


def test_staff_manager_sees_only_devices_of_homes_they_manage(make_user, home, other_home):
    from django.contrib.auth.models import Permission

    manager = make_user("pm@example.com", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="devices"))
    Membership.objects.create(user=manager, home=home, role=Role.MANAGER)
    mine = register(home, name="Managed plug").device
    theirs = register(other_home, name="Foreign plug").device
    client = Client()
    client.force_login(manager)

    page = client.get(reverse("admin:devices_device_changelist")).content.decode()

    assert mine.name in page
    assert theirs.name not in page
    # Another home's device answers exactly like a missing one.
    assert client.get(reverse("admin:devices_device_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:devices_device_change", args=[999999])).status_code == 404
