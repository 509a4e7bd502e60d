"""The reusable Terraform modules, emitted as HCL for teams on plain Terraform:

- `terraform/modules/acm-certificate`: a requested, DNS-validated ACM certificate, the
  same resources as the RequestedCertificate construct;
- `terraform/modules/clb-https`: a Classic Load Balancer with TLS policies on its secure
  listeners and optional back-end authentication, as the ClassicLoadBalancer construct.

Typed variables with descriptions and `validation` blocks for what Terraform can check
itself (names, ports, protocols, certificate ARNs and their region, policy names), outputs,
and no provider or backend block. The limits, policy names and naming conventions are
interpolated from the validator's facts and modules/conventions.py, so regenerating keeps the
modules in step with the rules; the committed files are checked to be current by the tests.

    python -m elbtls.modules.emit [DIR]     # default DIR: terraform/modules

Needs `terraform` on PATH (the text is passed through `terraform fmt`). No CDK import.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from ..validators.facts import key_support, limits, tls_policies
from . import conventions
from .conventions import AWS_PROVIDER_CONSTRAINT

DEFAULT_DIR = "terraform/modules"
REQUIRED_TERRAFORM = ">= 1.9"  # variable validations that refer to other variables and data


def hcl(value) -> str:
    """A Python literal as HCL (strings, numbers, bools, lists of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, frozenset, set)):
        return "[" + ", ".join(hcl(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    return str(value)


def render(template: str, **values) -> str:
    """Fill `@NAME@` placeholders (HCL itself is full of braces) with HCL literals."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", value if isinstance(value, _Raw) else hcl(value))
    leftover = re.search(r"@[A-Z_]+@", template)
    if leftover:
        raise ValueError(f"unfilled placeholder {leftover.group()}")
    return template


class _Raw(str):
    """Text inserted as is (already HCL)."""


def _template_name(fmt: str, **expressions: str) -> _Raw:
    """A conventions.* format as an HCL string template: `"backend-key-${each.value.port}-..."`."""
    return _Raw('"' + fmt.format(**{k: "${" + v + "}" for k, v in expressions.items()}) + '"')


VERSIONS = """
terraform {
  required_version = @REQUIRED_TERRAFORM@
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = @AWS_PROVIDER_CONSTRAINT@
    }
  }
}
"""

CERTIFICATE_VARIABLES = """
variable "domain_name" {
  description = "The certificate's main name (its subject CN): ASCII (punycode for IDNs), at most @ACM_COMMON_NAME_MAX@ octets."
  type        = string
  nullable    = false
  validation {
    condition     = length(var.domain_name) <= @ACM_COMMON_NAME_MAX@
    error_message = "domain_name is over @ACM_COMMON_NAME_MAX@ octets, the limit for a certificate's CN: use a shorter name and put the long one in subject_alternative_names."
  }
}

variable "subject_alternative_names" {
  description = "More names for the certificate. `*.example.com` covers one label under example.com, not example.com itself."
  type        = list(string)
  default     = []
  nullable    = false
  validation {
    condition     = length(distinct(concat([var.domain_name], var.subject_alternative_names))) <= @ACM_SANS_HARD_MAX@
    error_message = "ACM takes at most @ACM_SANS_HARD_MAX@ names per certificate (10 by default: raise the quota first); split the names over several certificates."
  }
  validation {
    condition = alltrue([for name in concat([var.domain_name], var.subject_alternative_names) :
      length(name) <= @ACM_DOMAIN_NAME_MAX@ && !endswith(name, ".") && !strcontains(trimprefix(name, "*."), "*")
    ])
    error_message = "Each name must be at most @ACM_DOMAIN_NAME_MAX@ characters, without a trailing dot, with a wildcard only as the whole left-most label."
  }
  validation {
    condition = alltrue([for name in concat([var.domain_name], var.subject_alternative_names) :
      !anytrue([for owned in @ACM_AMAZON_OWNED_DOMAINS@ : lower(name) == owned || endswith(lower(name), ".${owned}")])
    ])
    error_message = "ACM does not issue certificates for names under amazonaws.com, cloudfront.net or elasticbeanstalk.com; use your own domain."
  }
}

variable "validation_method" {
  description = "How ACM validates domain ownership: DNS (records in Route 53, renewed automatically) or EMAIL."
  type        = string
  default     = "DNS"
  nullable    = false
  validation {
    condition     = contains(@ACM_VALIDATION_METHODS@, var.validation_method)
    error_message = "validation_method must be DNS or EMAIL (HTTP validation is for CloudFront only)."
  }
}

variable "zone_id" {
  description = "DNS validation: the Route 53 hosted zone for the validation records."
  type        = string
  default     = null
  validation {
    condition     = var.validation_method != "DNS" || var.zone_id != null
    error_message = "DNS validation needs zone_id (the hosted zone that serves the names)."
  }
}

variable "zone_ids" {
  description = "DNS validation: hosted zones for individual names (name -> zone id) when they are not all in zone_id."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "key_algorithm" {
  description = "The key ACM generates. A Classic Load Balancer takes only RSA_2048 among the requestable algorithms."
  type        = string
  default     = @ACM_REQUEST_DEFAULT@
  nullable    = false
  validation {
    condition     = contains(@CLB_REQUESTABLE@, var.key_algorithm)
    error_message = "A Classic Load Balancer cannot use this key algorithm through ACM; use RSA_2048 (or an IAM certificate for EC keys)."
  }
}

variable "transparency_logging" {
  description = "Log the certificate to public Certificate Transparency logs (browsers distrust certificates missing there)."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags for the certificate."
  type        = map(string)
  default     = {}
  nullable    = false
}
"""

CERTIFICATE_MAIN = """
locals {
  names = distinct(concat([var.domain_name], var.subject_alternative_names))
  # `*.x` and `x` share ACM's validation record: one record per distinct validation name,
  # keyed by the name, so reordering the names replaces nothing.
  validation_names = var.validation_method == "DNS" ? toset([for name in local.names : name
    if !(startswith(name, "*.") && contains(local.names, trimprefix(name, "*.")))
  ]) : toset([])
}

resource "aws_acm_certificate" "this" {
  domain_name               = var.domain_name
  subject_alternative_names = var.subject_alternative_names
  validation_method         = var.validation_method
  key_algorithm             = var.key_algorithm
  tags                      = var.tags

  options {
    certificate_transparency_logging_preference = var.transparency_logging ? "ENABLED" : "DISABLED"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = local.validation_names

  zone_id         = lookup(var.zone_ids, each.key, var.zone_id)
  name            = one([for o in aws_acm_certificate.this.domain_validation_options : o.resource_record_name if o.domain_name == each.key])
  type            = one([for o in aws_acm_certificate.this.domain_validation_options : o.resource_record_type if o.domain_name == each.key])
  records         = [one([for o in aws_acm_certificate.this.domain_validation_options : o.resource_record_value if o.domain_name == each.key])]
  ttl             = 60
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = var.validation_method == "DNS" ? [for record in aws_route53_record.validation : record.fqdn] : null
}
"""

CERTIFICATE_OUTPUTS = """
output "arn" {
  description = "The certificate ARN for listeners, from aws_acm_certificate_validation: a listener using it waits until ACM has issued the certificate."
  value       = aws_acm_certificate_validation.this.certificate_arn
}

output "domain_name" {
  description = "The certificate's main name."
  value       = aws_acm_certificate.this.domain_name
}

output "validation_record_fqdns" {
  description = "The Route 53 validation records, one per distinct validation name."
  value       = [for record in aws_route53_record.validation : record.fqdn]
}
"""

LB_VARIABLES = """
variable "name" {
  description = "The load balancer's name: at most @ELB_NAME_MAX@ letters, digits and hyphens, not starting or ending with a hyphen."
  type        = string
  nullable    = false
  validation {
    condition     = length(var.name) <= @ELB_NAME_MAX@ && can(regex(@ELB_NAME_REGEX@, var.name))
    error_message = "name must be at most @ELB_NAME_MAX@ letters, digits and hyphens, and not start or end with a hyphen."
  }
}

variable "subnets" {
  description = "Subnets (in a VPC) to place the load balancer in; give these or availability_zones."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "availability_zones" {
  description = "Availability zones to place the load balancer in; give these or subnets."
  type        = list(string)
  default     = []
  nullable    = false
  validation {
    condition     = (length(var.subnets) > 0) != (length(var.availability_zones) > 0)
    error_message = "Give exactly one of subnets or availability_zones."
  }
}

variable "security_groups" {
  description = "Security groups of the load balancer (in a VPC)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "internal" {
  description = "An internal load balancer (no public addresses)."
  type        = bool
  default     = false
  nullable    = false
}

variable "cross_zone_load_balancing" {
  description = "Spread requests evenly over the instances of every zone."
  type        = bool
  default     = true
  nullable    = false
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle (@ELB_IDLE_TIMEOUT_MIN@ to @ELB_IDLE_TIMEOUT_MAX@)."
  type        = number
  default     = 60
  nullable    = false
  validation {
    condition     = var.idle_timeout >= @ELB_IDLE_TIMEOUT_MIN@ && var.idle_timeout <= @ELB_IDLE_TIMEOUT_MAX@
    error_message = "idle_timeout must be @ELB_IDLE_TIMEOUT_MIN@ to @ELB_IDLE_TIMEOUT_MAX@ seconds."
  }
}

variable "connection_draining" {
  description = "Let in-flight requests finish before an instance is deregistered."
  type        = bool
  default     = true
  nullable    = false
}

variable "connection_draining_timeout" {
  description = "Seconds connection draining waits (@ELB_DRAINING_MIN@ to @ELB_DRAINING_MAX@)."
  type        = number
  default     = 300
  nullable    = false
  validation {
    condition     = var.connection_draining_timeout >= @ELB_DRAINING_MIN@ && var.connection_draining_timeout <= @ELB_DRAINING_MAX@
    error_message = "connection_draining_timeout must be @ELB_DRAINING_MIN@ to @ELB_DRAINING_MAX@ seconds."
  }
}

variable "health_check" {
  description = "The health check: target PROTOCOL:PORT[/PATH], thresholds, interval and timeout in seconds (timeout below interval)."
  type = object({
    target              = string
    healthy_threshold   = optional(number, 2)
    unhealthy_threshold = optional(number, 2)
    interval            = optional(number, 30)
    timeout             = optional(number, 5)
  })
  default = null
  validation {
    condition = alltrue([for check in(var.health_check == null ? [] : [var.health_check]) :
      check.healthy_threshold >= @HEALTHY_MIN@ && check.healthy_threshold <= @HEALTHY_MAX@ &&
      check.unhealthy_threshold >= @UNHEALTHY_MIN@ && check.unhealthy_threshold <= @UNHEALTHY_MAX@ &&
      check.interval >= @INTERVAL_MIN@ && check.interval <= @INTERVAL_MAX@ &&
      check.timeout >= @TIMEOUT_MIN@ && check.timeout <= @TIMEOUT_MAX@ && check.timeout < check.interval
    ])
    error_message = "health_check: thresholds @HEALTHY_MIN@ to @HEALTHY_MAX@, interval @INTERVAL_MIN@ to @INTERVAL_MAX@ s, timeout @TIMEOUT_MIN@ to @TIMEOUT_MAX@ s and below the interval."
  }
}

variable "access_logs" {
  description = "Access logs to S3: the bucket (its policy must let Elastic Load Balancing write), a prefix, and the interval in minutes (5 or 60)."
  type = object({
    bucket        = string
    bucket_prefix = optional(string)
    interval      = optional(number, 60)
    enabled       = optional(bool, true)
  })
  default = null
  validation {
    condition     = alltrue([for logs in(var.access_logs == null ? [] : [var.access_logs]) : contains(@ELB_ACCESS_LOG_INTERVALS@, logs.interval)])
    error_message = "access_logs.interval must be 5 or 60 (minutes)."
  }
}

variable "listeners" {
  description = <<-EOT
    The listeners. HTTPS and SSL front ends take certificate_arn (an ACM certificate in the
    load balancer's region, or an IAM server certificate) and tls_policy, a predefined policy
    name (default @RECOMMENDED_TEXT@). Front and back end are both layer 7
    (HTTP/HTTPS) or both layer 4 (TCP/SSL).
  EOT
  type = list(object({
    lb_port           = number
    lb_protocol       = string
    instance_port     = number
    instance_protocol = string
    certificate_arn   = optional(string)
    tls_policy        = optional(string)
  }))
  nullable = false
  validation {
    condition     = length(var.listeners) > 0
    error_message = "Give at least one listener."
  }
  validation {
    condition = alltrue([for l in var.listeners :
      l.lb_port >= @PORT_MIN@ && l.lb_port <= @PORT_MAX@ && l.instance_port >= @PORT_MIN@ && l.instance_port <= @PORT_MAX@
    ])
    error_message = "lb_port and instance_port must be @PORT_MIN@ to @PORT_MAX@."
  }
  validation {
    condition     = alltrue([for l in var.listeners : contains(@PROTOCOLS@, upper(l.lb_protocol)) && contains(@PROTOCOLS@, upper(l.instance_protocol))])
    error_message = "Protocols must be HTTP, HTTPS, TCP or SSL."
  }
  validation {
    condition     = alltrue([for l in var.listeners : contains(@LAYER7@, upper(l.lb_protocol)) == contains(@LAYER7@, upper(l.instance_protocol))])
    error_message = "Pair HTTP/HTTPS front ends with HTTP/HTTPS back ends and TCP/SSL with TCP/SSL."
  }
  validation {
    condition     = length(distinct([for l in var.listeners : l.lb_port])) == length(var.listeners)
    error_message = "Each listener needs its own lb_port."
  }
  validation {
    condition = alltrue([for l in var.listeners :
      length(distinct([for m in var.listeners : contains(@SECURE@, upper(m.instance_protocol)) if m.instance_port == l.instance_port])) == 1
    ])
    error_message = "Listeners sharing an instance_port must agree on a secure (HTTPS/SSL) or plain (HTTP/TCP) instance protocol."
  }
  validation {
    condition     = alltrue([for l in var.listeners : !contains(@SECURE@, upper(l.lb_protocol)) || l.certificate_arn != null])
    error_message = "Every HTTPS or SSL front end needs certificate_arn."
  }
  validation {
    condition = alltrue([for l in var.listeners :
      contains(@SECURE@, upper(l.lb_protocol)) || contains(@SECURE@, upper(l.instance_protocol)) || l.certificate_arn == null
    ])
    error_message = "certificate_arn is only for listeners with an HTTPS or SSL protocol."
  }
  validation {
    condition = alltrue([for l in var.listeners :
      l.certificate_arn == null || can(regex(@ACM_ARN_REGEX@, l.certificate_arn)) || can(regex(@IAM_ARN_REGEX@, l.certificate_arn))
    ])
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) or an IAM server certificate ARN (arn:aws:iam::ACCOUNT:server-certificate/NAME)."
  }
  validation {
    condition = alltrue([for l in var.listeners :
      try(regex(@ACM_ARN_REGEX@, l.certificate_arn)[0], data.aws_region.current.id) == data.aws_region.current.id
    ])
    error_message = "An ACM certificate_arn is in another region than the load balancer; ACM certificates are regional: use one from the load balancer's region (or an IAM certificate)."
  }
  validation {
    condition     = alltrue([for l in var.listeners : contains(@PREDEFINED_POLICIES@, coalesce(l.tls_policy, @RECOMMENDED@))])
    error_message = "tls_policy must name a predefined Classic Load Balancer security policy, e.g. @RECOMMENDED_TEXT@."
  }
  validation {
    condition     = alltrue([for l in var.listeners : l.tls_policy == null || contains(@SECURE@, upper(l.lb_protocol))])
    error_message = "tls_policy is only for HTTPS and SSL front ends."
  }
}

variable "backend_public_keys" {
  description = "Back-end authentication: instance port (as a string) -> base64 DER public keys of the back-end (or CA) certificates the load balancer trusts there. The port must be served over HTTPS or SSL."
  type        = map(list(string))
  default     = {}
  nullable    = false
  validation {
    condition = alltrue([for port, keys in var.backend_public_keys :
      contains([for l in var.listeners : tostring(l.instance_port) if contains(@SECURE@, upper(l.instance_protocol))], port) && length(keys) > 0
    ])
    error_message = "backend_public_keys names an instance port that no HTTPS/SSL back end uses, or gives it no key."
  }
  validation {
    condition = alltrue(flatten([for port, keys in var.backend_public_keys : [for key in keys :
      can(regex("^[A-Za-z0-9+/]+={0,2}$", key)) && length(key) % 4 == 0
    ]]))
    error_message = "Each public key must be base64 DER without PEM armour (openssl x509 -pubkey -noout | grep -v -- -----)."
  }
}

variable "tags" {
  description = "Tags for the load balancer."
  type        = map(string)
  default     = {}
  nullable    = false
}
"""

LB_MAIN = """
data "aws_region" "current" {}

locals {
  listeners = [for l in var.listeners : merge(l, {
    lb_protocol       = upper(l.lb_protocol)
    instance_protocol = upper(l.instance_protocol)
    tls_policy        = contains(@SECURE@, upper(l.lb_protocol)) ? coalesce(l.tls_policy, @RECOMMENDED@) : null
  })]
  secure_listeners = { for l in local.listeners : tostring(l.lb_port) => l if l.tls_policy != null }
  tls_policies     = toset([for l in local.secure_listeners : l.tls_policy])
  backend_keys = merge([for port, keys in var.backend_public_keys : {
    for index, key in keys : "${port}-${index}" => { port = port, index = index, key = key }
  }]...)
}

resource "aws_elb" "this" {
  name                        = var.name
  subnets                     = length(var.subnets) > 0 ? var.subnets : null
  availability_zones          = length(var.availability_zones) > 0 ? var.availability_zones : null
  security_groups             = length(var.security_groups) > 0 ? var.security_groups : null
  internal                    = var.internal
  cross_zone_load_balancing   = var.cross_zone_load_balancing
  idle_timeout                = var.idle_timeout
  connection_draining         = var.connection_draining
  connection_draining_timeout = var.connection_draining_timeout
  tags                        = var.tags

  dynamic "listener" {
    for_each = local.listeners
    content {
      lb_port            = listener.value.lb_port
      lb_protocol        = listener.value.lb_protocol
      instance_port      = listener.value.instance_port
      instance_protocol  = listener.value.instance_protocol
      ssl_certificate_id = listener.value.certificate_arn
    }
  }

  dynamic "health_check" {
    for_each = var.health_check == null ? [] : [var.health_check]
    content {
      target              = health_check.value.target
      healthy_threshold   = health_check.value.healthy_threshold
      unhealthy_threshold = health_check.value.unhealthy_threshold
      interval            = health_check.value.interval
      timeout             = health_check.value.timeout
    }
  }

  dynamic "access_logs" {
    for_each = var.access_logs == null ? [] : [var.access_logs]
    content {
      bucket        = access_logs.value.bucket
      bucket_prefix = access_logs.value.bucket_prefix
      interval      = access_logs.value.interval
      enabled       = access_logs.value.enabled
    }
  }
}

# One SSLNegotiationPolicyType policy per predefined policy in use, referenced by name.
resource "aws_load_balancer_policy" "tls" {
  for_each = local.tls_policies

  load_balancer_name = aws_elb.this.name
  policy_name        = @TLS_POLICY_NAME@
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = @REFERENCE_ATTRIBUTE@
    value = each.key
  }
}

resource "aws_load_balancer_listener_policy" "tls" {
  for_each = local.secure_listeners

  load_balancer_name = aws_elb.this.name
  load_balancer_port = each.value.lb_port
  policy_names       = [aws_load_balancer_policy.tls[each.value.tls_policy].policy_name]
}

resource "aws_load_balancer_policy" "backend_key" {
  for_each = local.backend_keys

  load_balancer_name = aws_elb.this.name
  policy_name        = @BACKEND_KEY_POLICY_NAME@
  policy_type_name   = "PublicKeyPolicyType"
  policy_attribute {
    name  = "PublicKey"
    value = each.value.key
  }
}

resource "aws_load_balancer_policy" "backend_auth" {
  for_each = var.backend_public_keys

  load_balancer_name = aws_elb.this.name
  policy_name        = @BACKEND_AUTH_POLICY_NAME@
  policy_type_name   = "BackendServerAuthenticationPolicyType"
  dynamic "policy_attribute" {
    for_each = [for index, key in each.value : aws_load_balancer_policy.backend_key["${each.key}-${index}"].policy_name]
    content {
      name  = "PublicKeyPolicyName"
      value = policy_attribute.value
    }
  }
}

resource "aws_load_balancer_backend_server_policy" "this" {
  for_each = var.backend_public_keys

  load_balancer_name = aws_elb.this.name
  instance_port      = tonumber(each.key)
  policy_names       = [aws_load_balancer_policy.backend_auth[each.key].policy_name]
}

check "tls_policy_current" {
  assert {
    condition     = alltrue([for l in local.secure_listeners : !contains(@OUTDATED_POLICIES@, l.tls_policy)])
    error_message = "A listener's tls_policy allows TLS 1.0 or 1.1; use @RECOMMENDED_TEXT@."
  }
}
"""

LB_OUTPUTS = """
output "name" {
  description = "The load balancer's name."
  value       = aws_elb.this.name
}

output "arn" {
  description = "The load balancer's ARN."
  value       = aws_elb.this.arn
}

output "dns_name" {
  description = "The load balancer's DNS name (for a Route 53 alias record, with zone_id)."
  value       = aws_elb.this.dns_name
}

output "zone_id" {
  description = "The hosted zone of the load balancer's DNS name."
  value       = aws_elb.this.zone_id
}

output "listener_policies" {
  description = "lb_port -> the policy names attached to that listener."
  value       = { for port, attachment in aws_load_balancer_listener_policy.tls : port => attachment.policy_names }
}
"""


def _facts() -> dict:
    h, u, i, t = (limits.ELB_HEALTHY_THRESHOLD, limits.ELB_UNHEALTHY_THRESHOLD, limits.ELB_HEALTH_CHECK_INTERVAL,
                  limits.ELB_HEALTH_CHECK_TIMEOUT)
    return dict(
        REQUIRED_TERRAFORM=REQUIRED_TERRAFORM, AWS_PROVIDER_CONSTRAINT=AWS_PROVIDER_CONSTRAINT,
        ACM_COMMON_NAME_MAX=limits.ACM_COMMON_NAME_MAX, ACM_SANS_HARD_MAX=limits.ACM_SANS_HARD_MAX,
        ACM_DOMAIN_NAME_MAX=limits.ACM_DOMAIN_NAME_MAX, ACM_AMAZON_OWNED_DOMAINS=limits.ACM_AMAZON_OWNED_DOMAINS,
        ACM_VALIDATION_METHODS=limits.ACM_VALIDATION_METHODS, ACM_REQUEST_DEFAULT=key_support.ACM_REQUEST_DEFAULT,
        CLB_REQUESTABLE=[a for a in key_support.ACM_REQUEST_KEY_ALGORITHMS if a in key_support.CLB_VIA_ACM],
        ELB_NAME_MAX=limits.ELB_NAME_MAX, ELB_NAME_REGEX=f"^{limits.ELB_NAME_PATTERN}$",
        ELB_IDLE_TIMEOUT_MIN=limits.ELB_IDLE_TIMEOUT[0], ELB_IDLE_TIMEOUT_MAX=limits.ELB_IDLE_TIMEOUT[1],
        ELB_DRAINING_MIN=limits.ELB_CONNECTION_DRAINING_TIMEOUT[0],
        ELB_DRAINING_MAX=limits.ELB_CONNECTION_DRAINING_TIMEOUT[1],
        HEALTHY_MIN=h[0], HEALTHY_MAX=h[1], UNHEALTHY_MIN=u[0], UNHEALTHY_MAX=u[1], INTERVAL_MIN=i[0],
        INTERVAL_MAX=i[1], TIMEOUT_MIN=t[0], TIMEOUT_MAX=t[1], ELB_ACCESS_LOG_INTERVALS=limits.ELB_ACCESS_LOG_INTERVALS,
        PORT_MIN=limits.ELB_PORT_MIN, PORT_MAX=limits.ELB_PORT_MAX, PROTOCOLS=limits.ELB_PROTOCOLS,
        LAYER7=limits.ELB_LAYER7_PROTOCOLS, SECURE=limits.ELB_SECURE_PROTOCOLS,
        ACM_ARN_REGEX=f"^{limits.ACM_CERTIFICATE_ARN_PATTERN}$",
        IAM_ARN_REGEX=f"^{limits.IAM_SERVER_CERTIFICATE_ARN_PATTERN}$",
        RECOMMENDED=tls_policies.RECOMMENDED, RECOMMENDED_TEXT=_Raw(tls_policies.RECOMMENDED), PREDEFINED_POLICIES=sorted(tls_policies.POLICIES),
        OUTDATED_POLICIES=sorted(n for n in tls_policies.POLICIES if tls_policies.allows_legacy_tls(n)),
        REFERENCE_ATTRIBUTE=tls_policies.REFERENCE_ATTRIBUTE,
        TLS_POLICY_NAME=_template_name(conventions.TLS_POLICY, policy="each.key"),
        BACKEND_KEY_POLICY_NAME=_template_name(conventions.BACKEND_KEY_POLICY, port="each.value.port",
                                               index="each.value.index"),
        BACKEND_AUTH_POLICY_NAME=_template_name(conventions.BACKEND_AUTH_POLICY, port="each.key"),
    )


MODULES = {
    "acm-certificate": {"versions.tf": VERSIONS, "variables.tf": CERTIFICATE_VARIABLES, "main.tf": CERTIFICATE_MAIN,
                        "outputs.tf": CERTIFICATE_OUTPUTS},
    "clb-https": {"versions.tf": VERSIONS, "variables.tf": LB_VARIABLES, "main.tf": LB_MAIN, "outputs.tf": LB_OUTPUTS},
}


def terraform_fmt(text: str) -> str:
    done = subprocess.run(["terraform", "fmt", "-"], input=text, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"terraform fmt rejected the emitted HCL (a bug in emit.py):\n{done.stderr}")
    return done.stdout


def files() -> dict[str, str]:
    """Relative path (`<module>/<file>`) -> formatted HCL of every emitted file."""
    facts = _facts()
    header = "# Generated by `python -m elbtls.modules.emit` from elbtls's facts: edit modules/emit.py, not this file.\n"
    return {f"{module}/{name}": header + terraform_fmt(render(template, **facts).lstrip("\n"))
            for module, parts in MODULES.items() for name, template in parts.items()}


def write(directory: str | Path = DEFAULT_DIR) -> list[Path]:
    written = []
    for relative, text in files().items():
        path = Path(directory) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in write(argv[0] if argv else DEFAULT_DIR):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
