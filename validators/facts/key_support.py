"""Which key types each way of deploying a certificate accepts, in ACM's naming
(RSA_2048, EC_prime256v1, ...; see `pki.key_type`).

Sources:
- ACM import: the algorithms ImportCertificate accepts, "Prerequisites for importing ACM
  certificates": https://docs.aws.amazon.com/acm/latest/userguide/import-certificate-prerequisites.html
  (RSA 1024/2048/3072/4096, ECDSA 256/384/521 bit).
- Classic Load Balancer through ACM: the "Key algorithms" table of the ACM user guide,
  https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html#algorithms, lists
  RSA 1024 and RSA 2048 for Classic Load Balancers (no RSA 3072/4096, no ECDSA). The CLB
  guide adds that "a certificate provided by ACM contains an RSA public key"
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-ssl-security-policy.html),
  and AWS confirmed that load balancers cannot use 4096-bit keys from ACM
  (https://github.com/awsdocs/aws-certificate-user-guide/issues/1).
- Classic Load Balancer through IAM (UploadServerCertificate): RSA 2048 to 4096 and
  ECDSA P-256/P-384, per the CLB guide "SSL/TLS certificates for Classic Load Balancers",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/ssl-server-cert.html
- ACM RequestCertificate `KeyAlgorithm`: RSA_2048 (default), RSA_3072, RSA_4096,
  EC_prime256v1, EC_secp384r1, EC_secp521r1,
  https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
"""

from __future__ import annotations

ACM_IMPORT = frozenset({"RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
                        "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"})
CLB_VIA_ACM = frozenset({"RSA_1024", "RSA_2048"})
CLB_VIA_IAM = frozenset({"RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1"})

ACM_REQUEST_KEY_ALGORITHMS = ("RSA_2048", "RSA_3072", "RSA_4096",
                              "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
ACM_REQUEST_DEFAULT = "RSA_2048"

# Deployment -> (accepted key types, how a message names the deployment).
DEPLOYMENTS: dict[str, tuple[frozenset[str], str]] = {
    "clb-acm": (CLB_VIA_ACM, "a Classic Load Balancer through ACM"),
    "clb-iam": (CLB_VIA_IAM, "a Classic Load Balancer through IAM"),
    "acm-import": (ACM_IMPORT, "ACM import"),
}


def clb_can_use_requested(key_algorithm: str | None) -> bool:
    """Whether a Classic LB can use a requested ACM certificate with this `key_algorithm`
    (None = the ACM default, RSA_2048)."""
    return (key_algorithm or ACM_REQUEST_DEFAULT) in CLB_VIA_ACM
