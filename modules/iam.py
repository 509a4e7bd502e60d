"""IAM server certificates: the way to give a Classic Load Balancer a certificate ACM cannot
(EC keys, RSA 4096), and the pre-ACM way. Global, so any region's load balancer can use one."""

from __future__ import annotations

from ..validators.model import CertificateResource
from . import cdk
from .pem import PemCertificate, PemSource
from .props import IamCertificateProps, parse


class IamServerCertificate(PemCertificate):
    """`aws_iam_server_certificate` with `name_prefix` (default: `<construct id>-`), so that
    with `create_before_destroy` a replacement is uploaded beside the certificate in use
    before the old one is deleted. PEM inputs as for ImportedCertificate."""

    def __init__(self, scope: cdk.Construct, id: str, *, props: IamCertificateProps | dict | None = None,
                 **kwargs) -> None:
        p = parse(IamCertificateProps, props, kwargs)
        super().__init__(scope, id)
        self.props = p
        self.name_prefix = p.name_prefix if p.name_prefix is not None else f"{id}-"
        self.pem = PemSource(self, p)
        self.certificate = cdk.IamServerCertificate(
            self, "certificate", name_prefix=self.name_prefix, path=p.path,
            certificate_body=self.pem.body_expression, certificate_chain=self.pem.chain_expression,
            private_key=self.pem.key_expression, tags=p.tags or None,
            lifecycle=cdk.TerraformResourceLifecycle(create_before_destroy=p.create_before_destroy))
        self.certificate_address = self.named(self.certificate)

    def models(self) -> list:
        return [CertificateResource(**self.resource_fields(self.certificate_address), kind="iam",
                                    name_prefix=self.name_prefix, path=self.props.path,
                                    create_before_destroy=self.props.create_before_destroy, **self.pem.model_fields())]
