"""AWS limits the rules and the constructs enforce: one place, each with its source.

ACM:  https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html
      https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
      https://docs.aws.amazon.com/acm/latest/APIReference/API_ImportCertificate.html
IAM:  https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html
ELB:  https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_CreateLoadBalancer.html
      https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-listener-config.html
"""

from __future__ import annotations

# A region name as ARNs and provider blocks spell it: us-east-1, us-gov-west-1, eu-isoe-west-1,
# and eusc-de-east-1 (European Sovereign Cloud), whose first label is not two letters (the
# regionRegex of each partition in botocore's data/partitions.json).
AWS_REGION_PATTERN = r"[a-z]+(?:-[a-z]+)+-\d+"

# ACM RequestCertificate
ACM_DOMAIN_NAME_MAX = 253          # a whole name, octets
ACM_LABEL_MAX = 63                 # one label
ACM_COMMON_NAME_MAX = 64           # domain_name becomes the CN: RFC 5280 ub-common-name
ACM_SANS_DEFAULT_QUOTA = 10        # "Domain names per ACM certificate" default quota
ACM_SANS_HARD_MAX = 100            # quota ceiling
ACM_VALIDATION_METHODS = ("DNS", "EMAIL")
ACM_AMAZON_OWNED_DOMAINS = ("amazonaws.com", "cloudfront.net", "elasticbeanstalk.com")
# DomainNameString in the ACM API model (botocore acm/2015-12-08): at least two labels,
# no label starting with a hyphen or ending with one, a wildcard only as the whole first label.
ACM_DOMAIN_NAME_PATTERN = r"(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])"
# arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID (groups: region, account)
ACM_CERTIFICATE_ARN_PATTERN = rf"arn:aws(?:-[a-z]+)*:acm:({AWS_REGION_PATTERN}):(\d{{12}}):certificate/[A-Za-z0-9-]+"

# ACM ImportCertificate
ACM_CERTIFICATE_MAX_BYTES = 32_768
ACM_PRIVATE_KEY_MAX_BYTES = 5_120
ACM_CHAIN_MAX_BYTES = 2_097_152

# IAM UploadServerCertificate
IAM_CERTIFICATE_MAX_CHARS = 16_384
IAM_PRIVATE_KEY_MAX_CHARS = 16_384
IAM_CHAIN_MAX_CHARS = 2_097_152
IAM_NAME_PATTERN = r"[\w+=,.@-]+"
IAM_NAME_MAX = 128
IAM_NAME_PREFIX_MAX = 102          # the AWS provider appends a 26-character unique suffix
IAM_PATH_PATTERN = r"(/[\x21-\x7E]+/|/)"   # "/" or "/.../" of printable ASCII (no spaces)
# arn:PARTITION:iam::ACCOUNT:server-certificate/PATH/NAME (the path without its leading "/")
IAM_SERVER_CERTIFICATE_ARN_PATTERN = r"arn:aws(?:-[a-z]+)*:iam::(\d{12}):server-certificate/(?:[\x21-\x7E]*/)?[\w+=,.@-]+"
IAM_PATH_MAX = 512

# Classic Load Balancer
ELB_NAME_MAX = 32
ELB_NAME_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# aws_elb name_prefix: the provider appends a 26-character unique suffix (validNamePrefix in
# terraform-provider-aws internal/service/elb/validate.go); it may end with a hyphen.
ELB_NAME_PREFIX_MAX = 6
ELB_NAME_PREFIX_PATTERN = r"[A-Za-z0-9][A-Za-z0-9-]*"
ELB_PORT_MIN, ELB_PORT_MAX = 1, 65535
ELB_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "SSL")
ELB_SECURE_PROTOCOLS = ("HTTPS", "SSL")
ELB_LAYER7_PROTOCOLS = ("HTTP", "HTTPS")
ELB_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"  # used when a secure listener has none
ELB_RESERVED_POLICY_PREFIXES = ("ELBSecurityPolicy-", "ELBSample-")
# Load balancer settings (ConfigureHealthCheck, ModifyLoadBalancerAttributes): (min, max) bounds.
# https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_HealthCheck.html
# https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_ConnectionSettings.html
# https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_ConnectionDraining.html
# https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_AccessLog.html
ELB_HEALTHY_THRESHOLD = (2, 10)
ELB_UNHEALTHY_THRESHOLD = (2, 10)
ELB_HEALTH_CHECK_INTERVAL = (5, 300)
ELB_HEALTH_CHECK_TIMEOUT = (2, 60)
ELB_IDLE_TIMEOUT = (1, 4000)
ELB_CONNECTION_DRAINING_TIMEOUT = (1, 3600)
ELB_ACCESS_LOG_INTERVALS = (5, 60)
