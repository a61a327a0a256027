import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from desk.workflow import ROLES


class Command(BaseCommand):
    help = (
        "Create a curator account (staff, in the Curator group, or --role cataloguer or "
        "registrar) with a new random password, printed once. Run it again for the same name to "
        "set a new password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--role",
            choices=["cataloguer", "curator", "registrar"],
            default="curator",
            help="The account's group (desk.workflow): curator unless said otherwise.",
        )

    def handle(self, *args, username, email, role="curator", **options):
        try:
            group = Group.objects.get(name=role.capitalize())
        except Group.DoesNotExist:
            raise CommandError(
                f"The {role.capitalize()} group is missing: run `manage.py migrate` first."
            ) from None
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if user.is_superuser:
            raise CommandError(f"'{username}' is an administrator account; choose another name.")
        password = secrets.token_urlsafe(12)
        user.is_staff = True
        user.set_password(password)
        user.save()
        # One role at a time: another role's group is left.
        user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(pk=group.pk))
        user.groups.add(group)
        action = "Created" if created else "Reset the password of"
        self.stdout.write(f"{action} {role} '{username}'. Password (shown once): {password}")
