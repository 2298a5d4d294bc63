"""Identity provider stand-ins for the SAML federation harness.

scripts/keystone serves this WSGI application (under gunicorn) as the "idp"
server. It speaks the wire formats of the identity providers
keystoneauth1's v3samlpassword and v3adfspassword talk to, in the shapes of
keystoneauth1's test data (tests/unit/extras/saml2), and signs its
assertions with xmlsec1 and its own certificate. See docs/keystone-harness.md,
"SAML federation".

- POST /idp/profile/SAML2/SOAP/ECP (Shibboleth IdP's ECP endpoint): HTTP
  Basic (else 401), body the SOAP AuthnRequest an ECP client forwards from the
  service provider. Answers a SOAP envelope with an ecp:Response header
  (AssertionConsumerServiceURL = the SP's consumer URL) and a samlp:Response
  holding a signed assertion for that consumer.
- POST /idp/profile/SAML2/SOAP/ECP-wrong-consumer: the same, but for another
  consumer URL (/wrong-consumer/... on this server), so that a client's
  refusal to send the assertion there can be tested; a POST to that URL is
  recorded (event wrong_consumer_post).
- POST /adfs/services/trust/13/usernamemixed (ADFS 2.0 / WS-Trust 1.3): a
  SOAP 1.2 RequestSecurityToken with a WS-Security UsernameToken. Answers a
  RequestSecurityTokenResponse with a signed SAML 1.1 assertion for the
  requested relying party, or HTTP 500 with a SOAP fault (FailedAuthentication
  for bad credentials, InvalidRequest for an unknown relying party).
- GET /health: 200.

Events (no secrets: header and cookie names, never values) are appended as
JSON lines to the configured events log.
"""

import base64
import datetime
import html
import json
import os
import secrets
import sys

from saml_common import EventLog, now, parse_xml, read_body, xmlsec1

with open(os.environ["KSA_SAML_IDP_CONFIG"]) as _f:
    _CONFIG = json.load(_f)
_EVENTS = EventLog(_CONFIG.get("events_log"))
event = _EVENTS.event

NS = {
    "S": "http://schemas.xmlsoap.org/soap/envelope/",
    "s12": "http://www.w3.org/2003/05/soap-envelope",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsp": "http://schemas.xmlsoap.org/ws/2004/09/policy",
    "trust": "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
}
LIFETIME = datetime.timedelta(minutes=5)
SAML2_ID_ATTR = ("ID", NS["saml"] + ":Assertion")
SAML1_ID_ATTR = ("AssertionID", "urn:oasis:names:tc:SAML:1.0:assertion:Assertion")


class Fault(Exception):
    def __init__(self, status, body, content_type, reason):
        super().__init__(reason)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.reason = reason


def instant(t, millis=False):
    if millis:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id():
    return "_" + secrets.token_hex(16)


def esc(value):
    return html.escape(value, quote=True)


def sign(xml, id_attr, conf):
    """The XML with its signature template filled by xmlsec1 --sign."""
    proc = xmlsec1(
        _CONFIG["xmlsec1"],
        ["--sign", "--privkey-pem", "%s,%s" % (conf["key"], conf["cert"]), "--id-attr:%s" % id_attr[0], id_attr[1]],
        xml.encode("utf-8"),
    )
    if proc.returncode != 0:
        raise RuntimeError("xmlsec1 --sign failed: %s" % proc.stderr.decode(errors="replace")[:500])
    signed = proc.stdout.decode("utf-8")
    if signed.startswith("<?xml"):
        signed = signed.split("?>", 1)[1].lstrip()
    return signed


def signature_template(reference, prefix="ds:", declare='xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'):
    """An enveloped signature (exclusive C14N, RSA-SHA256) for xmlsec1 to fill."""
    p = prefix
    return f"""<{p}Signature {declare}>
    <{p}SignedInfo>
      <{p}CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <{p}SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <{p}Reference URI="#{reference}">
        <{p}Transforms>
          <{p}Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <{p}Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        </{p}Transforms>
        <{p}DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <{p}DigestValue/>
      </{p}Reference>
    </{p}SignedInfo>
    <{p}SignatureValue/>
    <{p}KeyInfo><{p}X509Data/></{p}KeyInfo>
  </{p}Signature>"""


# ------------------------------------------------------------ SAML2 ECP


def soap11_fault(reason):
    body = f"""<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
    <S:Body>
        <S:Fault>
            <faultcode>S:Client</faultcode>
            <faultstring>{esc(reason)}</faultstring>
        </S:Fault>
    </S:Body>
</S:Envelope>
"""
    return Fault("500 Internal Server Error", body.encode(), "text/xml; charset=utf-8", reason)


def basic_credentials(environ):
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def ecp_assertion(conf, request_id, consumer, audience):
    t = now()
    assertion_id = new_id()
    entity = esc(conf["entity_id"])
    attrs = [
        ("uid", "urn:oid:0.9.2342.19200300.100.1.1", [conf["username"]]),
        ("eduPersonAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", ["member", "staff"]),
        ("mail", "urn:oid:0.9.2342.19200300.100.1.3", [conf["username"] + "@ksa.test"]),
    ]
    statement = "".join(
        f"""
    <saml2:Attribute FriendlyName="{friendly}" Name="{name}"
        NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">"""
        + "".join(f'<saml2:AttributeValue xsi:type="xs:string">{esc(v)}</saml2:AttributeValue>' for v in values)
        + "</saml2:Attribute>"
        for friendly, name, values in attrs
    )
    xml = f"""<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    ID="{assertion_id}" IssueInstant="{instant(t, True)}" Version="2.0">
  <saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{entity}</saml2:Issuer>
  {signature_template(assertion_id)}
  <saml2:Subject>
    <saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
        NameQualifier="{entity}" SPNameQualifier="{esc(audience)}">{new_id()}</saml2:NameID>
    <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml2:SubjectConfirmationData InResponseTo="{esc(request_id)}"
          NotOnOrAfter="{instant(t + LIFETIME, True)}" Recipient="{esc(consumer)}"/>
    </saml2:SubjectConfirmation>
  </saml2:Subject>
  <saml2:Conditions NotBefore="{instant(t, True)}" NotOnOrAfter="{instant(t + LIFETIME, True)}">
    <saml2:AudienceRestriction><saml2:Audience>{esc(audience)}</saml2:Audience></saml2:AudienceRestriction>
  </saml2:Conditions>
  <saml2:AuthnStatement AuthnInstant="{instant(t, True)}" SessionIndex="{new_id()}">
    <saml2:AuthnContext>
      <saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef>
    </saml2:AuthnContext>
  </saml2:AuthnStatement>
  <saml2:AttributeStatement>{statement}
  </saml2:AttributeStatement>
</saml2:Assertion>
"""
    return sign(xml, SAML2_ID_ATTR, conf)


def ecp(environ, wrong_consumer):
    conf = _CONFIG["ecp"]
    creds = basic_credentials(environ)
    if creds is None or not (
        secrets.compare_digest(creds[0].encode(), conf["username"].encode())
        and secrets.compare_digest(creds[1].encode(), conf["password"].encode())
    ):
        event("ecp_auth_failed", basic=creds is not None)
        raise Fault(
            "401 Unauthorized",
            b"Authentication required\n",
            "text/plain; charset=utf-8",
            "bad or no HTTP Basic credentials",
        )
    raw = read_body(environ)
    root = parse_xml(raw) if raw else None
    if root is None or root.tag != "{%s}Envelope" % NS["S"]:
        raise soap11_fault("the body is not a SOAP 1.1 envelope")
    requests = root.findall("S:Body/samlp:AuthnRequest", NS)
    if len(requests) != 1:
        raise soap11_fault("no samlp:AuthnRequest in the SOAP body")
    request = requests[0]
    request_id = request.get("ID") or ""
    issuer = (request.findtext("saml:Issuer", default="", namespaces=NS) or "").strip()
    if issuer != _CONFIG["sp_entity_id"]:
        raise soap11_fault("unknown service provider %r" % issuer[:200])
    consumer = request.get("AssertionConsumerServiceURL") or _CONFIG["sp_consumer_url"]
    if consumer != _CONFIG["sp_consumer_url"]:
        raise soap11_fault("AssertionConsumerServiceURL is not in the service provider's metadata")
    if wrong_consumer:
        consumer = _CONFIG["wrong_consumer_url"]
    t = now()
    assertion = ecp_assertion(conf, request_id, consumer, issuer)
    body = f"""<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/">
  <soap11:Header>
    <ecp:Response xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"
        AssertionConsumerServiceURL="{esc(consumer)}"
        soap11:actor="http://schemas.xmlsoap.org/soap/actor/next"
        soap11:mustUnderstand="1"/>
  </soap11:Header>
  <soap11:Body>
    <saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"
        Destination="{esc(consumer)}" ID="{new_id()}" InResponseTo="{esc(request_id)}"
        IssueInstant="{instant(t, True)}" Version="2.0">
      <saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"
          Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{esc(conf["entity_id"])}</saml2:Issuer>
      <saml2p:Status>
        <saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>
      </saml2p:Status>
      {assertion}
    </saml2p:Response>
  </soap11:Body>
</soap11:Envelope>
"""
    event("ecp_assertion_issued", wrong_consumer=wrong_consumer)
    return "200 OK", "text/xml; charset=utf-8", body.encode("utf-8")


# ------------------------------------------------------------ ADFS (WS-Trust 1.3)


def adfs_fault(subcode_ns, subcode, text):
    """HTTP 500 with a SOAP 1.2 fault, the shape of keystoneauth1's ADFS_fault.xml."""
    body = f"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">
    <s:Header>
        <a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action>
    </s:Header>
    <s:Body>
        <s:Fault>
            <s:Code>
                <s:Value>s:Sender</s:Value>
                <s:Subcode>
                    <s:Value xmlns:a="{subcode_ns}">a:{subcode}</s:Value>
                </s:Subcode>
            </s:Code>
            <s:Reason>
                <s:Text xml:lang="en-US">{esc(text)}</s:Text>
            </s:Reason>
        </s:Fault>
    </s:Body>
</s:Envelope>
"""
    return Fault("500 Internal Server Error", body.encode(), "application/soap+xml; charset=utf-8", text)


def saml1_assertion(conf, audience, t):
    assertion_id = new_id()
    upn = esc(conf["username"] + "@ksa.test")
    subject = f"""<saml:Subject>
        <saml:NameIdentifier Format="http://schemas.xmlsoap.org/claims/UPN">{upn}</saml:NameIdentifier>
        <saml:SubjectConfirmation>
          <saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod>
        </saml:SubjectConfirmation>
      </saml:Subject>"""
    attrs = [
        ("UPN", [conf["username"] + "@ksa.test"]),
        ("EmailAddress", [conf["username"] + "@ksa.test"]),
        ("CommonName", [conf["username"]]),
        ("Group", ["Domain Users", "ksa-users"]),
    ]
    statement = "".join(
        f"""
      <saml:Attribute AttributeName="{name}" AttributeNamespace="http://schemas.xmlsoap.org/claims">"""
        + "".join(f"<saml:AttributeValue>{esc(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in attrs
    )
    xml = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1"
    AssertionID="{assertion_id}" Issuer="{esc(conf["entity_id"])}" IssueInstant="{instant(t, True)}">
  <saml:Conditions NotBefore="{instant(t, True)}" NotOnOrAfter="{instant(t + LIFETIME, True)}">
    <saml:AudienceRestrictionCondition>
      <saml:Audience>{esc(audience)}</saml:Audience>
    </saml:AudienceRestrictionCondition>
  </saml:Conditions>
  <saml:AttributeStatement>
      {subject}{statement}
  </saml:AttributeStatement>
  <saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password"
      AuthenticationInstant="{instant(t, True)}">
      {subject}
  </saml:AuthenticationStatement>
  {signature_template(assertion_id, "", 'xmlns="http://www.w3.org/2000/09/xmldsig#"')}
</saml:Assertion>
"""
    return assertion_id, sign(xml, SAML1_ID_ATTR, conf)


def adfs(environ):
    conf = _CONFIG["adfs"]
    wss = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    raw = read_body(environ)
    root = parse_xml(raw) if raw else None
    if root is None or root.tag != "{%s}Envelope" % NS["s12"]:
        raise adfs_fault(NS["trust"], "InvalidRequest", "The request is not a SOAP 1.2 envelope.")
    token = root.find("s12:Header/wsse:Security/wsse:UsernameToken", NS)
    username = token.findtext("wsse:Username", default="", namespaces=NS) if token is not None else ""
    password = token.findtext("wsse:Password", default="", namespaces=NS) if token is not None else ""
    if not (
        secrets.compare_digest(username.encode(), conf["username"].encode())
        and secrets.compare_digest(password.encode(), conf["password"].encode())
    ):
        event("adfs_auth_failed", username_token=token is not None)
        raise adfs_fault(
            wss, "FailedAuthentication", "At least one security token in the message could not be validated."
        )
    expires = root.findtext("s12:Header/wsse:Security/wsu:Timestamp/wsu:Expires", default="", namespaces=NS)
    if expires and expires.strip()[:19] < instant(now())[:19]:
        raise adfs_fault(wss, "MessageExpired", "The message has expired.")
    to = (root.findtext("s12:Header/wsa:To", default="", namespaces=NS) or "").strip()
    if to and to != conf["url"]:
        raise adfs_fault(NS["wsa"], "DestinationUnreachable", "wsa:To is not this endpoint.")
    rst = root.find("s12:Body/trust:RequestSecurityToken", NS)
    applies_to = ""
    if rst is not None:
        applies_to = (
            rst.findtext("wsp:AppliesTo/wsa:EndpointReference/wsa:Address", default="", namespaces=NS) or ""
        ).strip()
    if applies_to not in conf["relying_parties"]:
        event("adfs_unknown_relying_party")
        raise adfs_fault(NS["trust"], "InvalidRequest", "MSIS7007: The requested relying party trust is unidentified.")
    message_id = root.findtext("s12:Header/wsa:MessageID", default="", namespaces=NS) or ""
    t = now()
    assertion_id, assertion = saml1_assertion(conf, applies_to, t)
    body = f"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
    <s:Header>
        <a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal</a:Action>
        <a:RelatesTo>{esc(message_id.strip())}</a:RelatesTo>
        <o:Security s:mustUnderstand="1" xmlns:o="{wss}">
            <u:Timestamp u:Id="_0">
                <u:Created>{instant(t, True)}</u:Created>
                <u:Expires>{instant(t + LIFETIME, True)}</u:Expires>
            </u:Timestamp>
        </o:Security>
    </s:Header>
    <s:Body>
        <trust:RequestSecurityTokenResponseCollection xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
            <trust:RequestSecurityTokenResponse>
                <trust:Lifetime>
                    <wsu:Created xmlns:wsu="{NS["wsu"]}">{instant(t, True)}</wsu:Created>
                    <wsu:Expires xmlns:wsu="{NS["wsu"]}">{instant(t + LIFETIME, True)}</wsu:Expires>
                </trust:Lifetime>
                <wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">
                    <wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing">
                        <wsa:Address>{esc(applies_to)}</wsa:Address>
                    </wsa:EndpointReference>
                </wsp:AppliesTo>
                <trust:RequestedSecurityToken>
                    {assertion}
                </trust:RequestedSecurityToken>
                <trust:RequestedAttachedReference>
                    <o:SecurityTokenReference k:TokenType="http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1" xmlns:o="{wss}" xmlns:k="http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd">
                        <o:KeyIdentifier ValueType="http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID">{assertion_id}</o:KeyIdentifier>
                    </o:SecurityTokenReference>
                </trust:RequestedAttachedReference>
                <trust:RequestedUnattachedReference>
                    <o:SecurityTokenReference k:TokenType="http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1" xmlns:o="{wss}" xmlns:k="http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd">
                        <o:KeyIdentifier ValueType="http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID">{assertion_id}</o:KeyIdentifier>
                    </o:SecurityTokenReference>
                </trust:RequestedUnattachedReference>
                <trust:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</trust:TokenType>
                <trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType>
                <trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType>
            </trust:RequestSecurityTokenResponse>
        </trust:RequestSecurityTokenResponseCollection>
    </s:Body>
</s:Envelope>"""
    event("adfs_token_issued")
    return "200 OK", "application/soap+xml; charset=utf-8", body.encode("utf-8")


# ------------------------------------------------------------ WSGI


def wrong_consumer_post(environ):
    event("wrong_consumer_post")
    raise Fault(
        "400 Bad Request",
        b"This is not a service provider: an assertion was posted to the wrong consumer\n",
        "text/plain; charset=utf-8",
        "wrong consumer",
    )


_ROUTES = {
    "/idp/profile/SAML2/SOAP/ECP": lambda environ: ecp(environ, False),
    "/idp/profile/SAML2/SOAP/ECP-wrong-consumer": lambda environ: ecp(environ, True),
    "/adfs/services/trust/13/usernamemixed": adfs,
    "/wrong-consumer/Shibboleth.sso/SAML2/ECP": wrong_consumer_post,
}


def respond(start_response, status, content_type, body, extra=()):
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body)))] + list(extra),
    )
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/health":
        return respond(start_response, "200 OK", "text/plain", b"ok\n")
    handler = _ROUTES.get(path)
    if handler is None:
        return respond(start_response, "404 Not Found", "text/plain", b"")
    _EVENTS.request(environ)
    if environ.get("REQUEST_METHOD") != "POST":
        return respond(start_response, "405 Method Not Allowed", "text/plain", b"", [("Allow", "POST")])
    try:
        return respond(start_response, *handler(environ))
    except Fault as fault:
        extra = []
        if fault.status.startswith("401"):
            extra.append(("WWW-Authenticate", 'Basic realm="ksa ECP IdP"'))
        event("refused", path=path, reason=fault.reason)
        return respond(start_response, fault.status, fault.content_type, fault.body, extra)
    except Exception as err:  # noqa: BLE001 (never a traceback to the client)
        print("saml_idp_standin: %s: %r" % (path, err), file=sys.stderr)
        return respond(start_response, "500 Internal Server Error", "text/plain", b"")


__all__ = ["application"]
