"""A stand-in for mod_shib in front of the service provider Keystone.

scripts/keystone serves this WSGI application (under gunicorn) as the "sp"
server: a second Keystone whose federated auth URL sits behind what Shibboleth
SP (mod_shib) does in production. See docs/keystone-harness.md, "SAML
federation".

- POST /Shibboleth.sso/SAML2/ECP: a SOAP envelope holding a samlp:Response
  (Keystone-to-Keystone, or the ECP client's second POST). The assertion's
  signature is checked with `xmlsec1 --verify` against the certificate of the
  identity provider named by its Issuer (Keystone's IdP metadata, or the
  stand-ins' certificates), then the recipient, the audience, the validity
  window and that the assertion was not seen before. A session is made
  (cookie _shibsession_...) and the answer is 302 to the protected URL (the
  RelayState's target for ECP).
- POST /Shibboleth.sso/ADFS: the WS-Federation form (wa=wsignin1.0, wresult =
  a RequestSecurityTokenResponse holding a signed SAML 1.1 assertion, wctx),
  checked the same way; 302 to wctx or the protected URL.
- /v3/OS-FEDERATION/identity_providers/{idp}/protocols/saml2/auth (the
  protected path): with a session of that identity provider, the request goes
  to Keystone with the environment mod_shib sets (Shib-Identity-Provider and
  one variable per attribute, values joined with ';'); a session of another
  identity provider gets 403. Without a session: a PAOS AuthnRequest if the
  client announces ECP (Accept application/vnd.paos+xml and a PAOS header),
  else 401.
- Every other request reaches Keystone untouched.

Events (no secrets) are appended as JSON lines to the configured events log.
"""

import base64
import collections
import datetime
import html
import http.cookies
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse

import keystone_wsgi
from saml_common import MAX_BODY, EventLog, now, parse_xml, read_body, xmlsec1

with open(os.environ["KSA_SAML_SP_CONFIG"]) as _f:
    _CONFIG = json.load(_f)
_EVENTS = EventLog(_CONFIG.get("events_log"))

NS = {
    "S": "http://schemas.xmlsoap.org/soap/envelope/",
    "paos": "urn:liberty:paos:2003-08",
    "ecp": "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "saml1": "urn:oasis:names:tc:SAML:1.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
PAOS_TYPE = "application/vnd.paos+xml"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = ("urn:oasis:names:tc:SAML:2.0:cm:bearer", "urn:oasis:names:tc:SAML:1.0:cm:bearer")
COOKIE = "_shibsession_64656661756c74"  # hex("default"), as Shibboleth names it
MAX_ENTRIES = 1000
SESSION_LIFETIME = 3600
CLOCK_SKEW = 180  # Shibboleth's default clockSkew
PROTECTED = re.compile(r"^/v3/OS-FEDERATION/identity_providers/([^/]+)/protocols/([^/]+)/auth/?$")
ATTR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,127}$")
# Attribute names an identity provider must not set: the server's own
# variables and mod_shib's.
RESERVED = re.compile(
    r"^(HTTP_|wsgi\.|gunicorn\.|SERVER_|REQUEST_|PATH_|SCRIPT_|QUERY_|CONTENT_|REMOTE_|GATEWAY_|Shib-)",
    re.IGNORECASE,
)

_lock = threading.Lock()
_sessions = collections.OrderedDict()  # id -> dict(idp, entity_id, attributes, expires)
_relay_states = collections.OrderedDict()  # relay state -> dict(target, request_id, expires)
_seen_assertions = collections.OrderedDict()  # assertion id -> expiry


class Refused(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_time(value):
    value = (value or "").strip()
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z?$", value)
    if not match:
        raise Refused(400, "bad SAML time %r" % value[:40])
    return datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")


event = _EVENTS.event


def remember(store, key, value):
    """Bounded insertion: the oldest entry goes first."""
    with _lock:
        store[key] = value
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)


def protected_url(idp):
    return "%s/v3/OS-FEDERATION/identity_providers/%s/protocols/%s/auth" % (
        _CONFIG["base_url"],
        idp,
        _CONFIG["protocol"],
    )


# ------------------------------------------------------------------ trust


def _metadata_cert(path):
    """The signing certificate of an identity provider's SAML metadata,
    written as PEM beside it (rewritten when the metadata changes)."""
    pem = path + ".signing-cert.pem"
    if os.path.exists(pem) and os.path.getmtime(pem) >= os.path.getmtime(path):
        return pem
    with open(path, "rb") as f:
        root = parse_xml(f.read())
    if root is None:
        raise Refused(500, "%s is not well-formed XML" % path)
    certs = [
        c.text
        for kd in root.iter("{%s}KeyDescriptor" % NS["md"])
        if kd.get("use") in (None, "signing")
        for c in kd.iter("{%s}X509Certificate" % NS["ds"])
        if c.text and c.text.strip()
    ]
    if not certs:
        raise Refused(500, "no signing certificate in %s" % path)
    der = base64.b64decode("".join(certs[0].split()))
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    text = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(lines)
    with open(pem + ".tmp", "w") as f:
        f.write(text)
    os.replace(pem + ".tmp", pem)
    return pem


def trusted_idp(entity_id):
    """(idp id, certificate path) of a known identity provider."""
    for idp, conf in _CONFIG["idps"].items():
        if conf["entity_id"] == entity_id:
            cert = conf.get("cert") or _metadata_cert(conf["metadata"])
            return idp, cert
    raise Refused(403, "issuer %r is not a trusted identity provider" % entity_id[:200])


def verify_signature(raw, root, assertion, id_attr, node_name, cert):
    """xmlsec1 --verify of the assertion's enveloped signature, after the
    structural checks that keep signature wrapping out: the id is unique in
    the document, the assertion holds exactly one signature, a direct child,
    whose one reference is the assertion itself."""
    assertion_id = assertion.get(id_attr) or ""
    if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", assertion_id):
        raise Refused(400, "assertion without a valid %s" % id_attr)
    if sum(1 for el in root.iter() if assertion_id in (el.get("ID"), el.get("AssertionID"), el.get("Id"))) != 1:
        raise Refused(400, "assertion id is not unique")
    signatures = list(assertion.iter("{%s}Signature" % NS["ds"]))
    direct = assertion.findall("ds:Signature", NS)
    if len(signatures) != 1 or len(direct) != 1:
        raise Refused(403, "assertion is not signed (exactly once)")
    refs = direct[0].findall("ds:SignedInfo/ds:Reference", NS)
    if len(refs) != 1 or refs[0].get("URI") != "#" + assertion_id:
        raise Refused(403, "signature does not reference the assertion")
    proc = xmlsec1(
        _CONFIG["xmlsec1"],
        [
            "--verify",
            "--enabled-reference-uris",
            "same-doc",
            "--enabled-key-data",
            "raw-x509-cert",
            "--pubkey-cert-pem",
            cert,
            "--id-attr:%s" % id_attr,
            node_name,
            "--node-id",
            assertion_id,
        ],
        raw,
    )
    if proc.returncode != 0:
        raise Refused(403, "assertion signature does not verify (xmlsec1)")


def check_window(not_before, not_on_or_after, what):
    t = now()
    skew = datetime.timedelta(seconds=CLOCK_SKEW)
    if not_before is not None and parse_time(not_before) > t + skew:
        raise Refused(403, "%s is not yet valid" % what)
    if not_on_or_after is not None and parse_time(not_on_or_after) <= t - skew:
        raise Refused(403, "%s has expired" % what)


def check_replay(assertion_id):
    with _lock:
        t = now()
        for key in [k for k, exp in _seen_assertions.items() if exp <= t]:
            del _seen_assertions[key]
        if assertion_id in _seen_assertions:
            raise Refused(403, "assertion replayed")
    remember(_seen_assertions, assertion_id, t + datetime.timedelta(seconds=SESSION_LIFETIME))


def check_audiences(audiences, accepted):
    if audiences and not any(a in accepted for a in audiences):
        raise Refused(403, "assertion is for another audience")


def text(el):
    return (el.text or "").strip() if el is not None else ""


# ------------------------------------------------------------ SAML 2.0


def saml2_response(raw, root, response, consumer):
    """Verify a samlp:Response; returns (idp, entity id, attributes,
    InResponseTo)."""
    destination = response.get("Destination")
    if destination is not None and destination != consumer:
        raise Refused(403, "response destination is not this consumer")
    status = response.find("samlp:Status/samlp:StatusCode", NS)
    if status is None or status.get("Value") != STATUS_SUCCESS:
        raise Refused(403, "response status is not Success")
    if response.findall("saml:EncryptedAssertion", NS):
        raise Refused(400, "encrypted assertions are not supported")
    assertions = response.findall("saml:Assertion", NS)
    if len(assertions) != 1 or len(list(response.iter("{%s}Assertion" % NS["saml"]))) != 1:
        raise Refused(400, "response must hold exactly one assertion")
    assertion = assertions[0]
    issuer = text(assertion.find("saml:Issuer", NS))
    response_issuer = response.find("saml:Issuer", NS)
    if response_issuer is not None and text(response_issuer) != issuer:
        raise Refused(403, "response and assertion issuers differ")
    idp, cert = trusted_idp(issuer)
    verify_signature(raw, root, assertion, "ID", NS["saml"] + ":Assertion", cert)

    bearer = [
        sc.find("saml:SubjectConfirmationData", NS)
        for sc in assertion.findall("saml:Subject/saml:SubjectConfirmation", NS)
        if sc.get("Method") in BEARER
    ]
    if not any(d is not None and d.get("Recipient") == consumer for d in bearer):
        raise Refused(403, "no bearer confirmation for this consumer")
    for data in bearer:
        if data is not None and data.get("Recipient") == consumer:
            check_window(data.get("NotBefore"), data.get("NotOnOrAfter"), "subject confirmation")
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is not None:
        check_window(conditions.get("NotBefore"), conditions.get("NotOnOrAfter"), "assertion")
        for restriction in conditions.findall("saml:AudienceRestriction", NS):
            check_audiences([text(a) for a in restriction.findall("saml:Audience", NS)], [_CONFIG["entity_id"]])
    check_replay(assertion.get("ID"))

    attributes = collections.OrderedDict()
    for attr in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        name = attr.get("FriendlyName") or attr.get("Name") or ""
        values = [text(v) for v in attr.findall("saml:AttributeValue", NS)]
        attributes.setdefault(name, []).extend(values)
    return idp, issuer, attributes, response.get("InResponseTo")


def parse(raw):
    root = parse_xml(raw)
    if root is None:
        raise Refused(400, "body is not well-formed XML")
    return root


def body(environ):
    raw = read_body(environ)
    if raw is None:
        length = environ.get("CONTENT_LENGTH") or "0"
        too_large = length.isdigit() and int(length) > MAX_BODY
        raise Refused(413 if too_large else 400, "a body of 1 to %d bytes is required" % MAX_BODY)
    return raw


def ecp_consumer(environ):
    raw = body(environ)
    consumer = _CONFIG["ecp_consumer_url"]
    root = parse(raw)
    if root.tag != "{%s}Envelope" % NS["S"]:
        raise Refused(400, "not a SOAP envelope")
    if root.find("S:Body/S:Fault", NS) is not None:
        event("soap_fault_received", path=environ.get("PATH_INFO"))
        raise Refused(400, "SOAP fault received from the client")
    responses = root.findall("S:Body/samlp:Response", NS)
    if len(responses) != 1:
        raise Refused(400, "no samlp:Response in the SOAP body")
    idp, issuer, attributes, in_response_to = saml2_response(raw, root, responses[0], consumer)
    target = protected_url(idp)
    relay = text(root.find("S:Header/ecp:RelayState", NS))
    if relay:
        with _lock:
            pending = _relay_states.pop(relay, None)
        if pending is not None:
            if in_response_to is not None and in_response_to != pending["request_id"]:
                raise Refused(403, "response is not for the request of this relay state")
            target = pending["target"]
    return new_session(idp, issuer, attributes, target, "ecp")


# ------------------------------------------------------------ SAML 1.1 (ADFS)


def adfs_consumer(environ):
    raw = body(environ)
    try:
        form = urllib.parse.parse_qs(raw.decode("utf-8"), strict_parsing=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "body is not a form") from None
    if form.get("wa") != ["wsignin1.0"] or len(form.get("wresult", [])) != 1:
        raise Refused(400, "wa=wsignin1.0 and one wresult are required")
    wresult = form["wresult"][0].encode("utf-8")
    root = parse(wresult)
    if not root.tag.endswith("}RequestSecurityTokenResponse"):
        raise Refused(400, "wresult is not a RequestSecurityTokenResponse")
    assertions = list(root.iter("{%s}Assertion" % NS["saml1"]))
    if len(assertions) != 1:
        raise Refused(400, "wresult must hold exactly one SAML 1.1 assertion")
    assertion = assertions[0]
    issuer = assertion.get("Issuer") or ""
    idp, cert = trusted_idp(issuer)
    verify_signature(wresult, root, assertion, "AssertionID", NS["saml1"] + ":Assertion", cert)
    conditions = assertion.find("saml1:Conditions", NS)
    if conditions is None:
        raise Refused(403, "assertion without conditions")
    check_window(conditions.get("NotBefore"), conditions.get("NotOnOrAfter"), "assertion")
    audiences = [text(a) for a in conditions.findall("saml1:AudienceRestrictionCondition/saml1:Audience", NS)]
    if not audiences:
        raise Refused(403, "assertion without an audience")
    check_audiences(audiences, [_CONFIG["entity_id"], _CONFIG["adfs_endpoint"]])
    check_replay(assertion.get("AssertionID"))
    attributes = collections.OrderedDict()
    for attr in assertion.findall("saml1:AttributeStatement/saml1:Attribute", NS):
        values = [text(v) for v in attr.findall("saml1:AttributeValue", NS)]
        attributes.setdefault(attr.get("AttributeName") or "", []).extend(values)
    target = protected_url(idp)
    wctx = form.get("wctx", [""])[0]
    if wctx and PROTECTED.match(urllib.parse.urlsplit(wctx).path) and wctx.startswith(_CONFIG["base_url"] + "/"):
        target = wctx
    return new_session(idp, issuer, attributes, target, "adfs")


# ------------------------------------------------------------ sessions


def new_session(idp, issuer, attributes, target, via):
    session_id = "_" + secrets.token_hex(16)
    remember(
        _sessions,
        session_id,
        {
            "idp": idp,
            "entity_id": issuer,
            "attributes": attributes,
            "expires": now() + datetime.timedelta(seconds=SESSION_LIFETIME),
        },
    )
    event("session_created", idp=idp, via=via, attributes=sorted(attributes))
    headers = [
        ("Location", target),
        ("Set-Cookie", "%s=%s; Path=/; HttpOnly" % (COOKIE, session_id)),
        ("Content-Type", "text/plain; charset=utf-8"),
    ]
    return "302 Found", headers, b"Session created\n"


def session_of(environ):
    raw = environ.get("HTTP_COOKIE", "")
    if not raw or len(raw) > 8192:
        return None
    jar = http.cookies.SimpleCookie()
    try:
        jar.load(raw)
    except http.cookies.CookieError:
        return None
    morsel = jar.get(COOKIE)
    if morsel is None:
        return None
    with _lock:
        session = _sessions.get(morsel.value)
    if session is None or session["expires"] <= now():
        return None
    return session


def paos_request(environ, idp):
    """The PAOS AuthnRequest mod_shib answers an ECP client with (shape of
    keystoneauth1's soap_response.xml)."""
    consumer = html.escape(_CONFIG["ecp_consumer_url"], quote=True)
    issuer = html.escape(_CONFIG["entity_id"])
    provider = html.escape(_CONFIG["idps"][idp]["entity_id"], quote=True)
    request_id = "_" + secrets.token_hex(16)
    relay = "ss:mem:" + secrets.token_hex(16)
    target = _CONFIG["base_url"] + environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    remember(
        _relay_states,
        relay,
        {"target": target, "request_id": request_id},
    )
    instant = now().strftime("%Y-%m-%dT%H:%M:%SZ")
    body = f"""<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
    <S:Header>
        <paos:Request xmlns:paos="urn:liberty:paos:2003-08"
                S:actor="http://schemas.xmlsoap.org/soap/actor/next"
                S:mustUnderstand="1"
                responseConsumerURL="{consumer}"
                service="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"/>
        <ecp:Request xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"
                IsPassive="0"
                S:actor="http://schemas.xmlsoap.org/soap/actor/next"
                S:mustUnderstand="1">
            <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</saml:Issuer>
            <samlp:IDPList xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">
                <samlp:IDPEntry ProviderID="{provider}"/>
            </samlp:IDPList>
        </ecp:Request>
        <ecp:RelayState
                xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"
                S:actor="http://schemas.xmlsoap.org/soap/actor/next"
                S:mustUnderstand="1">{relay}</ecp:RelayState>
    </S:Header>
    <S:Body>
        <samlp:AuthnRequest
                xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
                AssertionConsumerServiceURL="{consumer}"
                ID="{request_id}"
                IssueInstant="{instant}"
                ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS"
                Version="2.0">
            <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</saml:Issuer>
            <samlp:NameIDPolicy AllowCreate="1"/>
            <samlp:Scoping>
                <samlp:IDPList>
                    <samlp:IDPEntry ProviderID="{provider}"/>
                </samlp:IDPList>
            </samlp:Scoping>
        </samlp:AuthnRequest>
    </S:Body>
</S:Envelope>
"""
    event("paos_request", idp=idp)
    return "200 OK", [("Content-Type", PAOS_TYPE)], body.encode("utf-8")


def wants_ecp(environ):
    accept = environ.get("HTTP_ACCEPT", "")
    paos = environ.get("HTTP_PAOS", "")
    return PAOS_TYPE in accept and "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp" in paos


def protected(environ, start_response, idp):
    session = session_of(environ)
    if session is None:
        if wants_ecp(environ):
            return finish(start_response, *paos_request(environ, idp))
        raise Refused(401, "no Shibboleth session")
    if session["idp"] != idp:
        raise Refused(403, "the session belongs to another identity provider")
    environ["Shib-Identity-Provider"] = session["entity_id"]
    environ["Shib-Application-ID"] = "default"
    for name, values in session["attributes"].items():
        if ATTR_NAME.match(name) and not RESERVED.match(name):
            environ[name] = ";".join(v.replace(";", "\\;") for v in values)
    event("session_used", idp=idp)
    return keystone_wsgi.application(environ, start_response)


# ------------------------------------------------------------ WSGI


def finish(start_response, status, headers, body):
    headers = list(headers) + [("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
}
_HANDLERS = {
    "/Shibboleth.sso/SAML2/ECP": ecp_consumer,
    "/Shibboleth.sso/ADFS": adfs_consumer,
}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    handler = _HANDLERS.get(path)
    match = PROTECTED.match(path)
    idp = match.group(1) if match and match.group(2) == _CONFIG["protocol"] else None
    if handler is None and idp not in _CONFIG["idps"]:
        return keystone_wsgi.application(environ, start_response)
    _EVENTS.request(environ)
    try:
        if handler is None:
            return protected(environ, start_response, idp)
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused(405, "POST only")
        return finish(start_response, *handler(environ))
    except Refused as err:
        event("refused", reason=err.reason, path=path)
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        if err.status == 405:
            headers.append(("Allow", "POST"))
        status = "%d %s" % (err.status, REASONS.get(err.status, "Error"))
        return finish(start_response, status, headers, (err.reason + "\n").encode("utf-8"))
    except Exception as err:  # noqa: BLE001 (never a traceback to the client)
        print("saml_sp: %s: %r" % (path, err), file=sys.stderr)
        return finish(start_response, "500 Internal Server Error", [], b"")


__all__ = ["application"]
