"""The one import seam for the CDK for Terraform: nothing else in elbtls imports cdktn/cdktf.

`ELBTLS_CDK=cdktn` (default) selects CDK Terrain with `cdktn-provider-aws`; `ELBTLS_CDK=cdktf`
the archived CDKTF 0.21 with `cdktf-cdktf-provider-aws`. Both expose the same class names, so
the constructs are written once against the names exported here. Importing this module
starts the jsii kernel (seconds, hundreds of MB): the validator never imports it.
"""

from __future__ import annotations

import os
from importlib import import_module

from . import node

FLAVOURS = {"cdktn": ("cdktn", "cdktn_provider_aws"), "cdktf": ("cdktf", "cdktf_cdktf_provider_aws")}


def flavour() -> str:
    """The selected flavour; a bad ELBTLS_CDK is a usage error, not an ImportError."""
    name = os.environ.get("ELBTLS_CDK", "cdktn").strip() or "cdktn"
    if name not in FLAVOURS:
        raise SystemExit(f"ELBTLS_CDK={name!r} is not supported: use one of {', '.join(FLAVOURS)}")
    return name


FLAVOUR = flavour()
# jsii starts `node` from JSII_NODE or PATH when the first jsii module loads; the system Node
# may be too old, so point it at the venv's before that happens.
os.environ.update({k: v for k, v in node.env().items() if k in ("JSII_NODE", "PATH")})

_core_name, _aws_name = FLAVOURS[FLAVOUR]
_core = import_module(_core_name)


def _aws(module: str, *names: str) -> tuple:
    mod = import_module(f"{_aws_name}.{module}")
    return tuple(getattr(mod, n) for n in names)


App = _core.App
TerraformStack = _core.TerraformStack
TerraformVariable = _core.TerraformVariable
TerraformVariableValidationConfig = _core.TerraformVariableValidationConfig
TerraformOutput = _core.TerraformOutput
TerraformIterator = _core.TerraformIterator
TerraformResourceLifecycle = _core.TerraformResourceLifecycle
LocalBackend = _core.LocalBackend
Annotations = _core.Annotations
Fn = _core.Fn
Token = _core.Token
Testing = _core.Testing
VERSION = import_module("importlib.metadata").version(_core_name)

(AwsProvider,) = _aws("provider", "AwsProvider")
(DataAwsRegion,) = _aws("data_aws_region", "DataAwsRegion")
(AcmCertificate, AcmCertificateOptions) = _aws("acm_certificate", "AcmCertificate", "AcmCertificateOptions")
(AcmCertificateValidation,) = _aws("acm_certificate_validation", "AcmCertificateValidation")
(Route53Record,) = _aws("route53_record", "Route53Record")
(DataAwsRoute53Zone,) = _aws("data_aws_route53_zone", "DataAwsRoute53Zone")
(IamServerCertificate,) = _aws("iam_server_certificate", "IamServerCertificate")
(Elb, ElbListener, ElbHealthCheck, ElbAccessLogs) = _aws("elb", "Elb", "ElbListener", "ElbHealthCheck", "ElbAccessLogs")
(LoadBalancerPolicy, LoadBalancerPolicyPolicyAttribute) = _aws(
    "load_balancer_policy", "LoadBalancerPolicy", "LoadBalancerPolicyPolicyAttribute")
(LoadBalancerListenerPolicy,) = _aws("load_balancer_listener_policy", "LoadBalancerListenerPolicy")
(LoadBalancerBackendServerPolicy,) = _aws("load_balancer_backend_server_policy", "LoadBalancerBackendServerPolicy")

# `constructs` and `jsii` are shared by both flavours; re-exported so callers need one import.
from constructs import Construct, IValidation  # noqa: E402
from jsii import implements  # noqa: E402
# A JavaScript error (a failed validation, a duplicate construct id) reaches Python as a
# RuntimeError whose __cause__ is a JavaScriptError.
from jsii.errors import JavaScriptError  # noqa: E402
