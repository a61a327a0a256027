"""
Every record a visitor reads is reviewed (desk.workflow, desk.revisions): the roles brought to
that rule.

- Cataloguer: now also adds and changes showrooms, buildings and facts, as drafts or as pending
  changes to published ones, like gifts, donors, occasions, sources and exhibitions; proposes
  changes (desk.pendingchange: add, change to withdraw their own, view).
- Curator and Registrar: the publish permission of every reviewed record (donors, occasions,
  sources, facts, showrooms, buildings, besides gifts and exhibitions) and the review of pending
  changes.

The model permissions of 0003_roles stay; this adds to them. Running it again gives the same
groups.
"""

from django.db import migrations

from desk.migrations import _roles

REVIEWED = {
    "gifts": ["gift", "occasion", "source"],
    "donors": ["donor"],
    "exhibitions": ["exhibition", "fact", "showroom", "building"],
}
CATALOGUER_EDITS = {"exhibitions": ["building", "fact", "showroom"]}
PENDING = ["view_pendingchange", "add_pendingchange", "change_pendingchange"]


def publish_permissions():
    return [
        (app_label, f"publish_{model}") for app_label, models in REVIEWED.items() for model in models
    ]


def grant(apps, schema_editor):
    if _roles.made_before_the_move(schema_editor, "0005_review_everything_roles"):
        return  # the groups have these permissions already
    _roles.ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def get(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    cataloguer = [
        get(app_label, f"{action}_{model}")
        for app_label, models in CATALOGUER_EDITS.items()
        for model in models
        for action in ("view", "add", "change")
    ] + [get("desk", codename) for codename in PENDING]
    reviewer = cataloguer + [get(*perm) for perm in publish_permissions()]
    for name, perms in (("Cataloguer", cataloguer), ("Curator", reviewer), ("Registrar", reviewer)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    if _roles.made_before_the_move(schema_editor, "0005_review_everything_roles"):
        return  # the groups had these before the move: going back keeps them
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    new = Permission.objects.filter(
        content_type__app_label="desk", codename__in=PENDING
    ) | Permission.objects.filter(
        codename__in=[codename for _, codename in publish_permissions()]
    ).exclude(codename__in=["publish_gift", "publish_exhibition"])
    for group in Group.objects.filter(name__in=["Cataloguer", "Curator", "Registrar"]):
        group.permissions.remove(*new)
    cataloguer = Group.objects.filter(name="Cataloguer").first()
    if cataloguer is not None:
        cataloguer.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="exhibitions",
                codename__in=[
                    f"{action}_{model}"
                    for model in CATALOGUER_EDITS["exhibitions"]
                    for action in ("add", "change")
                ],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_roles"),
        ("donors", "0004_donor_status"),
        ("gifts", "0009_review_everything"),
        ("exhibitions", "0005_review_everything"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
