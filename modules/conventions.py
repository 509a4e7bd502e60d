"""What the constructs' stacks and the emitted Terraform modules share, so both produce the
same objects: the AWS provider range, and the names given to load balancer policies
(`{...}` fields are filled with values in Python and with `${...}` expressions in HCL)."""

from __future__ import annotations

# Every AWS provider from 5.100 (what the local mirror and many users hold) to the 6.x the
# CDK bindings were generated for.
AWS_PROVIDER_CONSTRAINT = ">= 5.100, < 7"

# A predefined policy is referenced from a policy named after it: switching policies then
# creates a new policy beside the old one instead of rewriting one a listener uses.
TLS_POLICY = "elbtls-{policy}"
BACKEND_KEY_POLICY = "backend-key-{port}-{index}"
BACKEND_AUTH_POLICY = "backend-auth-{port}"


def tls_policy(predefined: str) -> str:
    return TLS_POLICY.format(policy=predefined)


def backend_key_policy(port: int | str, index: int | str) -> str:
    return BACKEND_KEY_POLICY.format(port=port, index=index)


def backend_auth_policy(port: int | str) -> str:
    return BACKEND_AUTH_POLICY.format(port=port)
