"""What the SAML stand-ins (saml_sp.py, saml_idp_standin.py) share: time,
the events log, bounded bodies, safe XML parsing and xmlsec1 runs."""

import datetime
import http.cookies
import json
import os
import subprocess  # nosec: xmlsec1 with fixed arguments, no shell
import tempfile
import threading

from defusedxml import ElementTree

MAX_BODY = 1 << 20
XMLSEC1_TIMEOUT = 30


def now():
    """UTC now, naive (SAML times are UTC)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class EventLog:
    """JSON lines of what a stand-in did, for the tests; never secrets."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def event(self, kind, **fields):
        if not self.path:
            return
        fields.update(time=now().isoformat() + "Z", event=kind)
        with self.lock, open(self.path, "a") as f:
            f.write(json.dumps(fields, sort_keys=True) + "\n")

    def request(self, environ):
        """Which headers and cookies reached the stand-in (names only)."""
        headers = sorted(k[5:].replace("_", "-").lower() for k in environ if k.startswith("HTTP_"))
        jar = http.cookies.SimpleCookie()
        try:
            jar.load(environ.get("HTTP_COOKIE", "")[:8192])
        except http.cookies.CookieError:
            pass
        self.event("request", path=environ.get("PATH_INFO"), headers=headers, cookies=sorted(jar))


def read_body(environ):
    """The request body, or None when its length is missing, bad or over MAX_BODY."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > MAX_BODY:
        return None
    return environ["wsgi.input"].read(length)


def parse_xml(raw):
    """The root element, or None when raw is not well-formed XML (DTDs and
    entity expansion refused)."""
    try:
        return ElementTree.fromstring(raw, forbid_dtd=True)
    except Exception:  # noqa: BLE001 (defusedxml and expat raise several kinds)
        return None


def xmlsec1(binary, args, document):
    """Runs xmlsec1 ARGS FILE on the document (bytes) written to a private
    temporary file (xmlsec1 does not read stdin); returns the process."""
    fd, path = tempfile.mkstemp(prefix="ksa-saml-", suffix=".xml")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(document)
        return subprocess.run(  # nosec: fixed arguments, no shell
            [binary, *args, path],
            capture_output=True,
            timeout=XMLSEC1_TIMEOUT,
            check=False,
        )
    finally:
        os.unlink(path)
