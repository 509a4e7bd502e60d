"""Certificate (X.509) rules and pem-malformed: one positive and one negative case per slug."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from elbtls.validators.findings import Where
from elbtls.validators.model import (CertificateResource, CertificateValidation, Context, DnsRecord, HostBinding,
                                     Listener, LoadBalancer, Pem, PemBundle, Project, Ref, Unresolved)
from elbtls.validators.rules import certificate
from tests.certs import bundle, key_pem, make_ca, make_leaf, private_key

UTC = dt.timezone.utc
AT = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
NB = AT - dt.timedelta(days=10)
ROOT = make_ca(not_before=AT - dt.timedelta(days=800))
INTER = make_ca("Test Intermediate", issuer=ROOT, not_before=AT - dt.timedelta(days=700))
LEAF = make_leaf(INTER, sans=("www.example.com", "*.api.example.com"), not_before=NB)
ADDR = "aws_acm_certificate.web"
WHERE = Where(file="main.tf", line=7, resource=ADDR)


def pem(text: str, file: str | None = "main.tf") -> Pem:
    return Pem(text=SecretStr(text), origin=Where(file=file))


def cert_resource(leaf=LEAF, chain=(INTER,), key=None, *, kind="acm-imported", address=ADDR, **fields):
    """A Terraform certificate: the leaf as body, `chain` (certificates, or a Pem/Unresolved
    field as is) as chain, the leaf's key unless `key` (PEM text) is given."""
    if isinstance(chain, (Pem, Unresolved)):
        chain_field = chain
    else:
        chain_field = pem(bundle(*chain)) if chain else None
    values = dict(body=pem(leaf.cert_pem) if leaf is not None else None, chain=chain_field,
                  private_key=pem(key if key is not None else leaf.key_pem, "secrets/key.pem"))
    values.update(fields)
    where = Where(file="main.tf", line=7, resource=address)
    return CertificateResource(address=address, where=where, kind=kind, **values)


def elb(*targets, address="aws_elb.web") -> LoadBalancer:
    listeners = [Listener(lb_port=443, lb_protocol="HTTPS", instance_port=80, instance_protocol="HTTP",
                          ssl_certificate_id=t, where=Where(file="elb.tf", line=3)) for t in targets]
    return LoadBalancer(address=address, where=Where(file="elb.tf", line=1, resource=address), listeners=listeners)


def run(project: Project, at: dt.datetime = AT, warn_days: int = 30):
    ctx = Context(at=at, warn_days=warn_days)
    return [f for check in certificate.CHECKS for f in check(project, ctx)]


def slugs(project: Project, **kw) -> list[str]:
    return sorted(f.rule for f in run(project, **kw))


def only(project: Project, slug: str, **kw):
    found = [f for f in run(project, **kw) if f.rule == slug]
    assert len(found) == 1, found
    return found[0]


def test_clean_imported_certificate_has_no_findings():
    project = Project(certificates=[cert_resource()], load_balancers=[elb(Ref(address=ADDR, attribute="arn"))],
                      hosts=[HostBinding(host="www.example.com", target="aws_elb.web", where=Where())])
    assert run(project) == []


def test_clean_bundle_has_no_findings():
    assert run(Project(pem_bundles=[PemBundle(pem=pem(bundle(LEAF, INTER) + LEAF.key_pem, "site.pem"))])) == []


# --- input -------------------------------------------------------------------------------

def test_pem_malformed_names_resource_field_and_file():
    broken = LEAF.cert_pem.replace("-----END CERTIFICATE-----", "")
    found = only(Project(certificates=[cert_resource(body=pem(broken, "certs/site.crt"))]), "pem-malformed")
    assert found.resource == ADDR and found.file == "main.tf" and found.line == 7
    assert "certificate_body (from certs/site.crt)" in found.message and "no END CERTIFICATE" in found.message


@pytest.mark.parametrize("field, text, expected", [
    ("private_key", LEAF.cert_pem, "holds no private key block (found CERTIFICATE)"),
    ("private_key", LEAF.key_pem + LEAF.key_pem, "holds 2 private keys"),
    ("body", LEAF.key_pem, "holds no CERTIFICATE block"),
    ("body", LEAF.cert_pem + LEAF.key_pem, "also holds a private key"),
    ("chain", "", None),
    ("body", "", "is empty"),
])
def test_pem_malformed_wrong_content(field, text, expected):
    found = [f for f in run(Project(certificates=[cert_resource(**{field: pem(text)})])) if f.rule == "pem-malformed"]
    assert [expected in f.message for f in found] == ([True] if expected else [])
    for f in found:
        assert "PRIVATE KEY-----\n" not in f.message and LEAF.key_pem.splitlines()[1] not in f.message


def test_pem_malformed_bundle_uses_file_as_where():
    found = only(Project(pem_bundles=[PemBundle(pem=pem("not pem at all", "certs/bad.pem"))]), "pem-malformed")
    assert (found.file, found.line, found.resource) == ("certs/bad.pem", None, None)
    assert found.message.startswith("certs/bad.pem ")


def test_unresolved_field_is_reported_once_and_not_judged():
    unresolved = Unresolved(expression="var.chain", reason="no default")
    found = run(Project(certificates=[cert_resource(chain=unresolved)]))
    assert [f.rule for f in found] == ["value-unresolved"]
    assert "certificate_chain" in found[0].message and "var.chain" in found[0].message


# --- validity ----------------------------------------------------------------------------

def test_cert_expired():
    found = only(Project(certificates=[cert_resource()]), "cert-expired", at=AT + dt.timedelta(days=100))
    assert "CN=www.example.com" in found.message and "expired on 2026-08-20T12:00:00Z" in found.message
    assert "cert-expired" not in slugs(Project(certificates=[cert_resource()]))


def test_cert_not_yet_valid():
    found = only(Project(certificates=[cert_resource()]), "cert-not-yet-valid", at=NB - dt.timedelta(seconds=1))
    assert "2026-05-22T12:00:00Z" in found.message
    assert "cert-not-yet-valid" not in slugs(Project(certificates=[cert_resource()]), at=NB)


def test_cert_expiring_soon_window_is_inclusive_and_configurable():
    project = Project(certificates=[cert_resource()])       # notAfter = NB + 90 days = AT + 80 days
    assert "cert-expiring-soon" in slugs(project, warn_days=80)
    assert "cert-expiring-soon" not in slugs(project, warn_days=79)
    assert "cert-expiring-soon" not in slugs(project)
    assert slugs(project, at=AT + dt.timedelta(days=81)) == ["cert-expired"]   # expired, not "soon"


@pytest.mark.parametrize("not_before, days", [
    (dt.datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC), 398),
    (dt.datetime(2026, 3, 15, tzinfo=UTC), 200),
    (dt.datetime(2027, 3, 15, tzinfo=UTC), 100),
    (dt.datetime(2029, 3, 15, tzinfo=UTC), 47),
])
def test_cert_validity_too_long_schedule_counts_inclusively(not_before, days):
    def leaf(lifetime):
        return make_leaf(INTER, not_before=not_before, not_after=not_before + lifetime)
    at = not_before + dt.timedelta(days=1)
    exact = Project(certificates=[cert_resource(leaf(dt.timedelta(days=days, seconds=-1)))])
    over = Project(certificates=[cert_resource(leaf(dt.timedelta(days=days)))])
    assert "cert-validity-too-long" not in slugs(exact, at=at)
    found = only(over, "cert-validity-too-long", at=at)
    assert f"limit for a certificate issued then is {days} days" in found.message
    assert f"valid for {days + 1} days" in found.message


def test_self_signed_leaf_is_not_held_to_cabf_validity():
    leaf = make_leaf(None, not_before=NB, days=3650)
    assert "cert-validity-too-long" not in slugs(Project(certificates=[cert_resource(leaf, chain=())]))


# --- form --------------------------------------------------------------------------------

def test_cert_not_v3():
    v1 = make_leaf(INTER, not_before=NB, version=1)
    assert "is X.509 v1" in only(Project(certificates=[cert_resource(v1)]), "cert-not-v3").message
    assert "cert-not-v3" not in slugs(Project(certificates=[cert_resource()]))


def test_multiple_certificates_in_body():
    body = pem(bundle(LEAF, INTER))
    found = only(Project(certificates=[cert_resource(body=body)]), "multiple-certificates-in-body")
    assert "holds 2 certificates" in found.message and "CN=www.example.com" in found.message
    # in a standalone file the extra certificates are the chain, not a defect
    assert "multiple-certificates-in-body" not in slugs(Project(pem_bundles=[PemBundle(pem=pem(bundle(LEAF, INTER)))]))


@pytest.mark.parametrize("role, leaf, chain", [
    ("certificate", make_leaf(INTER, not_before=NB, hash="sha1"), (INTER,)),
    ("certificate", make_leaf(INTER, not_before=NB, hash="md5"), (INTER,)),
    ("chain certificate", make_leaf(make_ca("Old Intermediate", issuer=ROOT, hash="sha1",
                                            not_before=AT - dt.timedelta(days=5)), not_before=NB),
     (make_ca("Old Intermediate", issuer=ROOT, hash="sha1", not_before=AT - dt.timedelta(days=5)),)),
])
def test_weak_signature_algorithm(role, leaf, chain):
    found = only(Project(certificates=[cert_resource(leaf, chain)]), "weak-signature-algorithm")
    field = "certificate_body" if role == "certificate" else "certificate_chain"
    assert found.message.startswith(f"{ADDR} {field}: {role} ")


def test_weak_self_signature_of_a_root_in_the_chain_is_ignored():
    old_root = make_ca("Old Root", hash="sha1", not_before=AT - dt.timedelta(days=900))
    inter = make_ca("Mid", issuer=old_root, not_before=AT - dt.timedelta(days=800))
    leaf = make_leaf(inter, not_before=NB)
    assert "weak-signature-algorithm" not in slugs(Project(certificates=[cert_resource(leaf, (inter, old_root))]))


def _many_sans(count: int):
    return make_leaf(INTER, not_before=NB, sans=[f"host-{i:05d}.example.com" for i in range(count)])


def test_certificate_too_large_iam_limit_is_characters():
    big = _many_sans(600)                                    # ~21 KB PEM: over IAM, under ACM
    assert 16_384 < len(big.cert_pem) < 32_768
    found = only(Project(certificates=[cert_resource(big, kind="iam")]), "certificate-too-large")
    assert "16,384 characters" in found.message
    assert "certificate-too-large" not in slugs(Project(certificates=[cert_resource(big)]))


def test_certificate_too_large_acm_limit_is_bytes():
    huge = _many_sans(1100)
    assert len(huge.cert_pem.encode()) > 32_768
    assert "32,768 bytes" in only(Project(certificates=[cert_resource(huge)]), "certificate-too-large").message


# --- keys --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, weak", [("rsa1024", True), ("ec-secp256k1", True), ("rsa2048", False),
                                        ("ec256", False), ("ec521", False)])
def test_key_too_weak(kind, weak):
    leaf = make_leaf(INTER, not_before=NB, key=kind)
    assert ("key-too-weak" in slugs(Project(certificates=[cert_resource(leaf)]))) is weak


def test_key_algorithm_unsupported_acm_on_classic_lb():
    def project(kind, used=True):
        leaf = make_leaf(INTER, not_before=NB, key=kind)
        return Project(certificates=[cert_resource(leaf)],
                       load_balancers=[elb(Ref(address=ADDR, attribute="arn"))] if used else [])
    found = only(project("ec256"), "key-algorithm-unsupported")
    assert "EC_prime256v1" in found.message and "aws_elb.web" in found.message and "through ACM" in found.message
    assert "key-algorithm-unsupported" in slugs(project("rsa4096"))
    assert "key-algorithm-unsupported" in slugs(project("rsa3072"))
    assert "key-algorithm-unsupported" not in slugs(project("rsa2048"))
    assert "key-algorithm-unsupported" not in slugs(project("rsa1024"))
    # not used by a load balancer: only the import matrix applies
    assert "key-algorithm-unsupported" not in slugs(project("rsa4096", used=False))
    assert "key-algorithm-unsupported" not in slugs(project("ec521", used=False))
    assert "key-algorithm-unsupported" in slugs(project("ec-secp256k1", used=False))


def test_key_algorithm_unsupported_through_validation_reference():
    validation = CertificateValidation(address="aws_acm_certificate_validation.web", where=Where(),
                                       certificate_arn=Ref(address=ADDR, attribute="arn"))
    leaf = make_leaf(INTER, not_before=NB, key="ec384")
    project = Project(certificates=[cert_resource(leaf)], validations=[validation],
                      load_balancers=[elb(Ref(address=validation.address, attribute="certificate_arn"))])
    assert "key-algorithm-unsupported" in slugs(project)


@pytest.mark.parametrize("kind, unsupported", [("ec256", False), ("ec384", False), ("ec521", True),
                                               ("rsa4096", False), ("rsa1024", True)])
def test_key_algorithm_unsupported_iam(kind, unsupported):
    leaf = make_leaf(INTER, not_before=NB, key=kind)
    cert = cert_resource(leaf, kind="iam", address="aws_iam_server_certificate.web")
    assert ("key-algorithm-unsupported" in slugs(Project(certificates=[cert]))) is unsupported


def test_key_algorithm_unsupported_requested_certificate():
    def project(algorithm, used=True):
        cert = CertificateResource(address=ADDR, where=WHERE, kind="acm-requested",
                                   domain_name="www.example.com", key_algorithm=algorithm)
        return Project(certificates=[cert], load_balancers=[elb(Ref(address=ADDR, attribute="arn"))] if used else [])
    found = only(project("EC_prime256v1"), "key-algorithm-unsupported")
    assert found.resource == ADDR and "key_algorithm = \"RSA_2048\"" in found.message
    assert "key-algorithm-unsupported" in slugs(project("RSA_4096"))
    assert run(project("RSA_2048")) == run(project(None)) == run(project("EC_prime256v1", used=False)) == []
    unresolved = run(project(Unresolved(expression="var.algo", reason="no default")))
    assert [f.rule for f in unresolved] == ["value-unresolved"]


def test_key_mismatch():
    other = key_pem(private_key("rsa2048", slot="other"))
    found = only(Project(certificates=[cert_resource(key=other)]), "key-mismatch")
    assert "does not belong to certificate CN=www.example.com" in found.message
    assert "secrets/key.pem" in found.message
    assert "key-mismatch" in slugs(Project(pem_bundles=[PemBundle(pem=pem(LEAF.cert_pem + other))]))


@pytest.mark.parametrize("fmt", ["pkcs8", "traditional"])
def test_private_key_encrypted(fmt):
    encrypted = key_pem(LEAF.key, fmt=fmt, passphrase=b"hunter2")
    found = only(Project(certificates=[cert_resource(key=encrypted)]), "private-key-encrypted")
    assert "passphrase-protected" in found.message and "hunter2" not in found.message
    assert "key-mismatch" not in slugs(Project(certificates=[cert_resource(key=encrypted)]))
    assert "private-key-encrypted" in slugs(Project(pem_bundles=[PemBundle(pem=pem(encrypted, "k.pem"))]))


def test_private_key_too_large():
    leaf = make_leaf(INTER, not_before=NB, key="rsa4096")
    padded = "Bag Attributes\n" + "    friendlyName: x\n" * 100 + leaf.key_pem     # as pkcs12 exports
    assert len(leaf.key_pem) < 5_120 < len(padded) < 16_384
    found = only(Project(certificates=[cert_resource(leaf, key=padded)]), "private-key-too-large")
    assert "5,120 bytes" in found.message
    assert "private-key-too-large" not in slugs(Project(certificates=[cert_resource(leaf)]))
    iam = cert_resource(leaf, key=padded, kind="iam", address="aws_iam_server_certificate.web")
    assert "private-key-too-large" not in slugs(Project(certificates=[iam]))


# --- names and extensions ------------------------------------------------------------------

def test_missing_san():
    no_san = make_leaf(INTER, not_before=NB, sans=None, cn="www.example.com")
    assert "no DNS subjectAltName" in only(Project(certificates=[cert_resource(no_san)]), "missing-san").message
    assert "missing-san" not in slugs(Project(certificates=[cert_resource()]))


def test_leaf_is_ca():
    ca_leaf = make_leaf(INTER, not_before=NB, ca=True)
    assert "CA=TRUE" in only(Project(certificates=[cert_resource(ca_leaf)]), "leaf-is-ca").message
    assert "leaf-is-ca" not in slugs(Project(certificates=[cert_resource()]))


@pytest.mark.parametrize("eku, fires", [(("clientAuth",), True), (("serverAuth", "clientAuth"), False), (None, False)])
def test_missing_server_auth_eku(eku, fires):
    leaf = make_leaf(INTER, not_before=NB, eku=eku)
    assert ("missing-server-auth-eku" in slugs(Project(certificates=[cert_resource(leaf)]))) is fires


def _hosts_project(*hosts, target="aws_elb.web"):
    record = Where(file="dns.tf", line=4, resource="aws_route53_record.www")
    bindings = [HostBinding(host=h, target=target, where=record) for h in hosts]
    return Project(certificates=[cert_resource()], load_balancers=[elb(Ref(address=ADDR, attribute="id"))],
                   hosts=bindings)


def test_domain_not_covered_through_load_balancer():
    found = only(_hosts_project("example.com"), "domain-not-covered")
    assert "does not cover example.com" in found.message and "aws_route53_record.www" in found.message
    assert found.resource == ADDR
    assert [f.rule for f in run(_hosts_project("a.b.api.example.com", "x.example.com"))] == ["domain-not-covered"] * 2


def test_domain_covered_cases():
    assert run(_hosts_project("WWW.example.com.", "v1.api.example.com")) == []
    assert run(_hosts_project("other.example.org", target="aws_elb.unrelated")) == []


def test_domain_not_covered_bound_to_certificate_or_file():
    assert "domain-not-covered" in slugs(_hosts_project("shop.example.com", target=ADDR))
    project = Project(pem_bundles=[PemBundle(pem=pem(bundle(LEAF, INTER), "site.pem"))],
                      hosts=[HostBinding(host="shop.example.com", target="site.pem", where=Where())])
    assert "domain-not-covered" in slugs(project)


def test_domain_rules_read_host_bindings_only():
    """A Route 53 alias becomes a HostBinding in one place, the input layer (see
    test_inputs_load); the rule does not derive hosts from records a second time."""
    record = DnsRecord(address="aws_route53_record.apex", where=Where(file="dns.tf", line=9), name="example.com",
                       type="A", alias_target=Ref(address="aws_elb.web", attribute="dns_name"))
    project = Project(certificates=[cert_resource()], load_balancers=[elb(Ref(address=ADDR, attribute="arn"))],
                      dns_records=[record])
    assert "domain-not-covered" not in slugs(project)
    bound = project.model_copy(update={"hosts": [HostBinding(host="example.com", target="aws_elb.web",
                                                             where=record.where)]})
    assert "domain-not-covered" in slugs(bound)


def test_host_bindings_stay_in_their_stack():
    """Two root modules with the same addresses: a host bound to stack b's load balancer is
    not served through stack a's certificate."""
    def in_stack(resource, stack):
        return resource.model_copy(update={"stack": stack})
    binding = HostBinding(host="example.com", target="aws_elb.web", where=Where(file="b/dns.tf"), stack="b")
    project = Project(certificates=[in_stack(cert_resource(), "a")],
                      load_balancers=[in_stack(elb(Ref(address=ADDR, attribute="arn")), "a")], hosts=[binding])
    assert "domain-not-covered" not in slugs(project)
    same = project.model_copy(update={"hosts": [binding.model_copy(update={"stack": "a"})]})
    assert "domain-not-covered" in slugs(same)


# --- cost: each PEM text parsed once per Project ------------------------------------------

def test_every_pem_is_parsed_once_however_many_rules_read_it(monkeypatch):
    from elbtls.validators import pki
    from elbtls.validators.rules import chain

    parsed = []
    real = pki.parse_pem
    monkeypatch.setattr(pki, "parse_pem", lambda text: parsed.append(text) or real(text))
    project = Project(certificates=[cert_resource()], pem_bundles=[PemBundle(pem=pem(bundle(LEAF, INTER), "site.pem"))])
    for check in certificate.CHECKS + chain.CHECKS:
        list(check(project, Context(at=AT)))
    assert len(parsed) == 4 == len(set(parsed))          # body, chain, key, the PEM file
    assert certificate.load(project) is certificate.load(project)


def test_key_rules_count_only_the_users_in_the_certificates_stack():
    """key-algorithm-unsupported names the load balancers using a certificate: those of its
    own root module, not those at the same address in another."""
    ec = make_leaf(INTER, sans=("www.example.com",), not_before=NB, key="ec256")   # fine for ACM, not a CLB
    project = Project(certificates=[cert_resource(ec).model_copy(update={"stack": "a"})],
                      load_balancers=[elb(Ref(address=ADDR, attribute="arn")).model_copy(update={"stack": "b"})])
    assert "key-algorithm-unsupported" not in slugs(project)
    same = project.model_copy(update={"load_balancers": [project.load_balancers[0].model_copy(update={"stack": "a"})]})
    assert "used by aws_elb.web" in only(same, "key-algorithm-unsupported").message
