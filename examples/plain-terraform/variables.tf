variable "region" {
  description = "The region of the load balancer and its ACM certificates."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "The load balancer's name."
  type        = string
  default     = "elbtls-plain"
}

variable "zone_name" {
  description = "The public Route 53 zone that serves the site (it must exist); the requested certificate covers www.<zone>, <zone> and *.<zone>."
  type        = string
}

variable "access_logs_bucket" {
  description = "An existing S3 bucket whose policy lets Elastic Load Balancing write access logs."
  type        = string
}

variable "api_certificate_body_file" {
  description = "PEM file with the leaf certificate to import into ACM for the SSL listener."
  type        = string
}

variable "api_certificate_chain_file" {
  description = "PEM file with its intermediates, the leaf's issuer first."
  type        = string
}

variable "api_private_key" {
  description = "The leaf's unencrypted PEM private key. Pass it as TF_VAR_api_private_key, never in a file under version control."
  type        = string
  sensitive   = true
}

variable "backend_public_keys" {
  description = "Back-end authentication on instance port 443: base64 DER public keys of the back-end (or CA) certificates (openssl x509 -pubkey -noout | grep -v -- -----). Empty: none."
  type        = list(string)
  default     = []
}
