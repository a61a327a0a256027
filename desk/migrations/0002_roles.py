"""
The three roles of the curators' desk, as groups with the least each needs (desk.workflow):

- Cataloguer: creates and edits drafts of gifts, donors, occasions, sources and exhibitions and
  submits them for review; views countries, showrooms, buildings and the reference lists.
  Cannot publish, unpublish or delete a record, nor import.
- Curator: a cataloguer's permissions, and reviews: publishes, unpublishes, sends back with a
  comment (gifts.publish_gift, exhibitions.publish_exhibition); keeps countries, showrooms,
  buildings and their facts. Cannot delete a record, nor import. The existing group (made by
  gifts/0002_curator_group) is brought to this set; its members stay.
- Registrar: everything on collection records: a curator's permissions, deletes and imports
  (gifts.import_records).

Leaders, categories and UN resolutions are reference lists: every role only views them.
Running it again gives the same groups (get_or_create, then the permission set replaced).
"""

from django.db import migrations

from desk.migrations import _roles

VIEW = ["view"]
EDIT = ["view", "add", "change"]
ALL = ["view", "add", "change", "delete"]

CATALOGUER = {
    "gifts": {
        "gift": EDIT,
        "giftimage": ALL,
        "citation": ALL,
        "occasion": EDIT,
        "source": EDIT,
        "category": VIEW,
        "leader": VIEW,
        "resolution": VIEW,
    },
    "donors": {"donor": EDIT, "country": VIEW},
    "exhibitions": {
        "building": VIEW,
        "fact": VIEW,
        "showroom": VIEW,
        "exhibition": EDIT,
        "exhibitionitem": ALL,
    },
    "desk": {"reviewnote": VIEW},
}

CURATOR = {
    **CATALOGUER,
    "donors": {"donor": EDIT, "country": EDIT},
    "exhibitions": {
        "building": ["view", "change"],
        "fact": ALL,
        "showroom": EDIT,
        "exhibition": EDIT,
        "exhibitionitem": ALL,
    },
}

REGISTRAR = {
    "gifts": {
        **CURATOR["gifts"],
        "gift": ALL,
        "occasion": ALL,
        "source": ALL,
    },
    "donors": {"donor": ALL, "country": ALL},
    "exhibitions": {
        "building": ALL,
        "fact": ALL,
        "showroom": ALL,
        "exhibition": ALL,
        "exhibitionitem": ALL,
    },
    "desk": {"reviewnote": VIEW},
}

PUBLISH = [("gifts", "publish_gift"), ("exhibitions", "publish_exhibition")]
IMPORT = [("gifts", "import_records")]

ROLES = {
    "Cataloguer": (CATALOGUER, []),
    "Curator": (CURATOR, PUBLISH),
    "Registrar": (REGISTRAR, PUBLISH + IMPORT),
}


def codenames(models, extra):
    model_perms = [
        (app_label, f"{action}_{model}")
        for app_label, by_model in models.items()
        for model, actions in by_model.items()
        for action in actions
    ]
    return model_perms + list(extra)


def create_roles(apps, schema_editor):
    if _roles.made_before_the_move(schema_editor, "0003_roles"):
        return  # the groups exist, perhaps changed since by the operator: leave them
    _roles.ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, (models, extra) in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in codenames(models, extra)
            ]
        )


def remove_roles(apps, schema_editor):
    if _roles.made_before_the_move(schema_editor, "0003_roles"):
        return  # the groups were not made here: going back to the earlier release keeps them
    # The Curator group stays (gifts/0002_curator_group made it); the new roles go.
    apps.get_model("auth", "Group").objects.filter(name__in=["Cataloguer", "Registrar"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("desk", "0001_initial"),
        ("gifts", "0002_curator_group"),
        ("gifts", "0007_review"),
        ("donors", "0002_history"),
        ("exhibitions", "0004_review"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
