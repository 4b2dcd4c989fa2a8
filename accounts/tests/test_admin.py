"""The admin for users, homes and memberships: lists, search, filters and inlines work."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="x-long-admin-pass")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["user", "home", "membership", "invitation"])
def test_admin_changelist_add_and_search(admin_client_, home, model):
    url = reverse(f"admin:accounts_{model}_changelist")
    assert admin_client_.get(url).status_code == 200
    assert admin_client_.get(url, {"q": "Home A"}).status_code == 200
    assert admin_client_.get(reverse(f"admin:accounts_{model}_add")).status_code == 200


def test_admin_home_page_shows_member_inline(admin_client_, home):
    response = admin_client_.get(reverse("admin:accounts_home_change", args=[home.pk]))
    assert response.status_code == 200
    assert b"owner@example.com" in response.content


def test_non_staff_cannot_open_admin(owner_client):
    response = owner_client.get(reverse("admin:index"))
    assert response.status_code == 302
