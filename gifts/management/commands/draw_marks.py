from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from gifts import marks


def marks_folder():
    return Path(settings.BASE_DIR) / "static" / "img" / "marks"


class Command(BaseCommand):
    help = (
        "Write static/img/marks/<name>.svg, the categories' drawings, from gifts/marks.py. Run it "
        "after changing a mark and commit the files: the tests check they match."
    )

    def handle(self, *args, **options):
        folder = marks_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for name in marks.MARKS:
            (folder / f"{name}.svg").write_text(marks.svg(name), encoding="utf-8")
        stale = {path.stem for path in folder.glob("*.svg")} - set(marks.MARKS)
        for name in stale:
            (folder / f"{name}.svg").unlink()
        self.stdout.write(f"Wrote {len(marks.MARKS)} marks to {folder}; removed {len(stale)}.")
