"""Construct properties: the stack config's models (validators/stackconfig.py) where a
construct needs nothing more, extended where a construct can take a live object (a listener's
certificate may be a certificate construct). Pure pydantic, no CDK import, so invalid props
fail with pydantic's message before any jsii call. Paths are relative to the working directory.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..validators import stackconfig
from ..validators.model import Ref, Resource


class CertificateSource:
    """What a listener needs from a certificate construct; the certificate constructs
    implement it. Plain Python (no metaclass), so it mixes into jsii construct classes."""

    @property
    def arn(self) -> str:
        """A token for the certificate ARN a listener should use (requested certificates: the
        one exposed by aws_acm_certificate_validation, so listeners wait for issuance)."""
        raise NotImplementedError

    def arn_ref(self) -> Ref:
        """What `arn` means, as the validator's model spells a reference."""
        raise NotImplementedError

    def models(self) -> list[Resource]:
        """The resources the construct creates, as the validator's models."""
        raise NotImplementedError


class RequestedCertificateProps(stackconfig.RequestedCertificate):
    pass


class ImportedCertificateProps(stackconfig.ImportedCertificate):
    pass


class IamCertificateProps(stackconfig.IamCertificate):
    pass


class ListenerProps(stackconfig.Listener):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    certificate: CertificateSource | str | None = Field(
        default=None, description="HTTPS/SSL front ends: a certificate construct or an ACM/IAM certificate ARN")


class LoadBalancerProps(stackconfig.LoadBalancer):
    listeners: list[ListenerProps] = Field(min_length=1)


Props = TypeVar("Props", bound=BaseModel)


def parse(model: type[Props], props: Props | dict | None, kwargs: dict) -> Props:
    """Props given as a model instance, a dict or keyword arguments (not several at once),
    validated: raises pydantic.ValidationError naming the field."""
    if props is not None and kwargs:
        raise TypeError(f"{model.__name__}: pass either props or keyword arguments, not both")
    if isinstance(props, model):
        return props
    if isinstance(props, BaseModel):  # e.g. a stack config entry: re-validate its fields
        props = props.model_dump(exclude={"id", "kind"})
    return model.model_validate(props if props is not None else kwargs)
