"""ACM certificates: requested (DNS or email validation) and imported from PEM files."""

from __future__ import annotations

from ..validators.model import CertificateResource, CertificateValidation, DnsRecord, Ref
from ..validators.stackconfig import ZONE_LOOKUP
from . import cdk
from .base import ElbTlsConstruct, terraform_name
from .pem import PemCertificate, PemSource
from .props import CertificateSource, ImportedCertificateProps, RequestedCertificateProps, parse


class RequestedCertificate(ElbTlsConstruct, CertificateSource):
    """`aws_acm_certificate` with `domain_name`, its validation records (one per distinct
    validation name, keyed by name with `for_each`, in the Route 53 zone of the longest
    matching domain) and `aws_acm_certificate_validation`, whose `certificate_arn` is what
    `arn` returns: a listener using it waits until ACM has issued the certificate."""

    def __init__(self, scope: cdk.Construct, id: str, *, props: RequestedCertificateProps | dict | None = None,
                 **kwargs) -> None:
        p = parse(RequestedCertificateProps, props, kwargs)
        super().__init__(scope, id)
        self.props = p
        self.certificate = cdk.AcmCertificate(
            self, "certificate", domain_name=p.domain_name,
            subject_alternative_names=p.subject_alternative_names or None,
            validation_method=p.validation_method, key_algorithm=p.key_algorithm,
            options=cdk.AcmCertificateOptions(
                certificate_transparency_logging_preference="ENABLED" if p.transparency_logging else "DISABLED"),
            tags=p.tags or None,
            lifecycle=cdk.TerraformResourceLifecycle(create_before_destroy=p.create_before_destroy))
        self.certificate_address = self.named(self.certificate)
        self.records_address = None
        fqdns = None
        if p.validation_method == "DNS":
            self.records_address = self._validation_records(self._zone_ids(p))
            fqdns = cdk.Token.as_list(f"${{[for record in {self.records_address} : record.fqdn]}}")
        self.validation = cdk.AcmCertificateValidation(
            self, "validation", certificate_arn=self.certificate.arn, validation_record_fqdns=fqdns)
        self.validation_address = self.named(self.validation, "_validation")

    def _zone_ids(self, p: RequestedCertificateProps) -> dict[str, str]:
        """Validation name -> hosted zone id (a literal, or a lookup of the zone by domain)."""
        ids = {}
        for domain, zone in p.zones.items():
            if zone == ZONE_LOOKUP:
                data = cdk.DataAwsRoute53Zone(self, f"zone-{domain}", name=domain, private_zone=False)
                data.override_logical_id(f"{self.tf_name}_{terraform_name(domain)}")
                zone = data.zone_id
            ids[domain] = zone
        return {name: ids[domain] for name, domain in p.validation_zones().items()}

    def _validation_records(self, zones: dict[str, str]) -> str:
        """One CNAME per validation name; the name, type and value come from the certificate's
        domain_validation_options entry for that name (the wildcard's entry when only `*.x` is
        requested). `allow_overwrite`: two certificates for one name share ACM's record.
        Returns the records' address."""
        options = f"{self.certificate_address}.domain_validation_options"

        def pick(attribute: str) -> str:
            return f"${{one([for o in {options} : o.{attribute} if o.domain_name == each.key])}}"

        each = cdk.TerraformIterator.from_map(zones)
        records = cdk.Route53Record(
            self, "validation-records", for_each=each, zone_id=cdk.Token.as_string(each.value),
            name=pick("resource_record_name"), type=pick("resource_record_type"),
            records=[pick("resource_record_value")], ttl=60, allow_overwrite=True)
        return self.named(records, "_validation")

    @property
    def arn(self) -> str:
        return self.validation.certificate_arn

    def arn_ref(self) -> Ref:
        return Ref(address=self.validation_address, attribute="certificate_arn")

    def models(self) -> list:
        p = self.props
        cert_ref = Ref(address=self.certificate_address, attribute="arn")
        out = [
            CertificateResource(
                **self.resource_fields(self.certificate_address), kind="acm-requested", domain_name=p.domain_name,
                subject_alternative_names=list(p.subject_alternative_names), validation_method=p.validation_method,
                key_algorithm=p.key_algorithm, transparency_logging="ENABLED" if p.transparency_logging else "DISABLED",
                create_before_destroy=p.create_before_destroy),
            CertificateValidation(**self.resource_fields(self.validation_address, refs=frozenset(
                a for a in (self.certificate_address, self.records_address) if a)), certificate_arn=cert_ref),
        ]
        if self.records_address:
            out.append(DnsRecord(**self.resource_fields(self.records_address, refs=frozenset({self.certificate_address})),
                                 type="CNAME", per_validation_option=True))
        return out


class ImportedCertificate(PemCertificate):
    """`aws_acm_certificate` imported from PEM files: body and chain are read at apply with
    file() (never inlined into the HCL); the private key with file() or from a sensitive
    variable. At synth the validator's certificate and chain rules check the files."""

    def __init__(self, scope: cdk.Construct, id: str, *, props: ImportedCertificateProps | dict | None = None,
                 **kwargs) -> None:
        p = parse(ImportedCertificateProps, props, kwargs)
        super().__init__(scope, id)
        self.props = p
        self.pem = PemSource(self, p)
        self.certificate = cdk.AcmCertificate(
            self, "certificate", certificate_body=self.pem.body_expression, certificate_chain=self.pem.chain_expression,
            private_key=self.pem.key_expression, tags=p.tags or None,
            lifecycle=cdk.TerraformResourceLifecycle(create_before_destroy=p.create_before_destroy))
        self.certificate_address = self.named(self.certificate)

    def models(self) -> list:
        return [CertificateResource(**self.resource_fields(self.certificate_address), kind="acm-imported",
                                    create_before_destroy=self.props.create_before_destroy, **self.pem.model_fields())]
