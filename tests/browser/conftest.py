"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's
live_server.

Run them with `python -m pytest -m browser tests/browser`. They are skipped when Chromium is not
at /usr/bin/chromium (Playwright's own browser download is not used).
"""

import importlib
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

# Playwright's sync API runs an event loop; Django refuses ORM calls from inside one otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE_DIR = Path(os.environ.get("AXE_CACHE_DIR", Path.home() / ".cache" / "friendship-gifts-axe"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end tests in Chromium (Playwright)")


@pytest.fixture
def roles(transactional_db):
    """The groups the migrations make (Cataloguer, Curator, Registrar), made again if need be:
    the flush after a transactional test empties every table, theirs too."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    if not Group.objects.filter(name="Registrar").exists():
        # The migration's own function, with the historical models it was written for.
        roles_migration = importlib.import_module("desk.migrations.0002_roles")
        editor = SimpleNamespace(connection=connection)  # all the migration asks of its editor
        roles_migration.create_roles(MigrationLoader(connection).project_state().apps, editor)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page(size="desktop", js=True, dark=False): a page in a fresh context (dark: the
    system asks for dark mode), closed after the test.

    bypass_csp=True lets a test inject a script of its own (axe-core): the site's
    Content-Security-Policy rightly refuses inline scripts without a nonce.
    """
    contexts = []

    def make(size="desktop", js=True, bypass_csp=False, dark=False):
        context = browser.new_context(
            viewport=SIZES[size],
            java_script_enabled=js,
            bypass_csp=bypass_csp,
            color_scheme="dark" if dark else "light",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_script():
    """axe.min.js, installed with npm into a cache folder the first time."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is needed to install axe-core")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script


def screenshot(page, name, size):
    """Saves docs/screenshots/<name>-<size>.png (the first screenful, as a visitor sees it)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The top of the page (a click may have scrolled it): screenshots are taken with JS on.
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    page.wait_for_function("window.scrollY === 0")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=False)
