# A configuration with the TLS mistakes elbtls exists to catch before `terraform plan`.
# `terraform validate` passes it; AWS or browsers would not. See README.md ("A real run").

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}

variable "shop_private_key" {
  type      = string
  sensitive = true
}

# Imported from PEM: an EC key (Classic LBs take only RSA through ACM), expired in
# September 2026, and a chain listed root-first.
resource "aws_acm_certificate" "shop" {
  certificate_body  = file("${path.module}/certs/shop.crt")
  certificate_chain = file("${path.module}/certs/shop-chain.crt")
  private_key       = var.shop_private_key

  lifecycle {
    create_before_destroy = true
  }
}

# Requested in eu-west-1, but used by a load balancer in us-east-1.
resource "aws_acm_certificate" "www" {
  provider          = aws.eu
  domain_name       = "www.example.com"
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_elb" "shop" {
  name               = "shop"
  availability_zones = ["us-east-1a"]

  listener {
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8080
    instance_protocol  = "http"
    ssl_certificate_id = aws_acm_certificate.shop.arn
  }

  listener {
    lb_port           = 8443
    lb_protocol       = "https"
    instance_port     = 8080
    instance_protocol = "http"
  }
}

resource "aws_elb" "www" {
  name               = "www"
  availability_zones = ["us-east-1a"]

  listener {
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8080
    instance_protocol  = "http"
    ssl_certificate_id = aws_acm_certificate.www.arn
  }
}

resource "aws_load_balancer_policy" "www_tls" {
  load_balancer_name = aws_elb.www.name
  policy_name        = "www-tls"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-2016-08"
  }
}

resource "aws_load_balancer_listener_policy" "www_443" {
  load_balancer_name = aws_elb.www.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.www_tls.policy_name]
}
