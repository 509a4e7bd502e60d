"""Helpers for the live-check tests and the audit benchmark: seed a moto server with
certificates and Classic Load Balancers, and build the Clients the live checks use."""

from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager

import boto3

from elbtls.validators.live.clients import Clients

UTC = dt.timezone.utc
ACCOUNT = "123456789012"   # moto's default account


@contextmanager
def aws_env(env: dict[str, str]):
    """Set AWS variables (a MotoServer/FaultProxy env) for the block, then restore them."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fast_clients(**overrides) -> Clients:
    """Clients with few attempts and short timeouts, for fast fault tests."""
    options = {"max_attempts": 2, "connect_timeout": 2.0, "read_timeout": 10.0, **overrides}
    return Clients(**options)


def client(service: str, region: str, endpoint: str):
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def subnet(endpoint: str, region: str) -> str:
    """A VPC subnet in `region` (moto's Classic ELB wants one)."""
    ec2 = client("ec2", region, endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]


def import_certificate(endpoint: str, region: str, leaf, chain: str | None = None) -> str:
    """Import a tests.certs.Issued into ACM; returns the ARN."""
    params = {"Certificate": leaf.cert_pem.encode(), "PrivateKey": leaf.key_pem.encode()}
    if chain:
        params["CertificateChain"] = chain.encode()
    return client("acm", region, endpoint).import_certificate(**params)["CertificateArn"]


def upload_server_certificate(endpoint: str, name: str, leaf, path: str = "/") -> str:
    iam = client("iam", "us-east-1", endpoint)
    meta = iam.upload_server_certificate(ServerCertificateName=name, Path=path, CertificateBody=leaf.cert_pem,
                                         PrivateKey=leaf.key_pem)["ServerCertificateMetadata"]
    return meta["Arn"]


def https(port: int, arn: str, instance_port: int = 8443, instance_protocol: str = "HTTPS") -> dict:
    return {"Protocol": "HTTPS", "LoadBalancerPort": port, "InstanceProtocol": instance_protocol,
            "InstancePort": instance_port, "SSLCertificateId": arn}


def http(port: int = 80, instance_port: int = 8080) -> dict:
    return {"Protocol": "HTTP", "LoadBalancerPort": port, "InstanceProtocol": "HTTP", "InstancePort": instance_port}


def create_lb(endpoint: str, region: str, name: str, listeners: list[dict], subnet_id: str) -> None:
    client("elb", region, endpoint).create_load_balancer(LoadBalancerName=name, Listeners=listeners,
                                                         Subnets=[subnet_id])


def attach_reference_policy(endpoint: str, region: str, lb: str, port: int, policy: str, reference: str) -> None:
    """Create an SSLNegotiationPolicyType policy from a predefined one and attach it to a listener."""
    elb = client("elb", region, endpoint)
    elb.create_load_balancer_policy(LoadBalancerName=lb, PolicyName=policy, PolicyTypeName="SSLNegotiationPolicyType",
                                    PolicyAttributes=[{"AttributeName": "Reference-Security-Policy",
                                                       "AttributeValue": reference}])
    elb.set_load_balancer_policies_of_listener(LoadBalancerName=lb, LoadBalancerPort=port, PolicyNames=[policy])


def now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def by_rule(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]
