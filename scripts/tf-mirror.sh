#!/usr/bin/env bash
# Write a Terraform CLI configuration that installs hashicorp/aws from the local provider
# mirror ($ELBTLS_TF_PROVIDER_MIRROR, default /opt/tf-plugins) instead of the registry, and
# print its path. Use it where the registry is out of reach (CI):
#   export TF_CLI_CONFIG_FILE="$(scripts/tf-mirror.sh .elbtls-cache/terraform.tfrc)"
#   export TF_PLUGIN_CACHE_DIR="$PWD/.elbtls-cache/terraform-plugins"
# The configuration text lives in tests/terraform.py (one place for the tests and for this).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.elbtls-cache/terraform.tfrc}"
exec "${PYTHON:-.venv/bin/python}" -m tests.terraform cli-config "$out"
