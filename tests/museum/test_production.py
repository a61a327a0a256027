"""
The production configuration as an operator starts it (DJANGO_ENV=production), in a separate
process so that the real settings module decides everything: required variables, the deploy
checks, security headers scored by the MDN HTTP Observatory's rules, cookies, static files.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests import observatory

ROOT = Path(__file__).resolve().parents[2]
HOST = "museum.example.org"

PROBE = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
get_user_model().objects.create_user("registrar", password="a long passphrase 1", is_staff=True)
https = {"HTTP_HOST": "museum.example.org", "HTTP_X_FORWARDED_PROTO": "https"}
client = Client()
pages = {}
for path in ["/", "/gifts/", "/gifts/IFE-0001/", "/admin/login/", "/no-such-page/"]:
    response = client.get(path, **https)
    plain = Client().get(path, HTTP_HOST="museum.example.org")
    pages[path] = {
        "status": response.status_code,
        "headers": {k.lower(): v for k, v in response.headers.items()},
        "cookies": [m.output(header="").strip() for m in response.cookies.values()],
        "body": response.content.decode(),
        "http_status": plain.status_code,
        "http_location": plain.headers.get("Location", ""),
    }
signed_in = Client().post(
    "/admin/login/?next=/admin/",
    {"username": "registrar", "password": "a long passphrase 1"},
    **https,
)
print("RESULT" + json.dumps({
    "pages": pages,
    "sign_in": {
        "status": signed_in.status_code,
        "cookies": [m.output(header="").strip() for m in signed_in.cookies.values()],
    },
}))
"""


def production_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A production deployment's release steps, then the pages it serves."""
    folder = tmp_path_factory.mktemp("production")
    env = production_env(folder)
    for step in (["migrate", "--noinput"], ["import_collection"], ["collectstatic", "--noinput"]):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "museum.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout.split("RESULT", 1)[1])
    result["static_root"] = folder / "static"
    return result


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_will_not_start_without_its_required_settings(tmp_path, missing):
    done = manage(production_env(tmp_path, **{missing: None}), "check")
    assert done.returncode != 0
    assert f"Set the {missing} environment variable" in done.stderr


def test_deploy_checks_pass_with_no_warnings(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    "path", ["/", "/gifts/", "/gifts/IFE-0001/", "/admin/login/", "/no-such-page/"]
)
def test_security_headers_score_a_plus_on_the_mdn_observatory_rules(deployment, path):
    page = deployment["pages"][path]
    assert page["status"] == (404 if path == "/no-such-page/" else 200)
    redirects = page["http_status"] == 301 and page["http_location"].startswith(f"https://{HOST}/")
    score, results = observatory.score(
        page["headers"], page["cookies"], page["body"], HOST, redirects
    )
    assert score >= 100, results
    headers = page["headers"]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_the_observatory_rules_fail_a_site_without_the_headers():
    score, _ = observatory.score(
        {"content-type": "text/html"}, ["sessionid=x; Path=/"], "<p>hi</p>", HOST, False
    )
    assert score < 50


def test_production_cookies_are_host_only_secure_and_same_site(deployment):
    login_page_cookies = deployment["pages"]["/admin/login/"]["cookies"]
    assert any(c.startswith("__Host-csrftoken=") for c in login_page_cookies)
    assert deployment["sign_in"]["status"] == 302
    cookies = deployment["sign_in"]["cookies"]
    session = next(c for c in cookies if c.startswith("__Host-sessionid="))
    for cookie in [session, *login_page_cookies]:
        assert "Secure" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie
    assert "HttpOnly" in session


def test_public_pages_set_no_cookies(deployment):
    for path in ["/", "/gifts/", "/gifts/IFE-0001/"]:
        assert deployment["pages"][path]["cookies"] == []


def test_static_files_are_hashed_and_compressed_with_gzip_and_brotli(deployment):
    manifest = json.loads((deployment["static_root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css"
    for suffix in ("", ".gz", ".br"):
        assert (deployment["static_root"] / (hashed + suffix)).exists()
    assert f"/static/{hashed}" in deployment["pages"]["/"]["body"]


def test_collectstatic_points_the_font_faces_at_the_hashed_fonts(deployment):
    """The manifest storage rewrites fonts.css's relative url()s to the hashed font files (so
    they can be cached for a year) and each of those files was written."""
    static_root = deployment["static_root"]
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    fonts_css = static_root / manifest["paths"]["css/fonts.css"]
    urls = re.findall(r'url\("([^"]+)"\)', fonts_css.read_text())
    assert len(urls) > 10
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.woff2$", url), url
        assert (fonts_css.parent / url).resolve().is_file(), url
    assert f"/static/{manifest['paths']['css/fonts.css']}" in deployment["pages"]["/"]["body"]


def test_s3_media_storage_is_chosen_by_the_environment(tmp_path):
    env = production_env(tmp_path, MEDIA_STORAGE="s3", MEDIA_BUCKET="museum-media")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.files.storage import storages; "
            "s = storages['default']; print(type(s).__name__, s.bucket_name)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "museum.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["S3Storage", "museum-media"], done.stderr
    missing = manage(production_env(tmp_path, MEDIA_STORAGE="s3"), "check")
    assert "Set the MEDIA_BUCKET environment variable" in missing.stderr
