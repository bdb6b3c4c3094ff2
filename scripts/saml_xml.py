"""SAML 2.0 responses for rolecall's test IdP (scripts/saml_idp.py) and their checks in the
STS stand-in (scripts/saml_standin.py): the XML-DSig both sides agree on.

The IdP writes every element in exclusive-canonical form already (namespace declarations
first, attributes sorted, start and end tags, c14n escaping, no whitespace between
elements), so the bytes of the <Assertion> without its <Signature> *are* its exclusive
C14N, and the bytes of <SignedInfo> (which declares xmlns:ds itself) are its own. The
signature is RSA-SHA256 over SignedInfo, the digest SHA-256 over the assertion with the
enveloped signature removed: standard XML-DSig, checked here on those bytes (a response
re-serialised by someone else fails the check, which is what a test stand-in wants).
"""
import base64
import hashlib
import re

NS_P = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_A = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def text(s):
    """Character data escaped as C14N writes it."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")


def attr(s):
    """An attribute value escaped as C14N writes it."""
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


def el(tag, attrs=None, body="", ns=None):
    """One element in canonical form: namespace declarations, then attributes by name."""
    decls = "".join(f' xmlns:{p}="{attr(u)}"' for p, u in sorted((ns or {}).items()))
    rest = "".join(f' {k}="{attr(v)}"' for k, v in sorted((attrs or {}).items()))
    return f"<{tag}{decls}{rest}>{body}</{tag}>"


def signature(assertion_c14n, assertion_id, private_key, cert_der):
    """The <ds:Signature> element for an assertion (its canonical bytes, signature absent)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    digest = base64.b64encode(hashlib.sha256(assertion_c14n.encode()).digest()).decode()
    signed_info = el("ds:SignedInfo", ns={"ds": NS_DS}, body=(
        el("ds:CanonicalizationMethod", {"Algorithm": EXC_C14N})
        + el("ds:SignatureMethod", {"Algorithm": RSA_SHA256})
        + el("ds:Reference", {"URI": "#" + assertion_id}, (
            el("ds:Transforms", body=el("ds:Transform", {"Algorithm": ENVELOPED}) + el("ds:Transform", {"Algorithm": EXC_C14N}))
            + el("ds:DigestMethod", {"Algorithm": SHA256})
            + el("ds:DigestValue", body=digest)))))
    value = base64.b64encode(private_key.sign(signed_info.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    return el("ds:Signature", ns={"ds": NS_DS}, body=(
        signed_info
        + el("ds:SignatureValue", body=value)
        + el("ds:KeyInfo", body=el("ds:X509Data", body=el("ds:X509Certificate", body=base64.b64encode(cert_der).decode())))))


class Invalid(Exception):
    """The response is malformed or its signature does not hold."""


def _one(pattern, data, what):
    found = list(re.finditer(pattern, data, re.S))
    if len(found) != 1:
        raise Invalid(f"expected one {what}, found {len(found)}")
    return found[0]


def verified_assertion(xml, public_key):
    """The assertion of a response, signature removed, once its digest and signature hold
    (`public_key`: the IdP's, never the one in KeyInfo). Raises Invalid otherwise. The
    caller reads the claims from the returned bytes only, so nothing outside what was
    signed (a wrapped second assertion, say) can count."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise Invalid("document type declarations are not allowed")
    a = _one(rb"<(?P<p>[A-Za-z_][\w.-]*:)?Assertion[\s>].*?</(?P=p)Assertion>", xml, "Assertion")
    assertion = a.group(0)
    s = _one(rb"<(?P<p>[A-Za-z_][\w.-]*:)?Signature[\s>].*?</(?P=p)Signature>", assertion, "Signature")
    unsigned = assertion[:s.start()] + assertion[s.end():]
    sig = s.group(0)
    signed_info = _one(rb"<(?P<p>[A-Za-z_][\w.-]*:)?SignedInfo[\s>].*?</(?P=p)SignedInfo>", sig, "SignedInfo").group(0)
    digest = _one(rb"<(?P<p>[A-Za-z_][\w.-]*:)?DigestValue>([^<]*)</(?P=p)DigestValue>", signed_info, "DigestValue").group(2)
    uri = _one(rb'<(?P<p>[A-Za-z_][\w.-]*:)?Reference URI="#([^"]*)"', signed_info, "Reference").group(2)
    value = _one(rb"<(?P<p>[A-Za-z_][\w.-]*:)?SignatureValue>([^<]*)</(?P=p)SignatureValue>", sig, "SignatureValue").group(2)
    head = re.match(rb"<[^>]*>", unsigned).group(0)
    if not re.search(rb'\sID="' + re.escape(uri) + rb'"', head):
        raise Invalid("the signature does not reference the assertion")
    if base64.b64encode(hashlib.sha256(unsigned).digest()) != digest.strip():
        raise Invalid("digest mismatch")
    try:
        public_key.verify(base64.b64decode(value), signed_info, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as e:
        raise Invalid("bad signature") from e
    return unsigned
