from django.core.management.base import BaseCommand

from exports.builder import build_waiting


class Command(BaseCommand):
    help = (
        "Prepares the exports waiting to be made (downloads too large for a request), then "
        "forgets old ones. Web workers start it by themselves; it is safe to run at any time "
        "(one runs at a time per machine)."
    )

    def handle(self, *args, **options):
        built = build_waiting()
        if built is None:
            self.stdout.write("Another builder is running; it will prepare the waiting exports.")
        elif options["verbosity"] > 0:
            self.stdout.write(f"Prepared {built} export(s).")
