"""WSGI entry point for the test Keystone started by scripts/keystone.

Keystone's oslo.config parses sys.argv when keystone.wsgi.api is imported, so
under gunicorn it would see gunicorn's own arguments and the workers would
exit with code 2 in a loop. Reset sys.argv and name the config file in
OS_KEYSTONE_CONFIG_FILES before importing the application.
"""

import os
import sys

sys.argv = sys.argv[:1]

if not os.environ.get("OS_KEYSTONE_CONFIG_FILES"):
    _state_dir = os.environ.get("KSA_KEYSTONE_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        "target",
        "keystone",
    )
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = os.path.join(
        os.path.abspath(_state_dir), "keystone.conf"
    )

from keystone.wsgi.api import application as _keystone  # noqa: E402

# A stand-in for mod_shib / mod_auth_openidc in front of Keystone's WebSSO
# routes (browser single sign-on, v3websso): on those paths only, the
# federated attributes a real identity provider module would set after a
# login. Every other request reaches Keystone untouched.
_SSO_PREFIX = "/v3/auth/OS-FEDERATION/"
_SSO_USER = os.environ.get("KSA_SSO_USER", "")
_SSO_REMOTE_ID = os.environ.get("KSA_SSO_REMOTE_ID", "")
_SSO_REMOTE_ID_ATTR = os.environ.get("KSA_SSO_REMOTE_ID_ATTR", "")


def _is_websso(path):
    if not path.startswith(_SSO_PREFIX):
        return False
    rest = path[len(_SSO_PREFIX):].strip("/").split("/")
    # websso/{protocol} or identity_providers/{idp}/protocols/{protocol}/websso
    return (len(rest) == 2 and rest[0] == "websso") or (
        len(rest) == 5
        and rest[0] == "identity_providers"
        and rest[2] == "protocols"
        and rest[4] == "websso"
    )


def application(environ, start_response):
    if _SSO_USER and _SSO_REMOTE_ID_ATTR and _is_websso(environ.get("PATH_INFO", "")):
        environ["REMOTE_USER"] = _SSO_USER
        environ[_SSO_REMOTE_ID_ATTR] = _SSO_REMOTE_ID
    return _keystone(environ, start_response)


# Kerberos (v3kerberos, v3fedkerb): a SPNEGO layer in front of everything
# when scripts/keystone started this server with a keytab (scripts/kdc).
if os.environ.get("KRB5_KTNAME"):
    import ksa_spnego  # noqa: E402

    application = ksa_spnego.wrap(application)


__all__ = ["application"]
