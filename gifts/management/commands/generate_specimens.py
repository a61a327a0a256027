import time

from django.core.management.base import BaseCommand, CommandError

from gifts.specimens import SpecimenGenerator, SpecimensExist, clear_specimens


class Command(BaseCommand):
    help = (
        "Add N synthetic gifts, with their own donors, occasions and countries, for scale work. "
        "They are flagged as specimens and numbered SPEC-<seed>-..., so they are never mistaken "
        "for the documented collection. The same seed gives the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=1000, help="How many gifts (default 1000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete all existing specimens first (never touches the documented collection).",
        )

    def handle(self, *args, count, seed, clear, **options):
        if count < 0:
            raise CommandError("--count must be zero or more.")
        started = time.monotonic()
        if clear:
            deleted = clear_specimens()
            self.stdout.write(
                "Deleted specimens: " + ", ".join(f"{n:,} {what}" for what, n in deleted.items())
            )
        if count == 0:
            return
        generator = SpecimenGenerator(count, seed, progress=lambda m: self.stdout.write(f"  {m}"))
        try:
            made = generator.run()
        except SpecimensExist as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {made['gifts']:,} specimen gifts from {made['donors']:,} donors, "
                f"{made['occasions']:,} occasions and {made['countries']} countries "
                f"in {elapsed:.1f} s."
            )
        )
