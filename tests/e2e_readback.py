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
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key

SECURE = ("HTTPS", "SSL")
SECRET_ATTRIBUTES = ("private_key",)
# The predefined policy the constructs attach when none is given, and the protocols a custom
# policy must not enable (see validators' ssl-policy-outdated and ssl-policy-weak-protocol).
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"
WEAK_PROTOCOLS = ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")


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


def lb_region(lb: dict) -> str:
    """The load balancer's region, from the ARN the provider computed for it."""
    return region_of_arn(lb["arn"])


def check_certificates(aws: Aws, state: Deployed) -> dict[str, str]:
    """Every certificate in the state exists in AWS as configured; returns {arn: kind}."""
    found: dict[str, str] = {}
    for cert in state.of("aws_acm_certificate"):
        acm = aws.client("acm", region_of_arn(cert["arn"]))
        got = acm.describe_certificate(CertificateArn=cert["arn"])["Certificate"]
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


def _policies(elb, lb_name: str, names: list[str]) -> dict[str, dict]:
    """{policy name: {"type": ..., "attributes": {name: value}}} for the given policy names."""
    if not names:
        return {}
    described = elb.describe_load_balancer_policies(LoadBalancerName=lb_name, PolicyNames=names)
    return {p["PolicyName"]: {"type": p["PolicyTypeName"],
                              "attributes": {a["AttributeName"]: a.get("AttributeValue", "")
                                             for a in p.get("PolicyAttributeDescriptions", [])}}
            for p in described["PolicyDescriptions"]}


def assert_tls_policy(where: str, policy: dict) -> None:
    """A TLS negotiation policy that allows TLS 1.2 only: the default predefined policy, or a
    custom one enabling Protocol-TLSv1.2 and none of the weak protocols."""
    attrs = policy["attributes"]
    reference = attrs.get("Reference-Security-Policy")
    if reference:
        assert reference == DEFAULT_TLS_POLICY, f"{where}: predefined policy {reference}"
        return
    assert attrs.get("Protocol-TLSv1.2") == "true", f"{where}: TLS 1.2 not enabled"
    weak = [p for p in WEAK_PROTOCOLS if attrs.get(p) == "true"]
    assert not weak, f"{where}: enables {weak}"


def check_load_balancers(aws: Aws, state: Deployed, certificates: dict[str, str]) -> list[str]:
    """Every aws_elb in the state is deployed with its listeners, each secure listener with its
    certificate (one this configuration deployed, in the load balancer's region) and a TLS 1.2
    negotiation policy, and back-end authentication where configured. Returns the kinds of
    certificate the listeners use."""
    used: list[str] = []
    listener_policies = {(p["load_balancer_name"], p["load_balancer_port"]): set(p["policy_names"])
                         for p in state.of("aws_load_balancer_listener_policy")}
    for lb in state.of("aws_elb"):
        region = lb_region(lb)
        elb = aws.client("elb", region)
        desc = elb.describe_load_balancers(LoadBalancerNames=[lb["name"]])["LoadBalancerDescriptions"][0]
        live = {d["Listener"]["LoadBalancerPort"]: d for d in desc["ListenerDescriptions"]}
        assert set(live) == {ls["lb_port"] for ls in lb["listener"]}, f"{lb['_address']}: listener ports"
        for ls in lb["listener"]:
            where = f"{lb['_address']} listener {ls['lb_port']}"
            got = live[ls["lb_port"]]
            assert got["Listener"]["Protocol"] == ls["lb_protocol"].upper(), where
            assert got["Listener"]["InstancePort"] == ls["instance_port"], where
            if ls["lb_protocol"].upper() not in SECURE:
                assert not got["Listener"].get("SSLCertificateId"), where
                continue
            arn = got["Listener"].get("SSLCertificateId")
            assert arn and arn == ls["ssl_certificate_id"], f"{where}: certificate {arn}"
            assert arn in certificates, f"{where}: {arn} is not a certificate this configuration deployed"
            if certificates[arn].startswith("acm"):
                assert region_of_arn(arn) == region, f"{where}: certificate in {region_of_arn(arn)}"
            used.append(certificates[arn])
            names = got["PolicyNames"]
            assert set(names) == listener_policies.get((lb["name"], ls["lb_port"]), set()), where
            tls = [p for p in _policies(elb, lb["name"], names).values() if p["type"] == "SSLNegotiationPolicyType"]
            assert len(tls) == 1, f"{where}: {len(tls)} TLS negotiation policies"
            assert_tls_policy(where, tls[0])
        _check_backend_auth(elb, lb, desc, state)
    return used


def _check_backend_auth(elb, lb: dict, desc: dict, state: Deployed) -> None:
    """Back-end policies as configured; each authentication policy names a public-key policy
    whose key is base64 DER."""
    configured = {p["instance_port"]: set(p["policy_names"])
                  for p in state.of("aws_load_balancer_backend_server_policy")
                  if p["load_balancer_name"] == lb["name"]}
    live = {d["InstancePort"]: set(d.get("PolicyNames", [])) for d in desc.get("BackendServerDescriptions", [])}
    assert {k: v for k, v in live.items() if v} == configured, f"{lb['_address']}: back-end policies"
    for port, names in configured.items():
        policies = _policies(elb, lb["name"], sorted(names))
        auth = [p for p in policies.values() if p["type"] == "BackendServerAuthenticationPolicyType"]
        assert auth, f"{lb['_address']} instance port {port}: no BackendServerAuthenticationPolicyType"
        for a in auth:
            key_policy_name = a["attributes"]["PublicKeyPolicyName"]
            key_policy = _policies(elb, lb["name"], [key_policy_name])[key_policy_name]
            assert key_policy["type"] == "PublicKeyPolicyType", key_policy_name
            _assert_public_key(key_policy["attributes"]["PublicKey"], key_policy_name)


def _assert_public_key(b64: str, where: str) -> None:
    try:
        load_der_public_key(base64.b64decode(b64, validate=True))
    except ValueError as exc:
        raise AssertionError(f"{where}: PublicKey is not base64 DER ({exc})") from None


def check_gone(aws: Aws, state: Deployed) -> None:
    """After destroy, nothing the state held is left in AWS."""
    for lb in state.of("aws_elb"):
        elb = aws.client("elb", lb_region(lb))
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
