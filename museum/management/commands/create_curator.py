import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a curator account (staff, in the Curator group) with a new random password, "
        "printed once. Run it again for the same name to set a new password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        try:
            group = Group.objects.get(name="Curator")
        except Group.DoesNotExist:
            raise CommandError(
                "The Curator group is missing: run `manage.py migrate` first."
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
        user.groups.add(group)
        action = "Created" if created else "Reset the password of"
        self.stdout.write(f"{action} curator '{username}'. Password (shown once): {password}")
