"""Small Terraform inputs several test modules share."""


def elb_without_certificate(comment: str = "") -> str:
    """An aws_elb whose HTTPS listener has no ssl_certificate_id (listener-missing-certificate,
    an error); `comment` goes on the line above the listener block, e.g. a suppression."""
    return f'''resource "aws_elb" "web" {{
  name               = "web"
  availability_zones = ["us-east-1a"]
{comment}
  listener {{
    lb_port           = 443
    lb_protocol       = "https"
    instance_port     = 8080
    instance_protocol = "http"
  }}
}}
'''
