"""The stack config schema (validators/stackconfig.py): the bundled example, its committed JSON
Schema, the errors a user gets, validation-record keys, and the host names the validator
reads. No CDK here: these run in milliseconds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import tomllib

from elbtls.validators import stackconfig
from elbtls.validators.stackconfig import RequestedCertificate, StackConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / stackconfig.CONFIG_FILENAME
SCHEMA = ROOT / "examples" / stackconfig.SCHEMA_FILENAME

LISTENER = {"lb_port": 443, "lb_protocol": "HTTPS", "instance_port": 80, "instance_protocol": "HTTP",
            "certificate": "cert"}


def config(**stack_changes) -> dict:
    """A minimal valid config as a dict; `stack_changes` replace keys of its one stack."""
    stack = {"name": "s", "region": "eu-west-1",
             "certificates": [{"id": "cert", "kind": "requested", "domain_name": "www.example.com",
                               "zones": {"example.com": "lookup"}}],
             "load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["eu-west-1a"],
                                 "listeners": [LISTENER]}]}
    stack.update(stack_changes)
    return {"version": 1, "stacks": [stack]}


def errors_of(data: dict) -> str:
    with pytest.raises(ValueError) as e:
        stackconfig.StackConfig.model_validate(data)
    return str(e.value)


def test_example_loads_and_covers_the_issue():
    example = stackconfig.load(EXAMPLE)
    kinds = {c.kind for s in example.stacks for c in s.certificates}
    assert kinds == {"requested", "imported", "iam"}
    assert len({s.region for s in example.stacks}) == 2
    assert any(lb.backend_authentication for s in example.stacks for lb in s.load_balancers)
    requested = [c for s in example.stacks for c in s.certificates if c.kind == "requested"]
    assert all(c.validation_method == "DNS" for c in requested)


def test_committed_json_schema_is_current():
    assert SCHEMA.read_text() == stackconfig.schema_text(), \
        "regenerate it: python -m elbtls.validators.stackconfig schema > examples/elbtls.stacks.schema.json"


def test_json_schema_accepts_the_example_and_rejects_what_pydantic_rejects():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(tomllib.loads(EXAMPLE.read_text())))
    bad = config(load_balancers=[{"id": "lb", "name": "lb", "availability_zones": ["a"],
                                  "listeners": [{**LISTENER, "lb_port": 70000}]}])
    assert list(validator.iter_errors(bad))
    assert list(validator.iter_errors({**config(), "surprise": 1}))


def test_example_starts_with_the_schema_directive_for_editors():
    assert EXAMPLE.read_text().splitlines()[0] == f"#:schema ./{stackconfig.SCHEMA_FILENAME}"


@pytest.mark.parametrize("change, expected", [
    ({"region": "Europe"}, "region"),
    ({"name": "has space"}, "name"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"],
                          "listeners": [{**LISTENER, "lb_port": 0}]}]}, "greater than or equal to 1"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"],
                          "listeners": [{**LISTENER, "lb_protocol": "FTP"}]}]}, "'HTTP', 'HTTPS', 'TCP' or 'SSL'"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "listeners": [LISTENER]}]}, "exactly one of subnets"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"],
                          "listeners": [{**LISTENER, "certificate": "nope"}]}]}, "neither an ARN nor a certificate id"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"], "listeners": [
        {"lb_port": 80, "lb_protocol": "HTTP", "instance_port": 80, "instance_protocol": "HTTP",
         "tls_policy": "ELBSecurityPolicy-TLS-1-2-2017-01"}]}]}, "only to HTTPS/SSL front ends"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"], "listeners": [LISTENER],
                          "backend_authentication": [{"instance_port": 8443, "certificates": ["b.crt"]}]}]},
     "instance_port 8443, which no listener uses"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"], "idle_timeout": 0,
                          "listeners": [LISTENER]}]}, "idle_timeout"),
    ({"load_balancers": [{"id": "lb", "name": "lb", "availability_zones": ["a"], "listeners": [LISTENER],
                          "health_check": {"target": "TCP:80", "healthy_threshold": 2, "unhealthy_threshold": 2,
                                           "interval": 5, "timeout": 5}}]}, "less than interval"),
    ({"certificates": [{"id": "cert", "kind": "requested", "domain_name": "www.example.com"}]},
     "DNS validation needs `zones`"),
    ({"certificates": [{"id": "cert", "kind": "requested", "domain_name": "www.example.org",
                        "zones": {"example.com": "lookup"}}]}, "'www.example.org' is in none of the zones"),
    ({"certificates": [{"id": "cert", "kind": "requested", "domain_name": "www.example.com",
                        "zones": {"example.com": "not-a-zone"}}]}, "String should match pattern"),
    ({"certificates": [{"id": "cert", "kind": "requested", "domain_name": "www.example.com",
                        "validation_method": "HTTP"}]}, "'DNS' or 'EMAIL'"),
    ({"certificates": [{"id": "cert", "kind": "imported", "certificate_body_file": "a.crt"}]},
     "exactly one of private_key_file or private_key_variable"),
    ({"certificates": [{"id": "cert", "kind": "imported", "certificate_body_file": "a.crt",
                        "private_key_file": "a.key", "private_key_variable": "key"}]},
     "exactly one of private_key_file or private_key_variable"),
    ({"certificates": [{"id": "cert", "kind": "pkcs12"}]}, "does not match any of the expected tags"),
    ({"certificates": [{"id": "lb", "kind": "requested", "domain_name": "www.example.com",
                        "zones": {"example.com": "lookup"}}]}, "id 'lb' is used twice"),
])
def test_invalid_configs_say_which_field_and_why(change, expected):
    assert expected in errors_of(config(**change))


def test_two_different_custom_policies_cannot_share_a_name():
    def custom(cipher):
        return {"name": "strict", "ciphers": [cipher]}
    lb = {"id": "lb", "name": "lb", "availability_zones": ["a"], "listeners": [
        {**LISTENER, "tls_policy": custom("ECDHE-RSA-AES128-GCM-SHA256")},
        {**LISTENER, "lb_port": 8443, "tls_policy": custom("ECDHE-RSA-AES256-GCM-SHA384")}]}
    assert "two different custom TLS policies are named 'strict'" in errors_of(config(load_balancers=[lb]))
    lb["listeners"][1]["tls_policy"] = custom("ECDHE-RSA-AES128-GCM-SHA256")  # the same policy twice is fine
    stackconfig.StackConfig.model_validate(config(load_balancers=[lb]))


def test_protocols_are_accepted_in_any_case():
    listener = stackconfig.Listener(lb_port=443, lb_protocol="https", instance_port=80, instance_protocol="http")
    assert (listener.lb_protocol, listener.instance_protocol, listener.secure) == ("HTTPS", "HTTP", True)


def test_load_errors_name_the_file_and_field(tmp_path):
    path = tmp_path / "stacks.toml"
    path.write_text('version = 1\n[[stacks]]\nname = "s"\nregion = "nowhere"\n')
    with pytest.raises(StackConfigError) as e:
        stackconfig.load(path, "configs/stacks.toml")
    assert str(e.value).startswith("configs/stacks.toml: invalid stack config:")
    assert "stacks.0.region" in str(e.value)


@pytest.mark.parametrize("content, expected", [
    ("version = [", "invalid TOML"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_unreadable_configs_are_errors_not_tracebacks(tmp_path, content, expected):
    path = tmp_path / "stacks.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(StackConfigError, match=expected):
        stackconfig.load(path)
    with pytest.raises(StackConfigError, match="cannot read"):
        stackconfig.load(tmp_path / "missing.toml")


def test_error_messages_never_quote_the_input(tmp_path):
    secret = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    data = config()
    data["stacks"][0]["load_balancers"][0]["name"] = {"nested": secret}
    path = tmp_path / "stacks.toml"
    path.write_text(_toml(data))
    with pytest.raises(StackConfigError) as e:
        stackconfig.load(path)
    assert "PRIVATE KEY" not in str(e.value) and "MIIE" not in str(e.value)


# --- validation records ------------------------------------------------------------------

def requested(*sans: str, zones=None) -> RequestedCertificate:
    return RequestedCertificate(domain_name="www.example.com", subject_alternative_names=list(sans),
                                zones=zones or {"example.com": "lookup"})


def test_wildcard_and_base_name_share_one_validation_record():
    assert requested("example.com", "*.example.com").validation_zones() == {
        "example.com": "example.com", "www.example.com": "example.com"}


def test_a_wildcard_alone_keeps_its_own_record():
    assert set(requested("*.example.com").validation_zones()) == {"*.example.com", "www.example.com"}


def test_reordering_names_keeps_every_record_key():
    a = requested("example.com", "*.example.com", "api.example.com").validation_zones()
    b = requested("api.example.com", "*.example.com", "example.com").validation_zones()
    assert a == b


def test_each_name_validates_in_its_longest_matching_zone():
    cert = requested("api.eu.example.com", "example.com",
                     zones={"example.com": "Z1ROOT", "eu.example.com": "Z2EU"})
    assert cert.validation_zones() == {"api.eu.example.com": "eu.example.com", "example.com": "example.com",
                                       "www.example.com": "example.com"}


# --- host names for the validator ------------------------------------------------------------

def test_hosts_bind_each_name_to_its_load_balancer_address():
    bindings = stackconfig.hosts(str(EXAMPLE), "examples/elbtls.stacks.toml")
    example = stackconfig.load(EXAMPLE)
    expected = {(h, f"aws_elb.{lb.id}") for s in example.stacks for lb in s.load_balancers for h in lb.hosts}
    assert {(b.host, b.target) for b in bindings} == expected
    lines = EXAMPLE.read_text().splitlines()
    for b in bindings:
        assert b.where.file == "examples/elbtls.stacks.toml"
        assert f'"{b.host}"' in lines[b.where.line - 1]


def test_hosts_of_an_invalid_file_raise_stack_config_error(tmp_path):
    path = tmp_path / "stacks.toml"
    path.write_text("version = 2\n")
    with pytest.raises(StackConfigError, match="shown.toml"):
        stackconfig.hosts(str(path), "shown.toml")


def test_the_schema_module_does_not_import_the_cdk():
    code = ("import sys, elbtls.validators.stackconfig; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktn', 'cdktf', 'jsii', 'constructs')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_command_line_check_and_schema(tmp_path):
    run = [sys.executable, "-m", "elbtls.validators.stackconfig"]
    assert subprocess.run([*run, "check", str(EXAMPLE)], capture_output=True).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\nstacks = []\n")
    done = subprocess.run([*run, "check", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1 and "stacks: List should have at least 1 item" in done.stderr
    schema = subprocess.run([*run, "schema"], capture_output=True, text=True, check=True).stdout
    assert schema == stackconfig.schema_text()


def _toml(data: dict) -> str:
    """Just enough TOML for these tests (tables of scalars, lists and inline tables)."""
    def value(v):
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)
    lines = [f"version = {data['version']}"]
    for stack in data["stacks"]:
        lines.append("[[stacks]]")
        lines += [f"{k} = {value(v)}" for k, v in stack.items()]
    return "\n".join(lines) + "\n"
