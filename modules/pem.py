"""PEM files of an imported (ACM or IAM) certificate, as the HCL references them and as the
validator's models hold them.

The HCL never contains the PEM text: each file is read at apply with
`file("${path.module}/<path relative to the stack directory>")`, and a private key held in a
sensitive variable is `var.<name>`. At synth the files are read once more for the validator's
rules (key text travels only as SecretStr); a file that cannot be read is an
`input-unreadable` finding naming it, since apply would fail on it too.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path

from ..validators.catalog import finding
from ..validators.facts.limits import ACM_CHAIN_MAX_BYTES
from ..validators.findings import Finding, Where
from ..validators.inputs.discover import read_text
from ..validators.inputs.tree import InputError
from ..validators.model import Pem, PemField, Ref, Unresolved
from ..validators.stackconfig import PemFiles
from . import cdk
from .base import ElbTlsConstruct
from .props import CertificateSource

# Characters that would end the HCL string or start an interpolation inside it.
_UNSAFE_IN_HCL_STRING = re.compile(r'["\\\n]|\$\{|%\{')


class PemSource:
    """The PEM inputs of one certificate construct (`owner`)."""

    def __init__(self, owner, files: PemFiles) -> None:
        self._owner = owner
        self._files = files
        self.key_variable = None
        if files.private_key_variable:
            self.key_variable = cdk.TerraformVariable(
                owner, files.private_key_variable, type="string", sensitive=True, nullable=False,
                description=f"PEM private key of {owner.node.path} (unencrypted; pass it as TF_VAR_{files.private_key_variable})")
            self.key_variable.override_logical_id(files.private_key_variable)

    # --- the HCL side --------------------------------------------------------------------
    def _file_expression(self, path: str | None) -> str | None:
        if path is None:
            return None
        relative = os.path.relpath(Path(path).resolve(), self._owner.stack_dir).replace(os.sep, "/")
        if _UNSAFE_IN_HCL_STRING.search(relative):
            raise ValueError(f"{path}: the path cannot be written into an HCL string (it holds a quote, backslash, "
                             "newline or template sequence); rename the file")
        return f'${{file("${{path.module}}/{relative}")}}'

    @property
    def body_expression(self) -> str:
        return self._file_expression(self._files.certificate_body_file)

    @property
    def chain_expression(self) -> str | None:
        return self._file_expression(self._files.certificate_chain_file)

    @property
    def key_expression(self) -> str:
        if self.key_variable is not None:
            return self.key_variable.string_value
        return self._file_expression(self._files.private_key_file)

    # --- the validator side --------------------------------------------------------------
    @cached_property
    def _read(self) -> tuple[dict, list[Finding]]:
        f = self._files
        problems: list[Finding] = []

        def read(path: str | None, what: str) -> PemField:
            if path is None:
                return None
            try:
                return Pem(text=read_text(path, ACM_CHAIN_MAX_BYTES), origin=Where(file=path))
            except InputError as e:
                problems.append(finding("input-unreadable", f"{path} ({what} of {self._owner.node.path}): {e}; "
                                        "it is read with file() at apply, so it must exist by then",
                                        Where(file=path)))
                return Unresolved(expression=f'file("{path}")', reason=f"unreadable at synth: {e}")

        key = read(f.private_key_file, "private key") if f.private_key_file else Unresolved(
            expression=f"var.{f.private_key_variable}", reason="a sensitive variable, set at apply")
        fields = {"body": read(f.certificate_body_file, "certificate body"),
                  "chain": read(f.certificate_chain_file, "certificate chain"), "private_key": key}
        return fields, problems

    def model_fields(self) -> dict:
        """body, chain and private_key for a CertificateResource."""
        return self._read[0]

    def findings(self) -> list[Finding]:
        """input-unreadable for each file that cannot be read now."""
        return self._read[1]


class PemCertificate(ElbTlsConstruct, CertificateSource):
    """Base of the certificates uploaded from PEM files (ACM import, IAM): the subclass sets
    `pem`, `certificate` (the resource) and `certificate_address`, whose `arn` listeners use."""

    pem: PemSource
    certificate_address: str

    @property
    def arn(self) -> str:
        return self.certificate.arn

    def arn_ref(self) -> Ref:
        return Ref(address=self.certificate_address, attribute="arn")

    def input_findings(self) -> list[Finding]:
        return self.pem.findings()
