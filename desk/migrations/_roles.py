"""Shared by the roles migrations: make sure every permission exists before groups get them."""

from django.contrib.auth.management import create_permissions
from django.db.migrations.recorder import MigrationRecorder


def ensure_permissions(apps):
    # Permissions are normally created after all migrations ran.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def made_before_the_move(schema_editor, name):
    """
    Whether the project package's app ("museum") already ran this roles migration, before the
    desk had its own room: then the groups exist as the operator keeps them and are not redone.
    """
    recorder = MigrationRecorder(schema_editor.connection)
    return recorder.migration_qs.filter(app="museum", name=name).exists()
