output "dns_name" {
  description = "The load balancer's DNS name."
  value       = module.load_balancer.dns_name
}

output "www_certificate_arn" {
  description = "The requested certificate, once ACM has issued it."
  value       = module.www_certificate.arn
}

output "api_certificate_arn" {
  description = "The imported certificate."
  value       = aws_acm_certificate.api.arn
}

output "listener_policies" {
  description = "lb_port -> the policies on that listener."
  value       = module.load_balancer.listener_policies
}
