"""The rule catalogue: the one place that holds each rule's slug, code, default severity,
summary and source. Slugs are the public contract of ../shared/spec/RULES.md and never
change meaning once released; codes are stable too.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding, Severity, Where

ELB_DOCS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic"
ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference"
ACM_DOCS = "https://docs.aws.amazon.com/acm/latest/userguide"
ACM_API = "https://docs.aws.amazon.com/acm/latest/APIReference"
IAM_API = "https://docs.aws.amazon.com/IAM/latest/APIReference"
TF_AWS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources"
RFC5280 = "https://www.rfc-editor.org/rfc/rfc5280"
CABF_SC081 = "https://cabforum.org/2025/04/11/ballot-sc081v3-introduce-schedule-of-reducing-validity-and-data-reuse-periods/"
CABF_BR = "https://cabforum.org/working-groups/server/baseline-requirements/requirements/"
# The project's own page: SARIF's tool.driver.informationUri and the source of its own rules.
PROJECT_URL = "https://pypi.org/project/elbtls/"


@dataclass(frozen=True)
class Rule:
    slug: str
    code: str
    severity: Severity
    summary: str
    fix: str
    source: str
    section: str


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

_RULES: list[tuple[str, str, Severity, str, str, str, str]] = [
    # slug, code, severity, summary, fix, source, section
    ("input-unreadable", "ELBTLS001", E, "A file cannot be read, decoded or parsed.",
     "Fix the syntax or encoding, or exclude the file.", "https://developer.hashicorp.com/terraform/language/syntax", "input"),
    ("pem-malformed", "ELBTLS002", E, "A certificate or key field holds no parsable PEM.",
     "Supply PEM text (-----BEGIN CERTIFICATE----- armour, base64 body); convert DER with `openssl x509 -inform der`.",
     f"{ACM_DOCS}/import-certificate-format.html", "input"),
    ("private-key-inline", "ELBTLS003", E, "A literal PEM private key sits inside Terraform configuration.",
     "Move the key out of the repository: read it with file() from an untracked path or pass it as a sensitive variable, and rotate the exposed key.",
     "https://developer.hashicorp.com/terraform/language/values/variables#suppressing-values-in-cli-output", "input"),
    ("value-unresolved", "ELBTLS004", I, "A value a rule needs cannot be resolved before plan; the rule was not applied to it.",
     "Give the variable a default, use a literal, or check the value with `--live` after apply.",
     "https://developer.hashicorp.com/terraform/language/expressions", "input"),
    ("suppression-invalid", "ELBTLS005", W, "An `elbtls:ignore` comment names no known rule, or gives no reason.",
     "Write `# elbtls:ignore=<slug> <reason>` with a slug from `elbtls rules` and say why the finding is accepted.",
     PROJECT_URL, "input"),
    ("cert-expired", "ELBTLS101", E, "The certificate has expired at the evaluation time.",
     "Renew or re-issue the certificate and replace it.", f"{RFC5280}#section-4.1.2.5", "certificate"),
    ("cert-not-yet-valid", "ELBTLS102", E, "The certificate is not valid yet at the evaluation time.",
     "Check the issuing clock or wait until notBefore; do not deploy it early.", f"{RFC5280}#section-4.1.2.5", "certificate"),
    ("cert-expiring-soon", "ELBTLS103", W, "The certificate expires within the warning window.",
     "Renew it now; imported ACM and IAM certificates are never renewed by AWS.", f"{ACM_DOCS}/managed-renewal.html", "certificate"),
    ("cert-validity-too-long", "ELBTLS104", W, "A CA-issued leaf's lifetime exceeds the CA/Browser Forum limit in force at its notBefore.",
     "Have the CA issue a certificate within the maximum validity; browsers reject longer ones.", CABF_SC081, "certificate"),
    ("cert-not-v3", "ELBTLS105", E, "The certificate is not X.509 version 3.",
     "Re-issue the certificate as X.509 v3; ACM import requires it.", f"{ACM_DOCS}/import-certificate-prerequisites.html", "certificate"),
    ("multiple-certificates-in-body", "ELBTLS106", E, "The certificate body holds more than one certificate.",
     "Keep only the leaf in the body and move the intermediates to the chain.", f"{ACM_DOCS}/import-certificate-format.html", "certificate"),
    ("weak-signature-algorithm", "ELBTLS107", E, "A certificate is signed with MD5 or SHA-1.",
     "Re-issue with SHA-256 or stronger.", f"{CABF_BR}#7131-rsa", "certificate"),
    ("key-too-weak", "ELBTLS108", E, "RSA key under 2048 bits, or an EC curve other than P-256, P-384, P-521.",
     "Issue a new certificate on an RSA 2048+ key or a P-256/P-384 key.", f"{CABF_BR}#6157-key-sizes", "certificate"),
    ("key-algorithm-unsupported", "ELBTLS109", E, "The key type cannot be used where the certificate is deployed.",
     "Classic Load Balancers take only RSA 1024-2048 keys through ACM; use an RSA 2048 key, or an IAM certificate for EC keys.",
     f"{ACM_DOCS}/acm-certificate.html#algorithms", "certificate"),
    ("key-mismatch", "ELBTLS110", E, "The private key does not belong to the certificate.",
     "Pair the certificate with the key it was issued for.", f"{ACM_DOCS}/import-certificate-prerequisites.html", "certificate"),
    ("private-key-encrypted", "ELBTLS111", E, "The private key is passphrase-protected.",
     "Decrypt it (`openssl pkey -in key.pem -out plain.pem`) and keep it out of the repository.",
     f"{ACM_DOCS}/import-certificate-prerequisites.html", "certificate"),
    ("private-key-too-large", "ELBTLS112", E, "The private key is over 5,120 bytes (ACM import limit).",
     "Use a smaller key (RSA 2048 or P-256).", f"{ACM_API}/API_ImportCertificate.html", "certificate"),
    ("certificate-too-large", "ELBTLS113", E, "The certificate body is over 32,768 bytes (ACM) or 16,384 characters (IAM).",
     "Trim the body to the leaf certificate.", f"{IAM_API}/API_UploadServerCertificate.html", "certificate"),
    ("missing-san", "ELBTLS114", W, "The leaf has no DNS subjectAltName.",
     "Re-issue with the host names in subjectAltName; clients ignore the common name.", f"{CABF_BR}#71242-subject-alternative-name-extension", "certificate"),
    ("leaf-is-ca", "ELBTLS115", E, "The leaf has basicConstraints CA=TRUE.",
     "Deploy an end-entity certificate, not a CA certificate.", f"{RFC5280}#section-4.2.1.9", "certificate"),
    ("missing-server-auth-eku", "ELBTLS116", W, "The leaf's extendedKeyUsage lacks serverAuth.",
     "Re-issue with extendedKeyUsage serverAuth.", f"{RFC5280}#section-4.2.1.12", "certificate"),
    ("domain-not-covered", "ELBTLS117", E, "A host name served through the certificate is not covered by its SANs.",
     "Add the name to the certificate's SANs; `*.example.com` does not cover `example.com` or `a.b.example.com`.",
     "https://www.rfc-editor.org/rfc/rfc6125#section-6.4.3", "certificate"),
    ("chain-incomplete", "ELBTLS201", E, "The leaf's issuer is not in the chain.",
     "Add the issuing intermediate(s) to the certificate chain.", f"{ELB_DOCS}/ssl-server-cert.html", "chain"),
    ("chain-order-invalid", "ELBTLS202", E, "The chain is not ordered leaf-to-root.",
     "Order the chain so that each certificate certifies the one before it, root last if present.",
     f"{ACM_DOCS}/import-certificate-format.html", "chain"),
    ("chain-contains-leaf", "ELBTLS203", E, "The chain repeats the leaf.",
     "Remove the leaf from the chain; it belongs in the body only.", f"{ACM_DOCS}/import-certificate-format.html", "chain"),
    ("chain-signature-invalid", "ELBTLS204", E, "A signature along the chain does not verify.",
     "Use the intermediate that actually issued the certificate.", f"{RFC5280}#section-6", "chain"),
    ("chain-cert-expired", "ELBTLS205", E, "A chain certificate is expired or not yet valid.",
     "Replace the intermediate with the CA's current one.", f"{RFC5280}#section-6", "chain"),
    ("domain-name-invalid", "ELBTLS301", E, "A requested name breaks ACM's naming rules.",
     "Use ASCII letters, digits and hyphens (punycode for IDNs), labels of at most 63, at most 253 in all, a wildcard only as the whole left-most label, no trailing dot.",
     f"{ACM_API}/API_RequestCertificate.html", "acm-request"),
    ("common-name-too-long", "ELBTLS302", E, "`domain_name` is over 64 octets.",
     "Use a shorter domain_name and put the long name in subject_alternative_names.", f"{ACM_API}/API_RequestCertificate.html", "acm-request"),
    ("too-many-sans", "ELBTLS303", W, "More names than the default ACM quota (10); error above 100.",
     "Split the names over several certificates or raise the ACM quota first.", f"{ACM_DOCS}/acm-limits.html", "acm-request"),
    ("amazon-owned-domain", "ELBTLS304", E, "A name under an Amazon-owned domain.",
     "ACM does not issue for amazonaws.com, cloudfront.net or elasticbeanstalk.com; use your own domain.",
     f"{ACM_DOCS}/troubleshooting-failed.html", "acm-request"),
    ("validation-method-invalid", "ELBTLS305", E, "`validation_method` is not DNS or EMAIL.",
     "Use DNS (recommended) or EMAIL; HTTP validation is for CloudFront only.", f"{ACM_API}/API_RequestCertificate.html", "acm-request"),
    ("dns-validation-incomplete", "ELBTLS306", W, "DNS validation without a validation resource or a record for every name.",
     "Add aws_route53_record for each domain_validation_options entry and an aws_acm_certificate_validation.",
     f"{TF_AWS}/acm_certificate_validation", "acm-request"),
    ("missing-create-before-destroy", "ELBTLS307", W, "A certificate without lifecycle create_before_destroy.",
     "Add `lifecycle { create_before_destroy = true }`: a certificate in use cannot be deleted before its replacement exists.",
     f"{TF_AWS}/acm_certificate", "acm-request"),
    ("transparency-logging-disabled", "ELBTLS308", W, "Certificate transparency logging is disabled.",
     "Remove the preference or set it to ENABLED; browsers distrust certificates missing from CT logs.",
     f"{ACM_DOCS}/acm-bestpractices.html#best-practices-transparency", "acm-request"),
    ("iam-name-invalid", "ELBTLS401", E, "The IAM server certificate name is invalid.",
     "Use 1-128 characters of [\\w+=,.@-] (name_prefix at most 102).", f"{IAM_API}/API_UploadServerCertificate.html", "iam"),
    ("iam-path-invalid", "ELBTLS402", E, "The IAM path is invalid.",
     "Use `/` or `/segment/.../` of printable ASCII, at most 512 characters.", f"{IAM_API}/API_UploadServerCertificate.html", "iam"),
    ("iam-fixed-name-rotation", "ELBTLS403", W, "A certificate a load balancer uses has a fixed name.",
     "Use name_prefix with create_before_destroy so a replacement can exist beside the old one.",
     f"{TF_AWS}/iam_server_certificate", "iam"),
    ("lb-name-invalid", "ELBTLS501", E, "The load balancer name is invalid.",
     "Use at most 32 letters, digits and hyphens, not starting or ending with a hyphen.", f"{ELB_API}/API_CreateLoadBalancer.html", "elb"),
    ("listener-port-invalid", "ELBTLS502", E, "A listener port is outside 1 to 65535.",
     "Use a port from 1 to 65535.", f"{ELB_DOCS}/elb-listener-config.html", "elb"),
    ("listener-protocol-invalid", "ELBTLS503", E, "A listener protocol is not HTTP, HTTPS, TCP or SSL.",
     "Use HTTP, HTTPS, TCP or SSL.", f"{ELB_DOCS}/elb-listener-config.html", "elb"),
    ("listener-protocol-mismatch", "ELBTLS504", E, "Front end and back end mix layer 7 (HTTP/HTTPS) and layer 4 (TCP/SSL).",
     "Pair HTTP/HTTPS with HTTP/HTTPS and TCP/SSL with TCP/SSL.", f"{ELB_DOCS}/elb-listener-config.html", "elb"),
    ("listener-missing-certificate", "ELBTLS505", E, "An HTTPS or SSL front end has no ssl_certificate_id.",
     "Set ssl_certificate_id to an ACM or IAM certificate ARN in the load balancer's region.", f"{ELB_DOCS}/elb-https-load-balancers.html", "elb"),
    ("certificate-on-plain-listener", "ELBTLS506", E, "ssl_certificate_id is set on a plain HTTP/TCP listener.",
     "Remove the certificate or make the front end HTTPS/SSL.", f"{TF_AWS}/elb#ssl_certificate_id", "elb"),
    ("duplicate-listener-port", "ELBTLS507", E, "Two listeners share one lb_port.",
     "Give each listener its own lb_port.", f"{ELB_API}/API_CreateLoadBalancerListeners.html", "elb"),
    ("instance-port-security-conflict", "ELBTLS508", E, "Listeners sharing an instance_port disagree on secure versus plain instance protocol.",
     "Use the same security (HTTPS/SSL or HTTP/TCP) for every listener on one instance port.", f"{ELB_DOCS}/elb-listener-config.html", "elb"),
    ("certificate-arn-invalid", "ELBTLS509", E, "ssl_certificate_id is not an ACM or IAM server-certificate ARN.",
     "Use arn:aws:acm:REGION:ACCOUNT:certificate/ID or arn:aws:iam::ACCOUNT:server-certificate/NAME.", f"{TF_AWS}/elb#ssl_certificate_id", "elb"),
    ("certificate-region-mismatch", "ELBTLS510", E, "The ACM certificate is in another region than the load balancer.",
     "Request or import the certificate in the load balancer's region (ACM certificates are regional).", f"{ACM_DOCS}/acm-regions.html", "elb"),
    ("ssl-policy-outdated", "ELBTLS601", W, "The listener's TLS policy allows TLS 1.0 or 1.1, or none is attached.",
     "Attach ELBSecurityPolicy-TLS-1-2-2017-01 (Reference-Security-Policy) to the listener.", f"{ELB_DOCS}/elb-security-policy-table.html", "tls"),
    ("ssl-policy-unknown", "ELBTLS602", E, "Reference-Security-Policy names no predefined policy.",
     "Use a name from the predefined policy table, e.g. ELBSecurityPolicy-TLS-1-2-2017-01.", f"{ELB_DOCS}/elb-security-policy-table.html", "tls"),
    ("ssl-policy-weak-protocol", "ELBTLS603", E, "A custom policy enables SSLv3, TLS 1.0 or TLS 1.1.",
     "Enable only Protocol-TLSv1.2.", f"{ELB_DOCS}/elb-ssl-security-policy.html", "tls"),
    ("ssl-policy-reserved-name", "ELBTLS604", E, "A custom policy name uses a reserved prefix.",
     "Rename the policy; ELBSecurityPolicy- and ELBSample- are reserved for predefined policies.", f"{ELB_DOCS}/elb-ssl-security-policy.html", "tls"),
    ("ssl-policy-no-matching-cipher", "ELBTLS605", E, "No enabled cipher fits the certificate's key type.",
     "Enable an RSA suite (e.g. ECDHE-RSA-AES128-GCM-SHA256) for an RSA certificate, an ECDSA suite for an EC one.",
     f"{ELB_DOCS}/elb-security-policy-table.html", "tls"),
    ("policy-listener-missing", "ELBTLS606", E, "A listener policy targets an lb_port with no listener.",
     "Point the policy at an existing listener's lb_port, or add the listener.", f"{TF_AWS}/load_balancer_listener_policy", "tls"),
    ("backend-auth-plain-backend", "ELBTLS607", E, "Back-end authentication on an instance port served only over HTTP/TCP.",
     "Serve the instance port over HTTPS/SSL, or drop the back-end authentication policy.",
     f"{ELB_DOCS}/elb-create-https-ssl-load-balancer.html#config-backend-auth", "tls"),
    ("backend-public-key-invalid", "ELBTLS608", E, "A PublicKeyPolicyType policy's PublicKey is not base64 DER.",
     "Give the base64 DER public key without PEM armour (`openssl x509 -pubkey -noout | grep -v -- -----`).",
     f"{ELB_DOCS}/elb-create-https-ssl-load-balancer.html#config-backend-auth", "tls"),
    ("live-certificate-not-found", "ELBTLS701", E, "A referenced certificate does not exist where the load balancer looks for it.",
     "Create or import the certificate in the load balancer's region, or fix the ARN.", f"{ACM_API}/API_DescribeCertificate.html", "live"),
    ("live-certificate-not-issued", "ELBTLS702", E, "The ACM certificate is not ISSUED.",
     "Complete validation (DNS records) or replace the certificate.", f"{ACM_DOCS}/troubleshooting.html", "live"),
    ("live-certificate-expiring", "ELBTLS703", W, "The deployed certificate expires within the warning window (error once expired).",
     "Renew or replace it before it expires.", f"{ACM_DOCS}/managed-renewal.html", "live"),
    ("live-renewal-ineligible", "ELBTLS704", W, "An expiring certificate that ACM will not renew.",
     "Imported and IAM certificates are never renewed: re-import or switch to a requested ACM certificate.",
     f"{ACM_DOCS}/managed-renewal.html", "live"),
    ("live-listener-drift", "ELBTLS705", W, "A deployed listener differs from the configuration.",
     "Run terraform plan/apply, or update the configuration to what is deployed.", f"{ELB_API}/API_DescribeLoadBalancers.html", "live"),
    ("live-check-incomplete", "ELBTLS706", W, "An AWS call failed after retries; what it would have checked was not checked.",
     "Check credentials, permissions and throttling, then run again.", "https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html", "live"),
]

RULES: dict[str, Rule] = {r[0]: Rule(*r) for r in _RULES}


def finding(slug: str, message: str, where: Where | None = None, *, severity: Severity | None = None) -> Finding:
    """Build a finding for a catalogued rule; `severity` overrides the default (e.g. too-many-sans > 100)."""
    rule = RULES[slug]
    where = where or Where()
    return Finding(rule=slug, id=rule.code, severity=severity or rule.severity, message=message,
                   file=where.file, line=where.line, resource=where.resource)
