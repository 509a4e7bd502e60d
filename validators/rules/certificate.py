"""Certificate (X.509) rules and `pem-malformed`: what ACM import, IAM upload and the
clients of a Classic Load Balancer would reject in a certificate, its key and its names.

Two kinds of input are checked. Terraform certificates (`aws_acm_certificate` with a
body, `aws_iam_server_certificate`) with their certificate_body / certificate_chain /
private_key fields; and standalone PEM files (`project.pem_bundles`), where the first
certificate is the leaf, the rest its chain, and any private key its key. A file holding
only CA certificates and no key is a chain file (the chain rules check it, the leaf rules
do not); a key-only file is fine. `load()` turns both into `Material` for these rules and
the chain rules (rules/chain.py), and reports unreadable and unresolved fields once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography import x509

from .. import pki
from ..catalog import finding
from ..facts import cabf, key_support, limits
from ..findings import Finding, Where
from ..model import CertificateResource, Context, HostBinding, LoadBalancer, Pem, Project, Unresolved
from . import links

# Model attribute -> the Terraform argument name messages use.
FIELDS = {"body": "certificate_body", "chain": "certificate_chain", "private_key": "private_key"}
WEAK_HASHES = {"md5": "MD5", "sha1": "SHA-1"}   # signature hashes clients reject


@dataclass
class Material:
    """One certificate as the rules see it, parsed."""

    label: str                       # the resource address, or the PEM file path
    where: Where
    kind: str                        # "acm-imported", "iam" or "bundle"
    resource: CertificateResource | None = None
    leaf: x509.Certificate | None = None
    body_certs: tuple[x509.Certificate, ...] = ()   # every certificate in the body
    chain: tuple[x509.Certificate, ...] = ()
    chain_given: bool = False        # a chain was supplied (resource field, or file with >1 cert)
    keys: tuple[pki.KeyBlock, ...] = ()
    body_size: tuple[int, str] | None = None        # (size, unit) of what AWS measures
    key_size: int | None = None                     # bytes of the private_key field
    origins: dict[str, str] = field(default_factory=dict)   # field -> PEM file it came from
    unknown: set[str] = field(default_factory=set)  # fields unresolved or malformed

    def names(self, attr: str) -> str:
        """`aws_acm_certificate.web certificate_body (from certs/site.crt)` or the file path."""
        if self.resource is None:
            return self.label
        origin = self.origins.get(attr)
        suffix = f" (from {origin})" if origin and origin != self.where.file else ""
        return f"{self.label} {FIELDS[attr]}{suffix}"

    @property
    def leaf_name(self) -> str:
        return self.names("body")

    @property
    def who(self) -> str:
        """How a message names the leaf (built only when a finding needs it)."""
        return f"{self.leaf_name}: certificate {pki.describe(self.leaf)}"


def load(project: Project) -> tuple[list[Material], list[Finding]]:
    """Every certificate field and PEM file parsed, once per Project however many rules
    ask: the materials and the pem-malformed / value-unresolved findings about them."""
    return project.derive("certificate.materials", _load_all)


def _load_all(project: Project) -> tuple[list[Material], list[Finding]]:
    materials: list[Material] = []
    problems: list[Finding] = []
    for resource in project.certificates:
        if resource.kind != "acm-requested":
            materials.append(_load_resource(resource, problems))
    for bundle in project.pem_bundles:
        material = _load_bundle(bundle.pem, problems)
        if material is not None:
            materials.append(material)
    return materials, problems


def _load_resource(resource: CertificateResource, problems: list[Finding]) -> Material:
    m = Material(label=resource.address, where=resource.where, kind=resource.kind, resource=resource)
    for attr, arg in FIELDS.items():
        value = getattr(resource, attr)
        if value is None:
            continue
        if isinstance(value, Unresolved):
            m.unknown.add(attr)
            problems.extend(links.need(value, resource.where, f"{resource.address} {arg}"))
            continue
        if value.origin.file:
            m.origins[attr] = value.origin.file
        text = value.reveal()
        if attr == "chain" and not text.strip():
            continue                      # an empty chain is the same as none
        try:
            contents = pki.parse_pem(text)
            _expect(attr, contents)
        except pki.PemError as exc:
            m.unknown.add(attr)
            problems.append(finding("pem-malformed", f"{m.names(attr)} {exc}", resource.where))
            continue
        if attr == "body":
            m.body_certs, m.leaf = contents.certificates, contents.certificates[0]
            m.body_size = ((len(text), "characters") if resource.kind == "iam"
                           else (len(text.encode()), "bytes"))
        elif attr == "chain":
            m.chain, m.chain_given = contents.certificates, True
        else:
            m.keys, m.key_size = contents.keys, len(text.encode())
    return m


def _expect(attr: str, contents: pki.PemContents) -> None:
    """Raise PemError when a field holds the wrong kind of block for its argument."""
    extra = [f"a {label}" for label in contents.other_labels]
    if attr == "private_key":
        if not contents.keys:
            raise pki.PemError("holds no private key block" + _found(contents))
        if len(contents.keys) > 1:
            raise pki.PemError(f"holds {len(contents.keys)} private keys; give exactly one")
        if contents.certificates or extra:
            raise pki.PemError("also holds " + ", ".join((["a CERTIFICATE"] if contents.certificates else [])
                                                        + extra) + " block; keep only the private key")
        return
    if not contents.certificates:
        raise pki.PemError("holds no CERTIFICATE block" + _found(contents))
    if contents.keys:
        raise pki.PemError("also holds a private key; it belongs in private_key only "
                           "(and out of the certificate files)")
    if extra:
        raise pki.PemError(f"also holds {', '.join(extra)} block; keep only certificates")


def _found(contents: pki.PemContents) -> str:
    labels = [k.label for k in contents.keys] + list(contents.other_labels)
    if contents.certificates:
        labels.insert(0, "CERTIFICATE")
    return f" (found {', '.join(labels)})" if labels else ""


def _load_bundle(pem: Pem, problems: list[Finding]) -> Material | None:
    path = pem.origin.file or "(PEM file)"
    where = Where(file=pem.origin.file)
    try:
        contents = pki.parse_pem(pem.reveal())
    except pki.PemError as exc:
        problems.append(finding("pem-malformed", f"{path} {exc}", where))
        return None
    certs = contents.certificates
    if not certs and not contents.keys:
        return None                       # a CSR or public key file: nothing to check
    m = Material(label=path, where=where, kind="bundle", keys=contents.keys)
    if certs and not contents.keys and all(pki.is_ca(c) for c in certs):
        m.chain, m.chain_given = certs, True          # a CA / chain file
    elif certs:
        m.leaf, m.body_certs = certs[0], certs[:1]
        m.chain, m.chain_given = certs[1:], len(certs) > 1
        m.body_size = (contents.cert_sizes[0], "bytes")
    return m


def leaf_of(project: Project, resource: CertificateResource) -> x509.Certificate | None:
    """The leaf certificate `load()` parsed from `resource`'s body (None when there is none
    it could use), so that other rules need not parse the body again."""
    materials = project.derive("certificate.by_resource", _by_resource)
    return next((m.leaf for m in materials.get(links.key(resource), ()) if m.resource is resource), None)


def _by_resource(project: Project) -> dict[links.Key, list[Material]]:
    out: dict[links.Key, list[Material]] = {}
    for m in load(project)[0]:
        if m.resource is not None:
            out.setdefault(links.key(m.resource), []).append(m)
    return out


# --- who uses a certificate --------------------------------------------------------------

def load_balancers_using(project: Project, cert: CertificateResource) -> list[LoadBalancer]:
    """The aws_elb resources with a listener whose ssl_certificate_id is `cert` (directly,
    or through its aws_acm_certificate_validation; see links.py), each once."""
    seen: dict[links.Key, LoadBalancer] = {}
    for lb, _listener in links.of(project).users(cert):
        seen.setdefault(links.key(lb), lb)
    return list(seen.values())


def served_hosts(project: Project, m: Material) -> list[HostBinding]:
    """The host names served through a certificate: the HostBindings (Route 53 aliases,
    stack config, CDK; the input layer makes them) bound to the certificate resource or to
    a load balancer that uses it; for a standalone PEM file, those bound to its path (a
    file belongs to no root module, so its bindings carry no stack)."""
    index = links.of(project)
    if m.resource is None:
        return index.hosts_bound([("", m.label)])
    targets = [links.key(m.resource)] + [links.key(lb) for lb in load_balancers_using(project, m.resource)]
    return index.hosts_bound(targets)


# --- the checks --------------------------------------------------------------------------

def _at(ctx: Context) -> datetime:
    return ctx.at if ctx.at.tzinfo else ctx.at.replace(tzinfo=timezone.utc)


def check_inputs(project: Project, ctx: Context) -> Iterator[Finding]:
    """pem-malformed and value-unresolved, once per field or file."""
    yield from load(project)[1]


def check_validity(project: Project, ctx: Context) -> Iterator[Finding]:
    """cert-expired, cert-not-yet-valid, cert-expiring-soon, cert-validity-too-long (leaf)."""
    at = _at(ctx)
    for m in _with_leaf(project):
        leaf = m.leaf
        start, end = pki.not_before(leaf), pki.not_after(leaf)
        if at > end:
            yield finding("cert-expired", f"{m.who} expired on {pki.iso(end)} (evaluated at {pki.iso(at)}); "
                          "renew it and replace the certificate", m.where)
        elif at < start:
            yield finding("cert-not-yet-valid", f"{m.who} is not valid before {pki.iso(start)} "
                          f"(evaluated at {pki.iso(at)}); ACM rejects it until then", m.where)
        elif end - at <= timedelta(days=ctx.warn_days):
            days = (end - at).days
            yield finding("cert-expiring-soon", f"{m.who} expires on {pki.iso(end)}, in {days} day(s) "
                          f"(warning window {ctx.warn_days} days); renew it now: AWS never renews "
                          "imported or IAM certificates", m.where)
        if not pki.is_self_signed(leaf) and cabf.exceeds_max_validity(start, end):
            limit = cabf.max_validity_days(start)
            yield finding("cert-validity-too-long",
                f"{m.who} is valid for {cabf.validity_days(start, end)} days ({pki.iso(start)} to "
                f"{pki.iso(end)}, counted inclusively in 86,400-second days); the CA/Browser Forum limit "
                f"for a certificate issued then is {limit} days (ballot SC-081v3), so browsers distrust "
                "it; have the CA reissue it within the limit", m.where)


def check_form(project: Project, ctx: Context) -> Iterator[Finding]:
    """cert-not-v3, multiple-certificates-in-body, certificate-too-large,
    weak-signature-algorithm (leaf and chain; a self-signed root's own signature is not
    relied on by clients and is skipped)."""
    for m in load(project)[0]:
        leaf = m.leaf
        if leaf is not None:
            if leaf.version != x509.Version.v3:
                yield finding("cert-not-v3", f"{m.who} is X.509 {leaf.version.name}; ACM and browsers need "
                              "version 3: reissue it as v3 (with subjectAltName)", m.where)
            if len(m.body_certs) > 1:
                yield finding("multiple-certificates-in-body",
                    f"{m.leaf_name} holds {len(m.body_certs)} certificates; keep only the leaf "
                    f"({pki.describe(leaf)}) there and move the others to certificate_chain", m.where)
            yield from _too_large(m)
            yield from _weak_signature(m, m.leaf_name, leaf, "certificate")
        for cert in m.chain:
            if not pki.is_self_signed(cert):
                yield from _weak_signature(m, m.names("chain") if m.resource else m.label, cert,
                                           "chain certificate")


def _too_large(m: Material) -> Iterator[Finding]:
    if m.body_size is None:
        return
    size, unit = m.body_size
    if m.kind == "iam":
        limit, text = limits.IAM_CERTIFICATE_MAX_CHARS, "16,384 characters (IAM limit)"
    elif m.kind == "acm-imported":
        limit, text = limits.ACM_CERTIFICATE_MAX_BYTES, "32,768 bytes (ACM limit)"
    else:   # a standalone file: its deployment is unknown, hold it to the stricter limit
        limit, text = limits.IAM_CERTIFICATE_MAX_CHARS, "16,384 characters (IAM limit; ACM takes 32,768 bytes)"
    if size > limit:
        yield finding("certificate-too-large", f"{m.leaf_name} is {size:,} {unit}, over {text}; "
                      "keep only the leaf certificate in the body", m.where)


def _weak_signature(m: Material, name: str, cert: x509.Certificate, role: str) -> Iterator[Finding]:
    digest = pki.signature_hash_name(cert)
    if digest in WEAK_HASHES:
        yield finding("weak-signature-algorithm", f"{name}: {role} {pki.describe(cert)} is signed with "
                      f"{WEAK_HASHES[digest]}; clients reject it: have it reissued with SHA-256 or stronger",
                      m.where)


def check_keys(project: Project, ctx: Context) -> Iterator[Finding]:
    """key-too-weak, key-algorithm-unsupported, key-mismatch, private-key-encrypted,
    private-key-too-large."""
    for m in load(project)[0]:
        leaf = m.leaf
        for block in m.keys:
            if block.encrypted:
                yield finding("private-key-encrypted", f"{m.names('private_key')}: the private key "
                              f"({block.label}, line {block.line}) is passphrase-protected; ACM and IAM need "
                              "it unencrypted: `openssl pkey -in key.pem -out plain.pem`", m.where)
        yield from _key_too_large(m)
        if leaf is None:
            continue
        kind = pki.key_type(leaf)
        if _weak_key(leaf):
            yield finding("key-too-weak", f"{m.who} has a {kind} key; use RSA 2048 or more, or EC P-256/P-384/P-521",
                          m.where)
        yield from _unsupported_key(project, m, kind)
        usable = [b for b in m.keys if not b.encrypted]
        if usable and not pki.key_matches(leaf, usable[0]):
            yield finding("key-mismatch", f"{m.names('private_key')}: the private key ({pki.key_type(usable[0].key)}, "
                          f"line {usable[0].line}) does not belong to certificate {pki.describe(leaf)}; "
                          "pair the certificate with the key it was issued for", m.where)
    yield from _requested_key_algorithms(project)


def _weak_key(cert: x509.Certificate) -> bool:
    key = cert.public_key()
    if curve := getattr(key, "curve", None):
        return curve.name not in cabf.ALLOWED_CURVES
    return pki.key_type(cert).startswith("RSA_") and key.key_size < cabf.MIN_RSA_BITS


def _key_too_large(m: Material) -> Iterator[Finding]:
    if m.kind == "iam":
        limit, text = limits.IAM_PRIVATE_KEY_MAX_CHARS, "16,384 characters (IAM limit)"
    else:
        limit, text = limits.ACM_PRIVATE_KEY_MAX_BYTES, "5,120 bytes (ACM import limit)"
    sizes = [m.key_size] if m.key_size is not None else [b.size for b in m.keys]
    for size in sizes:
        if size > limit:
            yield finding("private-key-too-large", f"{m.names('private_key')}: the private key is {size:,} "
                          f"bytes, over {text}; use a smaller key (RSA 2048 or EC P-256) and "
                          "drop any text around the PEM block", m.where)


_FIXES = {
    "clb-acm": "use an RSA 2048 key, or upload the certificate to IAM (aws_iam_server_certificate), "
               "which Classic Load Balancers also accept with RSA 3072/4096 and EC P-256/P-384 keys",
    "clb-iam": "use an RSA 2048-4096 or EC P-256/P-384 key",
    "acm-import": "ACM imports only RSA 1024-4096 and EC P-256/P-384/P-521 keys",
}


def _unsupported_key(project: Project, m: Material, kind: str) -> Iterator[Finding]:
    users = load_balancers_using(project, m.resource) if m.resource is not None else []
    if m.kind == "iam":
        deployment = "clb-iam"
    elif m.kind == "acm-imported" and users:
        deployment = "clb-acm"
    else:
        deployment = "acm-import"
    accepted, name = key_support.DEPLOYMENTS[deployment]
    if kind in accepted:
        return
    used_by = f" (used by {', '.join(lb.address for lb in users)})" if users else ""
    yield finding("key-algorithm-unsupported",
        f"{m.who}{used_by} has key type {kind}, which {name} does not take (it takes "
        f"{', '.join(sorted(accepted))}); {_FIXES[deployment]}", m.where)


def _requested_key_algorithms(project: Project) -> Iterator[Finding]:
    for cert in project.certificates:
        if cert.kind != "acm-requested":
            continue
        users = load_balancers_using(project, cert)
        if not users:
            continue
        algorithm = cert.key_algorithm
        used_by = ", ".join(lb.address for lb in users)
        if isinstance(algorithm, Unresolved):
            yield from links.need(algorithm, cert.where, f"{cert.address} key_algorithm (used by {used_by})")
        elif isinstance(algorithm, str) and not key_support.clb_can_use_requested(algorithm):
            yield finding("key-algorithm-unsupported",
                f"{cert.address} requests a {algorithm} key but {used_by} (a Classic Load Balancer) takes "
                "only RSA 1024/2048 keys from ACM; set key_algorithm = \"RSA_2048\" (the default)", cert.where)


def check_names(project: Project, ctx: Context) -> Iterator[Finding]:
    """missing-san, leaf-is-ca, missing-server-auth-eku, domain-not-covered."""
    for m in _with_leaf(project):
        leaf = m.leaf
        sans = pki.dns_names(leaf)
        if not sans:
            yield finding("missing-san", f"{m.who} has no DNS subjectAltName; clients ignore the common name: "
                          "reissue it with the host names as subjectAltName", m.where)
        if pki.is_ca(leaf):
            yield finding("leaf-is-ca", f"{m.who} is a CA certificate (basicConstraints CA=TRUE); deploy the "
                          "end-entity certificate issued for your host names instead", m.where)
        if not pki.server_auth_allowed(leaf):
            yield finding("missing-server-auth-eku", f"{m.who} has an extendedKeyUsage without serverAuth, so "
                          "TLS clients refuse it; reissue it with extendedKeyUsage serverAuth", m.where)
        seen: set[str] = set()
        for binding in served_hosts(project, m):
            host = binding.host.strip().rstrip(".").lower()
            if host in seen or pki.covers(sans, host):
                continue
            seen.add(host)
            via = binding.where.resource or ":".join(str(p) for p in (binding.where.file, binding.where.line) if p)
            yield finding("domain-not-covered",
                f"{m.who} does not cover {host} (served through {binding.target}"
                + (f", declared by {via}" if via else "") + f"); its DNS names are {', '.join(sans) or 'none'}: "
                "add the name to the certificate (`*.example.com` covers neither `example.com` "
                "nor `a.b.example.com`)", m.where)


def _with_leaf(project: Project) -> Iterable[Material]:
    return (m for m in load(project)[0] if m.leaf is not None)


CHECKS = [check_inputs, check_validity, check_form, check_keys, check_names]
