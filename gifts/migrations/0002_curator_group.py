"""
The Curator group: catalogues gifts, donors, occasions, sources, showrooms and exhibitions.
Curators cannot delete curated records (a registrar or an administrator does), and only view
the reference lists (leaders, categories, UN resolutions).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATOR_PERMISSIONS = {
    "gifts": {
        "gift": ["view", "add", "change"],
        "giftimage": ["view", "add", "change", "delete"],
        "citation": ["view", "add", "change", "delete"],
        "occasion": ["view", "add", "change"],
        "source": ["view", "add", "change"],
        "category": ["view"],
        "leader": ["view"],
        "resolution": ["view"],
    },
    "donors": {
        "donor": ["view", "add", "change"],
        "country": ["view", "add", "change"],
    },
    "exhibitions": {
        "building": ["view", "change"],
        "fact": ["view", "add", "change", "delete"],
        "showroom": ["view", "add", "change"],
        "exhibition": ["view", "add", "change"],
        "exhibitionitem": ["view", "add", "change", "delete"],
    },
}


def create_curator_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curator")
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in CURATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in codenames
    ]
    group.permissions.set(permissions)


def remove_curator_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Curator").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("gifts", "0001_initial"),
        ("donors", "0001_initial"),
        ("exhibitions", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_curator_group, remove_curator_group)]
