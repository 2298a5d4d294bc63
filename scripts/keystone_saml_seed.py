#!/usr/bin/env python3
"""Seed the SAML federation of the test harness (scripts/keystone_saml.sh).

Standard library only, get-or-create like keystone_seed.py (whose REST
helpers it uses):

- in the main Keystone (the identity provider of Keystone-to-Keystone): the
  service provider, with its sp_url and auth_url;
- in the service provider Keystone: projects, groups and their roles, and for
  each identity provider (Keystone-to-Keystone, the ECP and the ADFS
  stand-ins) its remote id, a mapping and the protocol.

Writes KEY=value lines with the project ids into --out.
"""

import argparse
import os

from keystone_seed import (
    Keystone,
    ensure_group,
    ensure_project,
    ensure_role,
    put_or_patch,
)

FED = "/OS-FEDERATION"


def group_rule(group_id, user_attr, conditions):
    """One mapping rule: user_attr names an ephemeral user in group_id, when
    every (attribute, accepted values) condition holds; an attribute with
    accepted values None must only be present."""
    remote = [{"type": user_attr}]
    for attr, values in conditions:
        remote.append({"type": attr} if values is None else {"type": attr, "any_one_of": values})
    return {
        "local": [{"user": {"name": "{0}"}}, {"group": {"id": group_id}}],
        "remote": remote,
    }


def ensure_idp(ks, idp, remote_id, protocol, mapping_id, rules):
    put_or_patch(ks, FED + "/mappings/" + mapping_id, {"mapping": {"rules": rules}})
    idp_path = FED + "/identity_providers/" + idp
    put_or_patch(ks, idp_path, {"identity_provider": {"enabled": True, "remote_ids": [remote_id]}})
    put_or_patch(ks, idp_path + "/protocols/" + protocol, {"protocol": {"mapping_id": mapping_id}})


def project_group(ks, project, group, role_id):
    project_id = ensure_project(ks, project)
    group_id = ensure_group(ks, group)
    ks.call("PUT", "/projects/%s/groups/%s/roles/%s" % (project_id, group_id, role_id))
    return project_id, group_id


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--idp-url", required=True, help="the main Keystone's /v3")
    ap.add_argument("--sp-url", required=True, help="the service provider Keystone's /v3")
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sp-id", required=True)
    ap.add_argument("--sp-sp-url", required=True)
    ap.add_argument("--sp-auth-url", required=True)
    ap.add_argument("--protocol", required=True)
    ap.add_argument("--k2k-idp", required=True)
    ap.add_argument("--k2k-remote-id", required=True)
    ap.add_argument("--k2k-project", required=True)
    ap.add_argument("--ecp-idp", required=True)
    ap.add_argument("--ecp-remote-id", required=True)
    ap.add_argument("--adfs-idp", required=True)
    ap.add_argument("--adfs-remote-id", required=True)
    ap.add_argument("--saml-project", required=True)
    args = ap.parse_args()

    idp = Keystone(args.idp_url)
    idp.login("admin", args.admin_password, "admin")
    put_or_patch(
        idp,
        FED + "/service_providers/" + args.sp_id,
        {
            "service_provider": {
                "enabled": True,
                "sp_url": args.sp_sp_url,
                "auth_url": args.sp_auth_url,
            }
        },
    )

    sp = Keystone(args.sp_url)
    sp.login("admin", args.admin_password, "admin")
    member = ensure_role(sp, "member")
    k2k_project_id, k2k_group = project_group(sp, args.k2k_project, "k2k-users", member)
    saml_project_id, saml_group = project_group(sp, args.saml_project, "saml-users", member)

    # Keystone-to-Keystone: the attributes of Keystone's own assertion
    # (keystone.federation.idp.SAMLGenerator) for a user of domain Default
    # with member on a project of domain Default.
    ensure_idp(
        sp,
        args.k2k_idp,
        args.k2k_remote_id,
        args.protocol,
        "ksa-k2k-mapping",
        [
            group_rule(
                k2k_group,
                "openstack_user",
                [
                    ("openstack_user_domain", ["Default"]),
                    ("openstack_roles", ["member"]),
                    ("openstack_project", None),
                    ("openstack_project_domain", ["Default"]),
                ],
            )
        ],
    )
    # The ECP stand-in's user: uid and eduPersonAffiliation (member;staff).
    ensure_idp(
        sp,
        args.ecp_idp,
        args.ecp_remote_id,
        args.protocol,
        "ksa-ecp-mapping",
        [group_rule(saml_group, "uid", [("eduPersonAffiliation", ["member"])])],
    )
    # The ADFS stand-in's user: UPN and Group claims.
    ensure_idp(
        sp,
        args.adfs_idp,
        args.adfs_remote_id,
        args.protocol,
        "ksa-adfs-mapping",
        [group_rule(saml_group, "UPN", [("Group", ["ksa-users"])])],
    )

    with open(args.out + ".tmp", "w") as f:
        f.write("KSA_TEST_K2K_REMOTE_PROJECT_ID=%s\n" % k2k_project_id)
        f.write("KSA_TEST_SAML_PROJECT_ID=%s\n" % saml_project_id)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
