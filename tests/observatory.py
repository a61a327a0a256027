"""
The MDN HTTP Observatory's scoring rules (developer.mozilla.org/en-US/observatory/docs/
tests_and_scoring), applied to one response: the header tests that do not need the network.
Start at 100, take off the penalties, and add the bonuses only if the result is 90 or more.
A+ is 100 and above.
"""

import re
from http.cookies import SimpleCookie

PRIVATE_REFERRER = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
UNSAFE_REFERRER = {"origin", "origin-when-cross-origin", "unsafe-url"}
SIX_MONTHS = 15_768_000


def parse_csp(header):
    policy = {}
    for part in header.split(";"):
        words = part.strip().split()
        if words:
            policy.setdefault(words[0].lower(), words[1:])
    return policy


def csp_modifier(header):
    if not header:
        return -25, "csp-not-implemented"
    policy = parse_csp(header)
    default = policy.get("default-src")
    script = policy.get("script-src", default)
    objects = policy.get("object-src", default)
    style = policy.get("style-src", default)
    broad = {"*", "http:", "https:", "data:"}
    if script is None or objects is None:
        return -20, "csp-implemented-with-unsafe-inline (script-src or object-src unrestricted)"
    has_nonce = any(s.startswith(("'nonce-", "'sha")) for s in script)
    if (
        ("'unsafe-inline'" in script and not has_nonce)
        or broad & set(script)
        or broad & set(objects)
    ):
        return -20, "csp-implemented-with-unsafe-inline"
    if "'unsafe-eval'" in script:
        return -10, "csp-implemented-with-unsafe-eval"
    if any(s.startswith("http:") for values in policy.values() for s in values):
        return -20, "csp-implemented-with-insecure-scheme"
    if style and ("'unsafe-inline'" in style or broad & set(style)):
        return 0, "csp-implemented-with-unsafe-inline-in-style-src-only"
    if default == ["'none'"]:
        return 10, "csp-implemented-with-no-unsafe-default-src-none"
    return 5, "csp-implemented-with-no-unsafe"


def cookie_modifier(set_cookie_headers):
    if not set_cookie_headers:
        return 0, "cookies-not-found"
    cookies = []
    for header in set_cookie_headers:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            cookies.append((name, morsel))
    worst = (5, "cookies-secure-with-httponly-sessions-and-samesite")
    for name, morsel in cookies:
        session = "session" in name.lower()
        samesite = (morsel["samesite"] or "").lower()
        if not morsel["secure"]:
            return (
                (-40, "cookies-session-without-secure-flag")
                if session
                else (
                    -20,
                    "cookies-without-secure-flag",
                )
            )
        if session and not morsel["httponly"]:
            return -30, "cookies-session-without-httponly-flag"
        if samesite and samesite not in ("strict", "lax"):
            return -20, "cookies-samesite-flag-invalid"
        if "csrf" in name.lower() and not samesite:
            return -20, "cookies-anticsrf-without-samesite-flag"
        if not samesite:
            worst = (0, "cookies-secure-with-httponly-sessions")
    return worst


def hsts_modifier(header):
    match = re.search(r"max-age=(\d+)", header or "")
    if not match:
        return -20, "hsts-not-implemented"
    if int(match[1]) < SIX_MONTHS:
        return -10, "hsts-implemented-max-age-less-than-six-months"
    return 0, "hsts-implemented-max-age-at-least-six-months"


def referrer_modifier(header):
    values = {v.strip().lower() for v in (header or "").split(",") if v.strip()}
    if not values:
        return 0, "referrer-policy-not-implemented"
    if values & UNSAFE_REFERRER:
        return -5, "referrer-policy-unsafe"
    if values <= PRIVATE_REFERRER:
        return 5, "referrer-policy-private"
    return -5, "referrer-policy-header-invalid"


def frame_modifier(xfo, csp):
    if "frame-ancestors" in parse_csp(csp or ""):
        return 5, "x-frame-options-implemented-via-csp"
    if (xfo or "").upper() in ("DENY", "SAMEORIGIN"):
        return 0, "x-frame-options-sameorigin-or-deny"
    return -20, "x-frame-options-not-implemented"


def sri_modifier(content_type, body, host):
    if "html" not in content_type:
        return 0, "sri-not-implemented-response-not-html"
    external = []
    for tag in re.findall(r"<script\b[^>]*>", body, re.I):
        src = re.search(r'\bsrc="([^"]+)"', tag)
        if src and re.match(r"^(https?:)?//", src[1]) and f"//{host}/" not in src[1]:
            external.append((src[1], "integrity=" in tag))
    if not external:
        return 0, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
    if any(url.startswith("http:") for url, _ in external):
        return -50, "sri-not-implemented-and-external-scripts-not-loaded-securely"
    if all(has for _, has in external):
        return 5, "sri-implemented-and-external-scripts-loaded-securely"
    return -5, "sri-not-implemented-but-external-scripts-loaded-securely"


def score(headers, set_cookies, body, host, redirects_to_https):
    """(score, [(modifier, result)]) for one response. `headers` maps lower-case names."""
    csp = headers.get("content-security-policy", "")
    results = [
        csp_modifier(csp),
        cookie_modifier(set_cookies),
        hsts_modifier(headers.get("strict-transport-security")),
        (0, "redirection-to-https") if redirects_to_https else (-20, "redirection-missing"),
        referrer_modifier(headers.get("referrer-policy")),
        sri_modifier(headers.get("content-type", ""), body, host),
        (0, "x-content-type-options-nosniff")
        if headers.get("x-content-type-options", "").lower() == "nosniff"
        else (-5, "x-content-type-options-not-implemented"),
        frame_modifier(headers.get("x-frame-options"), csp),
        (-50, "cross-origin-resource-sharing-implemented-with-universal-access")
        if headers.get("access-control-allow-origin") == "*"
        and headers.get("access-control-allow-credentials") == "true"
        else (0, "cross-origin-resource-sharing-not-implemented"),
        (-20, "corp-implemented-with-cross-origin")
        if headers.get("cross-origin-resource-policy") == "cross-origin"
        else (0, "corp-not-cross-origin"),
    ]
    total = 100 + sum(m for m, _ in results if m < 0)
    if total >= 90:
        total += sum(m for m, _ in results if m > 0)
    return total, results
