# The elbtls Terraform modules used from plain Terraform, by local source: a requested ACM
# certificate validated through Route 53, an imported one, and a Classic Load Balancer whose
# HTTPS and SSL listeners use them with the TLS 1.2 policy, re-encrypting to the instances.

data "aws_route53_zone" "site" {
  name         = var.zone_name
  private_zone = false
}

module "www_certificate" {
  source = "../../terraform/modules/acm-certificate"

  domain_name = "www.${var.zone_name}"
  # `*.<zone>` and `<zone>` share one validation record; the module creates it once.
  subject_alternative_names = [var.zone_name, "*.${var.zone_name}"]
  zone_id                   = data.aws_route53_zone.site.zone_id
}

resource "aws_acm_certificate" "api" {
  certificate_body  = file(var.api_certificate_body_file)
  certificate_chain = file(var.api_certificate_chain_file)
  private_key       = var.api_private_key

  lifecycle {
    create_before_destroy = true
  }
}

module "load_balancer" {
  source = "../../terraform/modules/clb-https"

  name               = var.name
  availability_zones = ["${var.region}a", "${var.region}b"]

  listeners = [
    # tls_policy defaults to ELBSecurityPolicy-TLS-1-2-2017-01.
    { lb_port = 443, lb_protocol = "HTTPS", instance_port = 443, instance_protocol = "HTTPS", certificate_arn = module.www_certificate.arn },
    { lb_port = 8443, lb_protocol = "SSL", instance_port = 8443, instance_protocol = "SSL", certificate_arn = aws_acm_certificate.api.arn },
  ]
  backend_public_keys = length(var.backend_public_keys) > 0 ? { "443" = var.backend_public_keys } : {}

  health_check = { target = "HTTPS:443/health", healthy_threshold = 2, unhealthy_threshold = 3, interval = 30, timeout = 5 }
  access_logs  = { bucket = var.access_logs_bucket, bucket_prefix = var.name, interval = 60 }
}
