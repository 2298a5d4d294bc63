"""Driven by scripts/saml-keystoneauth1-check: keystoneauth1's
V3Saml2Password, V3ADFSPassword and Keystone2Keystone against the harness.
Exits non-zero if any outcome differs from the expected one."""

import os
import sys

from keystoneauth1 import exceptions, session
from keystoneauth1.extras import _saml2 as saml2
from keystoneauth1.identity.v3 import Password, k2k

E = os.environ
SAML_PROJECT = {"project_name": E["KSA_TEST_SAML_PROJECT"], "project_domain_id": "default"}


def ecp(idp_url, password, **scope):
    return saml2.V3Saml2Password(
        auth_url=E["KSA_TEST_SP_AUTH_URL"],
        identity_provider=E["KSA_TEST_ECP_IDP"],
        protocol=E["KSA_TEST_SAML_PROTOCOL"],
        identity_provider_url=idp_url,
        username=E["KSA_TEST_ECP_USERNAME"],
        password=password,
        **scope,
    )


def adfs(password, entity_id=True, **scope):
    return saml2.V3ADFSPassword(
        auth_url=E["KSA_TEST_SP_AUTH_URL"],
        identity_provider=E["KSA_TEST_ADFS_IDP"],
        protocol=E["KSA_TEST_SAML_PROTOCOL"],
        identity_provider_url=E["KSA_TEST_ADFS_URL"],
        service_provider_endpoint=E["KSA_TEST_ADFS_SP_ENDPOINT"],
        service_provider_entity_id=E["KSA_TEST_ADFS_SP_ENTITY_ID"] if entity_id else None,
        username=E["KSA_TEST_ADFS_USERNAME"],
        password=password,
        **scope,
    )


def k2k_plugin():
    idp = Password(
        auth_url=E["KSA_TEST_AUTH_URL"],
        username=E["KSA_TEST_DEMO_USERNAME"],
        password=E["KSA_TEST_DEMO_PASSWORD"],
        user_domain_id="default",
        project_name=E["KSA_TEST_DEMO_PROJECT"],
        project_domain_id="default",
    )
    return k2k.Keystone2Keystone(
        idp,
        E["KSA_TEST_K2K_SP_ID"],
        project_name=E["KSA_TEST_K2K_REMOTE_PROJECT"],
        project_domain_id="default",
    )


ADFS_USER = E["KSA_TEST_ADFS_USERNAME"] + "@ksa.test"
CASES = [
    # name, plugin, the user of the token (None: keystoneauth1 must refuse)
    ("ecp", ecp(E["KSA_TEST_ECP_IDP_URL"], E["KSA_TEST_ECP_PASSWORD"], **SAML_PROJECT), E["KSA_TEST_ECP_USERNAME"]),
    ("ecp, bad password", ecp(E["KSA_TEST_ECP_IDP_URL"], "wrong"), None),
    (
        "ecp, the IdP names another consumer",
        ecp(E["KSA_TEST_ECP_IDP_URL_WRONG_CONSUMER"], E["KSA_TEST_ECP_PASSWORD"]),
        None,
    ),
    ("adfs", adfs(E["KSA_TEST_ADFS_PASSWORD"], **SAML_PROJECT), ADFS_USER),
    ("adfs, no entity id (AppliesTo is the endpoint)", adfs(E["KSA_TEST_ADFS_PASSWORD"], entity_id=False), ADFS_USER),
    ("adfs, bad password", adfs("wrong"), None),
    ("k2k", k2k_plugin(), E["KSA_TEST_DEMO_USERNAME"]),
]


def main():
    failed = 0
    for name, plugin, user in CASES:
        try:
            access = plugin.get_access(session.Session(auth=plugin))
            outcome = "token for %s (project %s)" % (access.username, access.project_name)
            ok = access.username == user
        except exceptions.ClientException as err:
            outcome = "refused: %s: %s" % (type(err).__name__, str(err)[:120])
            ok = user is None
        failed += not ok
        print("%s %s: %s" % ("ok  " if ok else "FAIL", name, outcome))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
