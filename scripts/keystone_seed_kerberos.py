#!/usr/bin/env python3
"""Seed the test Keystone for the Kerberos tests (scripts/keystone, when
scripts/kdc provides a realm). Standard library only; every step is
get-or-create (keystone_seed.py's helpers).

- v3kerberos: a local user named as the Kerberos principal (without the
  realm), the SPNEGO layer's REMOTE_USER, with `member` on the project
  `kerberos`; Keystone's `kerberos` method finds it in the default domain.
- v3fedkerb: an identity provider whose remote id is the realm, and a
  mapping bound to it with the protocol `mapped` (Keystone runs its mapped
  method only for the protocols mapped, saml2 and openid: a protocol named
  `kerberos` would run the plain `kerberos` method instead). A request the
  SPNEGO layer verified (AUTH_TYPE Negotiate) maps REMOTE_USER to a
  federated user in the group `kerberos-users`, which has `member` on
  `kerberos`. Its principal (krbfed) must not name a local user: Keystone's
  `external` method authenticates any REMOTE_USER that does, and its user
  id then conflicts with the mapped one (401).

Writes seed-kerberos.env (KEY=value) into the state directory.
"""

import argparse
import os

import keystone_seed as seed


def ensure_mapped_idp(ks, idp, protocol, realm, realm_attr, group_id):
    mapping_id = "ksa-kerberos-mapping"
    rules = {
        "rules": [
            {
                "local": [{"user": {"name": "{0}"}}, {"group": {"id": group_id}}],
                "remote": [
                    {"type": "REMOTE_USER"},
                    {"type": "AUTH_TYPE", "any_one_of": ["Negotiate"]},
                ],
            }
        ]
    }
    path = "/OS-FEDERATION/mappings/" + mapping_id
    status, _, _ = ks.call("GET", path, expect=(200, 404))
    ks.call("PUT" if status == 404 else "PATCH", path, {"mapping": rules})
    idp_path = "/OS-FEDERATION/identity_providers/" + idp
    body = {"identity_provider": {"enabled": True, "remote_ids": [realm]}}
    status, _, _ = ks.call("GET", idp_path, expect=(200, 404))
    ks.call("PUT" if status == 404 else "PATCH", idp_path, body)
    proto_path = idp_path + "/protocols/" + protocol
    proto = {"protocol": {"mapping_id": mapping_id, "remote_id_attribute": realm_attr}}
    status, _, _ = ks.call("GET", proto_path, expect=(200, 404))
    ks.call("PUT" if status == 404 else "PATCH", proto_path, proto)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--project", default="kerberos")
    ap.add_argument("--idp", required=True)
    ap.add_argument("--protocol", required=True)
    ap.add_argument("--realm", required=True)
    ap.add_argument("--realm-attr", required=True)
    args = ap.parse_args()

    ks = seed.Keystone(args.url)
    ks.login("admin", args.admin_password, "admin")
    member = seed.ensure_role(ks, "member")
    project_id = seed.ensure_project(ks, args.project)
    # A password the tests never use: the user authenticates with Kerberos.
    user_id = seed.ensure_user(ks, args.user, os.urandom(18).hex())
    ks.call("PUT", "/projects/%s/users/%s/roles/%s" % (project_id, user_id, member))
    group_id = seed.ensure_group(ks, "kerberos-users")
    ks.call("PUT", "/projects/%s/groups/%s/roles/%s" % (project_id, group_id, member))
    ensure_mapped_idp(ks, args.idp, args.protocol, args.realm, args.realm_attr, group_id)

    out = os.path.join(args.state_dir, "seed-kerberos.env")
    with open(out + ".tmp", "w") as f:
        f.write("KSA_TEST_KERBEROS_USER_ID=%s\n" % user_id)
        f.write("KSA_TEST_KERBEROS_PROJECT_ID=%s\n" % project_id)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
