#!/usr/bin/env python3
"""Seed the test Keystone started by scripts/keystone with plain REST calls.

Standard library only. Every step is get-or-create, so a run that was cut
short can simply be repeated. Writes into the state directory:

  mfa-totp-secret   base32 TOTP secret of the `mfa` user (made once, kept)
  seed.env          KEY=value lines with the ids the tests need
"""

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

DOMAIN = "default"


class Keystone:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.token = None

    def call(self, method, path, body=None, expect=(200, 201, 204), headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("X-Auth-Token", self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), err.headers
        if status not in expect:
            sys.exit(
                "keystone_seed: %s %s -> %s %s"
                % (method, path, status, raw.decode(errors="replace")[:500])
            )
        doc = json.loads(raw) if raw and raw.strip()[:1] in (b"{", b"[") else None
        return status, doc, hdrs

    def get(self, path, **query):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return self.call("GET", path)[1]

    def login(self, username, password, project):
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": username,
                            "domain": {"id": DOMAIN},
                            "password": password,
                        }
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": DOMAIN}}},
            }
        }
        _, doc, hdrs = self.call("POST", "/auth/tokens", body, expect=(201,))
        self.token = hdrs["X-Subject-Token"]
        return doc["token"]


def one(items, what):
    if len(items) > 1:
        sys.exit("keystone_seed: more than one %s" % what)
    return items[0] if items else None


def ensure_region(ks, region_id):
    status, _, _ = ks.call("GET", "/regions/" + region_id, expect=(200, 404))
    if status == 404:
        ks.call("POST", "/regions", {"region": {"id": region_id}})


def ensure_service(ks, stype, name):
    svc = one(
        [s for s in ks.get("/services", type=stype)["services"] if s["name"] == name],
        "service " + name,
    )
    if svc is None:
        svc = ks.call(
            "POST",
            "/services",
            {"service": {"type": stype, "name": name, "enabled": True}},
        )[1]["service"]
    return svc["id"]


def ensure_endpoint(ks, service_id, region, interface, url):
    eps = ks.get("/endpoints", service_id=service_id, interface=interface)["endpoints"]
    ep = one([e for e in eps if e.get("region_id") == region], "endpoint")
    if ep is None:
        ks.call(
            "POST",
            "/endpoints",
            {
                "endpoint": {
                    "service_id": service_id,
                    "region_id": region,
                    "interface": interface,
                    "url": url,
                    "enabled": True,
                }
            },
        )
    elif ep["url"] != url:
        ks.call("PATCH", "/endpoints/" + ep["id"], {"endpoint": {"url": url}})


def ensure_role(ks, name):
    role = one(ks.get("/roles", name=name)["roles"], "role " + name)
    if role is None:
        role = ks.call("POST", "/roles", {"role": {"name": name}})[1]["role"]
    return role["id"]


def ensure_project(ks, name):
    proj = one(
        ks.get("/projects", name=name, domain_id=DOMAIN)["projects"], "project " + name
    )
    if proj is None:
        proj = ks.call(
            "POST",
            "/projects",
            {"project": {"name": name, "domain_id": DOMAIN, "enabled": True}},
        )[1]["project"]
    return proj["id"]


def ensure_user(ks, name, password, **extra):
    user = one(ks.get("/users", name=name, domain_id=DOMAIN)["users"], "user " + name)
    attrs = dict(extra, password=password, enabled=True)
    if user is None:
        attrs.update(name=name, domain_id=DOMAIN)
        user = ks.call("POST", "/users", {"user": attrs})[1]["user"]
    else:
        ks.call("PATCH", "/users/" + user["id"], {"user": attrs})
    return user["id"]


def ensure_totp(ks, user_id, secret):
    creds = ks.get("/credentials", user_id=user_id, type="totp")["credentials"]
    for cred in creds[1:]:
        ks.call("DELETE", "/credentials/" + cred["id"])
    if not creds:
        ks.call(
            "POST",
            "/credentials",
            {"credential": {"type": "totp", "user_id": user_id, "blob": secret}},
        )
    elif creds[0]["blob"] != secret:
        ks.call("PATCH", "/credentials/" + creds[0]["id"], {"credential": {"blob": secret}})


def ensure_group(ks, name):
    group = one(ks.get("/groups", name=name, domain_id=DOMAIN)["groups"], "group " + name)
    if group is None:
        group = ks.call("POST", "/groups", {"group": {"name": name, "domain_id": DOMAIN}})[1]["group"]
    return group["id"]


def put_or_patch(ks, path, body):
    """Create the resource at path with PUT, or update it with PATCH."""
    status, _, _ = ks.call("GET", path, expect=(200, 404))
    ks.call("PUT" if status == 404 else "PATCH", path, body)


def ensure_federation(ks, idp, protocol, remote_id, remote_id_attr, group_id):
    """An identity provider, a mapping and a protocol for browser single
    sign-on: the federated user (REMOTE_USER) joins group_id."""
    mapping_id = "ksa-websso-mapping"
    rules = {
        "rules": [
            {
                "local": [{"user": {"name": "{0}"}}, {"group": {"id": group_id}}],
                "remote": [{"type": "REMOTE_USER"}],
            }
        ]
    }
    put_or_patch(ks, "/OS-FEDERATION/mappings/" + mapping_id, {"mapping": rules})
    idp_path = "/OS-FEDERATION/identity_providers/" + idp
    put_or_patch(
        ks, idp_path, {"identity_provider": {"enabled": True, "remote_ids": [remote_id]}}
    )
    proto = {"protocol": {"mapping_id": mapping_id, "remote_id_attribute": remote_id_attr}}
    put_or_patch(ks, idp_path + "/protocols/" + protocol, proto)


def totp_secret(state_dir):
    path = os.path.join(state_dir, "mfa-totp-secret")
    if os.path.exists(path):
        with open(path) as f:
            secret = f.read().strip()
        if secret:
            return secret
    # 20 random bytes -> 32 base32 characters, no padding.
    secret = base64.b32encode(os.urandom(20)).decode()
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    os.replace(path + ".tmp", path)
    return secret


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default="http://127.0.0.1:5000/v3")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--demo-password", required=True)
    ap.add_argument("--mfa-password", required=True)
    ap.add_argument("--sso-idp", required=True)
    ap.add_argument("--sso-protocol", required=True)
    ap.add_argument("--sso-remote-id", required=True)
    ap.add_argument("--sso-remote-id-attr", required=True)
    args = ap.parse_args()

    ks = Keystone(args.url)
    tok = ks.login("admin", args.admin_password, "admin")
    admin_user_id = tok["user"]["id"]
    admin_project_id = tok["project"]["id"]

    ensure_region(ks, "RegionOne")
    ensure_region(ks, "RegionTwo")

    catalog = [
        ("compute", "nova", "{host}:{port}/v2.1", 8774, 18774),
        ("volumev3", "cinderv3", "{host}:{port}/v3/$(project_id)s", 8776, 18776),
    ]
    interfaces = [("public", 1), ("internal", 2), ("admin", 3)]
    for stype, name, pattern, port_one, port_two in catalog:
        sid = ensure_service(ks, stype, name)
        for region, port in (("RegionOne", port_one), ("RegionTwo", port_two)):
            for interface, octet in interfaces:
                url = pattern.format(host="http://127.0.0.%d" % octet, port=port)
                ensure_endpoint(ks, sid, region, interface, url)

    admin_role = ensure_role(ks, "admin")
    member_role = ensure_role(ks, "member")

    demo_project_id = ensure_project(ks, "demo")
    demo_user_id = ensure_user(ks, "demo", args.demo_password)
    ks.call("PUT", "/projects/%s/users/%s/roles/%s" % (demo_project_id, demo_user_id, member_role))

    secret = totp_secret(args.state_dir)
    mfa_user_id = ensure_user(
        ks,
        "mfa",
        args.mfa_password,
        options={
            # Rules are only enforced while multi_factor_auth_enabled is true.
            "multi_factor_auth_enabled": True,
            "multi_factor_auth_rules": [["password", "totp"]],
        },
    )
    ensure_totp(ks, mfa_user_id, secret)
    ks.call("PUT", "/projects/%s/users/%s/roles/%s" % (demo_project_id, mfa_user_id, member_role))

    # bootstrap grants admin on the project and the system, not on the domain.
    ks.call("PUT", "/domains/%s/users/%s/roles/%s" % (DOMAIN, admin_user_id, admin_role))

    # Browser single sign-on: the federated user's group has member on demo
    # and on sso, so an unscoped token can be re-scoped to either.
    sso_project_id = ensure_project(ks, "sso")
    sso_group_id = ensure_group(ks, "sso-users")
    for project_id in (demo_project_id, sso_project_id):
        ks.call("PUT", "/projects/%s/groups/%s/roles/%s" % (project_id, sso_group_id, member_role))
    ensure_federation(
        ks,
        args.sso_idp,
        args.sso_protocol,
        args.sso_remote_id,
        args.sso_remote_id_attr,
        sso_group_id,
    )

    ids = {
        "KSA_TEST_WEBSSO_PROJECT_ID": sso_project_id,
        "KSA_TEST_ADMIN_USER_ID": admin_user_id,
        "KSA_TEST_ADMIN_PROJECT_ID": admin_project_id,
        "KSA_TEST_DEMO_PROJECT_ID": demo_project_id,
        "KSA_TEST_DEMO_USER_ID": demo_user_id,
        "KSA_TEST_MFA_USER_ID": mfa_user_id,
    }
    out = os.path.join(args.state_dir, "seed.env")
    with open(out + ".tmp", "w") as f:
        for k, v in ids.items():
            f.write("%s=%s\n" % (k, v))
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
