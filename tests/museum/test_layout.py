"""
The house's rooms (README, "Layout"): museum/ is the project's configuration. The modules it still
holds until they move to rooms of their own are named here; the list may only shrink, so a new
idea is given a room rather than added to the project package.
"""

import re
from pathlib import Path

MUSEUM = Path(__file__).resolve().parents[2] / "museum"
CONFIGURATION = {"apps.py", "settings.py", "urls.py", "wsgi.py", "asgi.py"}
NOT_MOVED_YET = set()


def modules():
    return {
        path.relative_to(MUSEUM).as_posix()
        for path in MUSEUM.rglob("*.py")
        if "migrations" not in path.parts and path.name != "__init__.py"
    }


def test_the_project_package_gains_no_module_beyond_its_configuration():
    assert modules() - CONFIGURATION - NOT_MOVED_YET == set()


def test_the_list_of_modules_still_to_move_names_only_modules_that_are_there():
    assert NOT_MOVED_YET - modules() == set()


TEMPLATES = MUSEUM.parent / "templates"
# An internal link written as a path: href="/gifts/", action='/donors/' and the like.
WRITTEN_PATH = re.compile(r"""(?:href|action|src)=["']/""")
# The page of a server error shows whatever broke, the URL configuration or the static files'
# manifest included, so it links by fixed paths.
STANDS_ALONE = {"error.html"}


def test_every_internal_link_in_a_template_comes_from_url_or_get_absolute_url():
    written = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        if path.name not in STANDS_ALONE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if WRITTEN_PATH.search(line)
    ]
    assert written == []
