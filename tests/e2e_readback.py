"""Read back with boto3 what `terraform apply` deployed, and compare it with the configuration.

The expected side comes from Terraform's state (`terraform show -json`): what the configuration
asked for, with the ARNs that exist only after apply. The actual side comes from the AWS APIs
through boto3, never from Terraform. Private keys are dropped from the state as soon as it is
read, so no assertion message can carry one.

Where moto differs from AWS, this module asserts what AWS does or leaves the field alone:
- listeners report the front-end protocol as InstanceProtocol (AWS reports the configured
  back-end protocol), so the instance protocol is not compared;
- IAM server certificates report a fixed fake expiration, so only ACM expirations are compared.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import boto3
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key

SECURE = ("HTTPS", "SSL")
SECRET_ATTRIBUTES = ("private_key",)
# The predefined policy the constructs attach when none is given, and the protocols a custom
# policy must not enable (the validator's ssl-policy-outdated and ssl-policy-weak-protocol).
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"
WEAK_PROTOCOLS = ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")


# --- the expected side: Terraform state ----------------------------------------------------

@dataclass
class Deployed:
    """The managed resources of one state, by type: {type: [values, ...]}, keys removed."""

    by_type: dict[str, list[dict]] = field(default_factory=dict)

    def of(self, rtype: str) -> list[dict]:
        return self.by_type.get(rtype, [])


def _walk(module: dict) -> Iterator[dict]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def parse_state(show_json: str) -> Deployed:
    """`terraform show -json` output → Deployed (managed resources only, secrets dropped)."""
    doc = json.loads(show_json)
    out = Deployed()
    for res in _walk(doc.get("values", {}).get("root_module", {})):
        if res.get("mode") != "managed":
            continue
        values = {k: v for k, v in res["values"].items() if k not in SECRET_ATTRIBUTES}
        values["_address"] = res["address"]
        out.by_type.setdefault(res["type"], []).append(values)
    return out


def region_of_arn(arn: str) -> str:
    return arn.split(":")[3]


# --- the actual side: AWS through boto3 ----------------------------------------------------

class Aws:
    """boto3 clients against one endpoint (the moto server), one per service and region."""

    def __init__(self, env: dict[str, str]) -> None:
        self._session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env.get("AWS_SESSION_TOKEN"))
        self._endpoint = env["AWS_ENDPOINT_URL"]
        self._clients: dict[tuple[str, str], object] = {}

    def client(self, service: str, region: str = "us-east-1"):
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(service, region_name=region, endpoint_url=self._endpoint)
        return self._clients[key]


@dataclass
class LiveListener:
    protocol: str
    instance_port: int
    certificate: str | None
    policies: dict[str, dict]   # {name: {"type": ..., "attributes": {name: value}, "pairs": [(name, value)]}}


@dataclass
class LiveLoadBalancer:
    name: str
    region: str
    listeners: dict[int, LiveListener]        # by lb_port
    backend_policies: dict[int, dict[str, dict]]  # by instance port, as LiveListener.policies

    def tls_policy(self, port: int) -> dict | None:
        """The listener's one SSLNegotiationPolicyType policy (None when there is none; an
        AssertionError when there are several)."""
        tls = [p for p in self.listeners[port].policies.values() if p["type"] == "SSLNegotiationPolicyType"]
        assert len(tls) <= 1, f"{self.name} listener {port}: {len(tls)} TLS negotiation policies"
        return tls[0] if tls else None


def _policies(elb, lb_name: str, names: list[str]) -> dict[str, dict]:
    if not names:
        return {}
    described = elb.describe_load_balancer_policies(LoadBalancerName=lb_name, PolicyNames=names)
    out = {}
    for p in described["PolicyDescriptions"]:
        # A name may repeat (one PublicKeyPolicyName per trusted key): `pairs` keeps them all.
        pairs = [(a["AttributeName"], a.get("AttributeValue", "")) for a in p.get("PolicyAttributeDescriptions", [])]
        out[p["PolicyName"]] = {"type": p["PolicyTypeName"], "attributes": dict(pairs), "pairs": pairs}
    return out


def read_load_balancer(aws: Aws, region: str, name: str) -> LiveLoadBalancer:
    """A Classic Load Balancer as AWS describes it: listeners with their certificate and
    policies, back-end policies by instance port (each auth policy's public-key policies too)."""
    elb = aws.client("elb", region)
    desc = elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]
    listeners = {}
    for d in desc["ListenerDescriptions"]:
        ls = d["Listener"]
        listeners[ls["LoadBalancerPort"]] = LiveListener(
            protocol=ls["Protocol"].upper(), instance_port=ls["InstancePort"],
            certificate=ls.get("SSLCertificateId") or None, policies=_policies(elb, name, d["PolicyNames"]))
    backend = {}
    for d in desc.get("BackendServerDescriptions", []):
        if not d.get("PolicyNames"):
            continue
        policies = _policies(elb, name, d["PolicyNames"])
        for auth in [p for p in policies.values() if p["type"] == "BackendServerAuthenticationPolicyType"]:
            key_policies = [v for k, v in auth["pairs"] if k == "PublicKeyPolicyName"]
            policies.update(_policies(elb, name, key_policies))
        backend[d["InstancePort"]] = policies
    return LiveLoadBalancer(name, region, listeners, backend)


def backend_public_keys(lb: LiveLoadBalancer, instance_port: int) -> set[bytes]:
    """DER public keys the load balancer trusts on an instance port (AssertionError when a
    PublicKey attribute is not base64 DER)."""
    keys = set()
    for name, policy in lb.backend_policies.get(instance_port, {}).items():
        if policy["type"] != "PublicKeyPolicyType":
            continue
        der = base64.b64decode(policy["attributes"]["PublicKey"], validate=True)
        try:
            load_der_public_key(der)
        except ValueError as exc:
            raise AssertionError(f"{lb.name} policy {name}: PublicKey is not DER ({exc})") from None
        keys.add(der)
    return keys


def assert_tls12_only(where: str, policy: dict | None) -> None:
    """A TLS negotiation policy that allows TLS 1.2 only: the default predefined policy, or a
    custom one enabling Protocol-TLSv1.2 and none of the weak protocols."""
    assert policy is not None, f"{where}: no TLS negotiation policy (AWS would use ELBSecurityPolicy-2016-08)"
    attrs = policy["attributes"]
    reference = attrs.get("Reference-Security-Policy")
    if reference:
        assert reference == DEFAULT_TLS_POLICY, f"{where}: predefined policy {reference}"
        return
    assert attrs.get("Protocol-TLSv1.2") == "true", f"{where}: TLS 1.2 not enabled"
    weak = [p for p in WEAK_PROTOCOLS if attrs.get(p) == "true"]
    assert not weak, f"{where}: enables {weak}"


# --- a whole run ---------------------------------------------------------------------------

Check = Callable[[Deployed, dict[str, str], dict[str, LiveLoadBalancer]], None]


def apply_check_destroy(tf, aws: Aws, check: Check) -> None:
    """`tf` (a tests.terraform.Terraform): init → validate → apply → the state checks below,
    then `check(state, certificates, load_balancers)` with their results → destroy (also when
    a check failed) → the state is empty and AWS holds nothing the state held."""
    tf.init()
    tf.validate()
    tf.apply()
    state = parse_state(tf.show_json())
    try:
        certificates = check_certificates(aws, state)
        check(state, certificates, check_load_balancers(aws, state, certificates))
    finally:
        tf.destroy()
    assert tf.state_resources() == [], "resources left in the state after destroy"
    check_gone(aws, state)


# --- state against AWS ---------------------------------------------------------------------

def check_certificates(aws: Aws, state: Deployed) -> dict[str, str]:
    """Every certificate in the state exists in AWS as configured; returns {arn: kind}."""
    found: dict[str, str] = {}
    for cert in state.of("aws_acm_certificate"):
        got = aws.client("acm", region_of_arn(cert["arn"])).describe_certificate(
            CertificateArn=cert["arn"])["Certificate"]
        assert got["Status"] == "ISSUED", f"{cert['_address']}: ACM status {got['Status']}"
        if cert.get("certificate_body"):
            assert got["Type"] == "IMPORTED", cert["_address"]
            leaf = x509.load_pem_x509_certificate(cert["certificate_body"].encode())
            assert got["NotAfter"] == leaf.not_valid_after_utc, f"{cert['_address']}: NotAfter"
            found[cert["arn"]] = "acm-imported"
        else:
            assert got["Type"] == "AMAZON_ISSUED", cert["_address"]
            assert got["DomainName"] == cert["domain_name"], cert["_address"]
            assert set(got.get("SubjectAlternativeNames", [])) >= set(cert["subject_alternative_names"])
            found[cert["arn"]] = "acm-requested"
    for cert in state.of("aws_iam_server_certificate"):
        got = aws.client("iam").get_server_certificate(ServerCertificateName=cert["name"])["ServerCertificate"]
        meta = got["ServerCertificateMetadata"]
        assert meta["Arn"] == cert["arn"], cert["_address"]
        assert meta["Path"] == cert["path"], cert["_address"]
        assert got["CertificateBody"].strip() == cert["certificate_body"].strip(), cert["_address"]
        found[cert["arn"]] = "iam"
    return found


def check_load_balancers(aws: Aws, state: Deployed, certificates: dict[str, str]) -> dict[str, LiveLoadBalancer]:
    """Every aws_elb in the state is deployed with its listeners; each secure listener carries
    its certificate (one this configuration deployed, in the load balancer's region) and the
    configured policies, one of them a TLS 1.2 negotiation policy; back-end policies are as
    configured. Returns what AWS holds, by load balancer name."""
    listener_policies = {(p["load_balancer_name"], p["load_balancer_port"]): set(p["policy_names"])
                         for p in state.of("aws_load_balancer_listener_policy")}
    backend_policies = {(p["load_balancer_name"], p["instance_port"]): set(p["policy_names"])
                        for p in state.of("aws_load_balancer_backend_server_policy")}
    out = {}
    for lb in state.of("aws_elb"):
        live = out[lb["name"]] = read_load_balancer(aws, region_of_arn(lb["arn"]), lb["name"])
        assert set(live.listeners) == {ls["lb_port"] for ls in lb["listener"]}, f"{lb['_address']}: listener ports"
        for ls in lb["listener"]:
            where = f"{lb['_address']} listener {ls['lb_port']}"
            got = live.listeners[ls["lb_port"]]
            assert (got.protocol, got.instance_port) == (ls["lb_protocol"].upper(), ls["instance_port"]), where
            if got.protocol not in SECURE:
                assert got.certificate is None, where
                continue
            assert got.certificate and got.certificate == ls["ssl_certificate_id"], \
                f"{where}: certificate {got.certificate}"
            assert got.certificate in certificates, \
                f"{where}: {got.certificate} is not a certificate this configuration deployed"
            if certificates[got.certificate].startswith("acm"):
                assert region_of_arn(got.certificate) == live.region, f"{where}: certificate in another region"
            assert set(got.policies) == listener_policies.get((lb["name"], ls["lb_port"]), set()), f"{where}: policies"
            assert_tls12_only(where, live.tls_policy(ls["lb_port"]))
        configured = {port: names for (name, port), names in backend_policies.items() if name == lb["name"]}
        deployed = {port: {n for n, p in pols.items() if p["type"] != "PublicKeyPolicyType"}
                    for port, pols in live.backend_policies.items()}
        assert deployed == configured, f"{lb['_address']}: back-end policies"
        for port in configured:
            assert backend_public_keys(live, port), f"{lb['_address']} instance port {port}: no public key"
    return out


def check_gone(aws: Aws, state: Deployed) -> None:
    """After destroy, nothing the state held is left in AWS."""
    for lb in state.of("aws_elb"):
        elb = aws.client("elb", region_of_arn(lb["arn"]))
        names = [d["LoadBalancerName"] for d in elb.describe_load_balancers()["LoadBalancerDescriptions"]]
        assert lb["name"] not in names, f"{lb['_address']} still exists"
    for cert in state.of("aws_acm_certificate"):
        acm = aws.client("acm", region_of_arn(cert["arn"]))
        arns = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]
        assert cert["arn"] not in arns, f"{cert['_address']} still exists"
    iam_names = {m["ServerCertificateName"]
                 for m in aws.client("iam").list_server_certificates()["ServerCertificateMetadataList"]}
    for cert in state.of("aws_iam_server_certificate"):
        assert cert["name"] not in iam_names, f"{cert['_address']} still exists"
