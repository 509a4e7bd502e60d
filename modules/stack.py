"""Stacks: one region each, and the app built from a stack config file."""

from __future__ import annotations

import os
from pathlib import Path

from ..validators import stackconfig
from . import cdk, demo_pki
from .acm import ImportedCertificate, RequestedCertificate
from .conventions import AWS_PROVIDER_CONSTRAINT
from .elb import ClassicLoadBalancer
from .iam import IamServerCertificate

_CERTIFICATE_CLASSES = {"requested": RequestedCertificate, "imported": ImportedCertificate,
                        "iam": IamServerCertificate}


class ElbTlsStack(cdk.TerraformStack):
    """A TerraformStack in one region: its AWS provider, a local backend whose state file
    sits beside the output directory (`<outdir>/../terraform.<id>.tfstate`, a path that is
    the same from every stack directory, so cross-stack references find it), and the AWS
    provider range every elbtls configuration uses. The constructs read `region` to check
    certificate regions."""

    def __init__(self, scope: cdk.Construct, id: str, *, region: str, tags: dict[str, str] | None = None) -> None:
        super().__init__(scope, id)
        self.region = region
        cdk.AwsProvider(self, "aws", region=region, default_tags=[{"tags": tags}] if tags else None)
        cdk.LocalBackend(self, path=f"../../../terraform.{id}.tfstate")
        # CDKTF's bindings write the legacy `source = "aws"`; spell out the registry address.
        self.add_override("terraform.required_providers.aws", {"source": "hashicorp/aws",
                                                              "version": AWS_PROVIDER_CONSTRAINT})


def build(app: cdk.App, config: stackconfig.StackConfig, base_dir: str | os.PathLike) -> dict[str, ElbTlsStack]:
    """Add the config's stacks to `app`. Paths in the config are relative to `base_dir` (the
    config file's directory); the demo PKI, if configured, is created first."""
    base = Path(base_dir)
    if config.demo_pki:
        demo_pki.ensure(base / config.demo_pki.dir, config.demo_pki.certificates)
    stacks = {s.name: ElbTlsStack(app, s.name, region=s.region, tags=s.tags or None) for s in config.stacks}
    certificates = {}
    for spec in config.stacks:
        for entry in spec.certificates:
            props = _with_paths(entry.model_dump(exclude={"id", "kind"}), base)
            certificates[entry.id] = _CERTIFICATE_CLASSES[entry.kind](stacks[spec.name], entry.id, props=props)
    for spec in config.stacks:
        for entry in spec.load_balancers:
            props = entry.model_dump(exclude={"id"})
            for listener in props["listeners"]:
                listener["certificate"] = certificates.get(listener["certificate"], listener["certificate"])
            for auth in props["backend_authentication"]:
                auth["certificates"] = [_path(p, base) for p in auth["certificates"]]
            ClassicLoadBalancer(stacks[spec.name], entry.id, props=props)
    return stacks


def _path(path: str, base: Path) -> str:
    """A config path as the constructs take it: relative to the working directory when
    under it (messages stay short), else absolute."""
    full = (base / path).resolve()
    try:
        return str(full.relative_to(Path.cwd()))
    except ValueError:
        return str(full)


def _with_paths(props: dict, base: Path) -> dict:
    return {k: _path(v, base) if k.endswith("_file") and isinstance(v, str) else v for k, v in props.items()}


class SynthError(Exception):
    """Synth stopped on the user's input: invalid props, an unreadable file, or a rule
    violation found at synth. The message says which construct and what to fix."""


def synth(config: stackconfig.StackConfig, base_dir: str | os.PathLike, outdir: str | None = None) -> cdk.App:
    """Build the config's stacks into a new App and synthesize it (to `outdir`, default: the
    CLI's CDKTF_OUTDIR or cdktf.out)."""
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    try:
        build(app, config, base_dir)
        app.synth()
    except ValueError as e:  # pydantic.ValidationError included
        raise SynthError(str(e)) from None
    except RuntimeError as e:
        if not isinstance(e.__cause__, cdk.JavaScriptError):
            raise
        raise SynthError(str(e)) from None
    return app
