"""Shared by the roles migrations: make sure every permission exists before groups get them."""

from django.contrib.auth.management import create_permissions


def ensure_permissions(apps):
    # Permissions are normally created after all migrations ran.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
