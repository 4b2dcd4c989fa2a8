from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EnergyHomeConfig(AppConfig):
    """The project package as an app (templates tags, management commands, checks)."""

    default = True
    name = "energyhome"


class EnergyHomeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with EnergyHome's site (managers scoped to their homes)."""

    default = False
    default_site = "energyhome.admin_site.EnergyHomeAdminSite"
