from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("homes/new/", views.home_create, name="home-create"),
    path("homes/switch/", views.home_switch, name="home-switch"),
    path("homes/<int:home_id>/settings/", views.home_settings, name="home-settings"),
    path("homes/<int:home_id>/members/", views.home_members, name="home-members"),
    path("homes/<int:home_id>/members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path(
        "homes/<int:home_id>/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("profile/", views.profile, name="profile"),
]
