"""HTTP Negotiate (SPNEGO, RFC 4559) in front of the test Keystone, as
mod_auth_gssapi is in front of a real one: the Kerberos tests' server side.

keystone_wsgi.py wraps Keystone with it when scripts/keystone starts the
main server with a keytab (KRB5_KTNAME, from scripts/kdc). It really
verifies the client's token with the `gssapi` package (MIT Kerberos) and
the keytab of HTTP/localhost, on two kinds of path only:

- POST /v3/auth/tokens (Keystone's `kerberos` method, v3kerberos): a
  request with `Authorization: Negotiate <token>` is verified; one without
  it goes on to Keystone untouched (password and token requests share the
  path), where the `kerberos` method refuses it for want of AUTH_TYPE;
- the federated auth URLs listed in KSA_SPNEGO_FEDERATED_PATHS (v3fedkerb):
  Negotiate is required.

A token that verifies sets REMOTE_USER to the client principal without its
realm, AUTH_TYPE to Negotiate and the environment key named by
KSA_SPNEGO_REALM_ATTR to the realm (the federation protocol's remote id
attribute), and the answer carries the acceptor's mutual authentication
token in `WWW-Authenticate: Negotiate <token>`. A missing or bad token on
a required path, or a bad one anywhere, is answered 401 with a bare
`WWW-Authenticate: Negotiate`.
"""

import base64
import binascii
import json
import os

import gssapi

TOKEN_PATH = "/v3/auth/tokens"
# A token longer than this is refused unread (mod_auth_gssapi's headers are
# bounded by Apache's LimitRequestFieldSize, 8 KiB by default).
MAX_HEADER = 64 * 1024


def _challenge(start_response, detail):
    body = json.dumps(
        {"error": {"code": 401, "title": "Unauthorized", "message": "Negotiate: " + detail}}
    ).encode()
    start_response(
        "401 Unauthorized",
        [
            ("WWW-Authenticate", "Negotiate"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


class Spnego:
    def __init__(self, app, federated_paths, realm_attr):
        self.app = app
        self.federated = {p.rstrip("/") for p in federated_paths if p}
        self.realm_attr = realm_attr
        # The acceptor credentials: every key of the keytab (KRB5_KTNAME).
        self.creds = gssapi.Credentials(usage="accept")

    def _mode(self, environ):
        path = environ.get("PATH_INFO", "").rstrip("/")
        if path in self.federated:
            return "required"
        if path == TOKEN_PATH and environ.get("REQUEST_METHOD") == "POST":
            return "optional"
        return None

    def __call__(self, environ, start_response):
        mode = self._mode(environ)
        if mode is None:
            return self.app(environ, start_response)
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "negotiate":
            if mode == "optional":
                return self.app(environ, start_response)
            return _challenge(start_response, "no Negotiate token")
        if len(value) > MAX_HEADER:
            return _challenge(start_response, "token too long")
        try:
            token = base64.b64decode(value.strip(), validate=True)
            context = gssapi.SecurityContext(creds=self.creds, usage="accept")
            out = context.step(token)
            # gssapi keeps an error of SPNEGO's step (which still gives a
            # reject token) and raises it here.
            complete = context.complete
            principal = str(context.initiator_name) if complete else ""
        except (binascii.Error, ValueError, gssapi.exceptions.GSSError) as e:
            return _challenge(start_response, "the token does not verify (%s)" % e)
        if not complete:
            # Kerberos through SPNEGO completes in one leg; nothing else is served.
            return _challenge(start_response, "the security context needs more than one leg")
        user, _, realm = principal.rpartition("@")
        environ["REMOTE_USER"] = user
        environ["AUTH_TYPE"] = "Negotiate"
        if self.realm_attr:
            environ[self.realm_attr] = realm
        # Consumed here, as mod_auth_gssapi's is: Keystone never sees it.
        environ.pop("HTTP_AUTHORIZATION", None)
        mutual = "Negotiate " + base64.b64encode(out).decode() if out else None

        def respond(status, headers, exc_info=None):
            if mutual:
                headers = list(headers) + [("WWW-Authenticate", mutual)]
            return start_response(status, headers, exc_info)

        return self.app(environ, respond)


def wrap(app):
    """Keystone behind SPNEGO when KRB5_KTNAME names a keytab; else unchanged."""
    if not os.environ.get("KRB5_KTNAME"):
        return app
    paths = os.environ.get("KSA_SPNEGO_FEDERATED_PATHS", "").split()
    return Spnego(app, paths, os.environ.get("KSA_SPNEGO_REALM_ATTR", ""))
