"""The predefined TLS policy table and the limits the ELB rules read: invariants that must
hold whatever is added to them, and spot checks against AWS's published table."""

from __future__ import annotations

import re

import pytest

from elbtls.validators.facts import limits, tls_policies as tp

AWS_LISTED = (  # every policy the Classic Load Balancer guide lists by name
    "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-2015-03", "ELBSecurityPolicy-2015-02",
    "ELBSecurityPolicy-2014-10", "ELBSecurityPolicy-2014-01", "ELBSecurityPolicy-2011-08",
    "ELBSample-ELBDefaultCipherPolicy", "ELBSample-ELBDefaultNegotiationPolicy",
    "ELBSample-OpenSSLDefaultCipherPolicy", "ELBSample-OpenSSLDefaultNegotiationPolicy",
)


def key_types(policy: tp.Policy) -> set:
    return {tp.cipher_key_type(c) for c in policy.ciphers}


@pytest.mark.parametrize("name", AWS_LISTED)
def test_every_listed_policy_is_in_the_table(name):
    assert tp.predefined(name) is not None and tp.predefined(name).name == name


def test_lookup_is_exact():
    assert tp.predefined("elbsecuritypolicy-2016-08") is None
    assert tp.predefined("ELBSecurityPolicy-2019-99") is None


def test_recommended_enables_only_tls12_with_rsa_and_ecdsa_suites():
    policy = tp.predefined(tp.RECOMMENDED)
    assert policy.protocols == {"Protocol-TLSv1.2"}
    assert key_types(policy) == {"RSA", "EC"}
    # no ECDSA-only gap: each ECDSA suite has its RSA twin
    for cipher in policy.ciphers:
        if cipher.startswith("ECDHE-ECDSA-"):
            assert cipher.replace("ECDSA", "RSA") in policy.ciphers
    assert not policy.allows_legacy_tls


def test_default_policy_is_in_the_table_and_outdated():
    assert tp.DEFAULT == "ELBSecurityPolicy-2016-08"
    assert tp.allows_legacy_tls(tp.DEFAULT)


@pytest.mark.parametrize("name", [n for n in AWS_LISTED if n != tp.RECOMMENDED])
def test_every_other_policy_allows_legacy_tls(name):
    assert tp.allows_legacy_tls(name)


def test_unknown_names_count_as_legacy():
    assert tp.allows_legacy_tls("my-custom-policy")


def test_every_documented_cipher_has_a_key_type_and_policies_keep_table_order():
    for policy in tp.POLICIES.values():
        if policy.ciphers is None:
            assert policy.name.startswith("ELBSample-")   # the only undocumented ones
            continue
        assert None not in key_types(policy), policy.name
        assert "RSA" in key_types(policy), policy.name   # ACM certificates are RSA
        order = [tp._CIPHER_ORDER.index(c) for c in policy.ciphers]
        assert order == sorted(order) and len(set(policy.ciphers)) == len(policy.ciphers)


@pytest.mark.parametrize("name,count", [  # column counts of AWS's table
    ("ELBSecurityPolicy-TLS-1-2-2017-01", 12), ("ELBSecurityPolicy-TLS-1-1-2017-01", 18),
    ("ELBSecurityPolicy-2016-08", 18), ("ELBSecurityPolicy-2015-05", 19),
    ("ELBSecurityPolicy-2015-03", 21), ("ELBSecurityPolicy-2015-02", 20)])
def test_cipher_counts_match_aws_table(name, count):
    assert len(tp.predefined(name).ciphers) == count


_SHA1_ECDHE_AND_RSA = {"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA",
                       "ECDHE-ECDSA-AES256-SHA", "AES128-SHA", "AES256-SHA"}


@pytest.mark.parametrize("name,beyond_tls12_policy", [  # AWS's "Ciphers by policy", as differences
    ("ELBSecurityPolicy-TLS-1-2-2017-01", set()),
    ("ELBSecurityPolicy-TLS-1-1-2017-01", _SHA1_ECDHE_AND_RSA),
    ("ELBSecurityPolicy-2016-08", _SHA1_ECDHE_AND_RSA),
    ("ELBSecurityPolicy-2015-05", _SHA1_ECDHE_AND_RSA | {"DES-CBC3-SHA"}),
    ("ELBSecurityPolicy-2015-03", _SHA1_ECDHE_AND_RSA | {"DHE-RSA-AES128-SHA", "DHE-DSS-AES128-SHA", "DES-CBC3-SHA"}),
    ("ELBSecurityPolicy-2015-02", _SHA1_ECDHE_AND_RSA | {"DHE-RSA-AES128-SHA", "DHE-DSS-AES128-SHA"})])
def test_documented_policies_enable_exactly_aws_ciphers(name, beyond_tls12_policy):
    tls12 = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
             "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
             "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256", "AES128-SHA256",
             "AES256-GCM-SHA384", "AES256-SHA256"}
    policy = tp.predefined(name)
    assert set(policy.ciphers) == tls12 | beyond_tls12_policy
    assert policy.server_order is True


def test_policy_history_spot_checks():
    p = tp.predefined
    assert "DES-CBC3-SHA" in p("ELBSecurityPolicy-2015-05").ciphers
    assert "DES-CBC3-SHA" not in p("ELBSecurityPolicy-2016-08").ciphers          # SWEET32
    assert "DHE-RSA-AES128-SHA" not in p("ELBSecurityPolicy-2015-05").ciphers    # Logjam
    assert "RC4-SHA" in p("ELBSecurityPolicy-2014-10").ciphers
    assert "RC4-SHA" not in p("ELBSecurityPolicy-2015-02").ciphers
    assert "Protocol-SSLv3" in p("ELBSecurityPolicy-2014-01").protocols
    assert "Protocol-SSLv3" not in p("ELBSecurityPolicy-2014-10").protocols      # POODLE
    assert "Protocol-TLSv1" not in p("ELBSecurityPolicy-TLS-1-1-2017-01").protocols
    assert "Protocol-TLSv1.2" not in p("ELBSecurityPolicy-2011-08").protocols
    assert p("ELBSecurityPolicy-2011-08").server_order is False


@pytest.mark.parametrize("cipher,expected", [
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "EC"), ("ECDHE-RSA-AES256-SHA384", "RSA"),
    ("AES128-SHA", "RSA"), ("DES-CBC3-SHA", "RSA"), ("RC4-SHA", "RSA"), ("EDH-RSA-DES-CBC3-SHA", "RSA"),
    ("DHE-DSS-AES128-SHA", "DSA"), ("ADH-AES128-SHA", None), ("PSK-AES128-CBC-SHA", None),
    ("AECDH-AES128-SHA", None), ("KRB5-RC4-SHA", None), ("Protocol-TLSv1.2", None), ("nonsense", None)])
def test_cipher_key_type(cipher, expected):
    assert tp.cipher_key_type(cipher) == expected


def test_weak_protocols():
    assert {"Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1"} <= tp.WEAK_PROTOCOLS
    assert "Protocol-TLSv1.2" not in tp.WEAK_PROTOCOLS
    assert tp.WEAK_PROTOCOLS < set(tp.PROTOCOLS)


@pytest.mark.parametrize("arn,ok", [
    ("arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-4abc-9def-0123456789ab", True),
    ("arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc", True),
    ("arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc", True),
    ("arn:aws:acm:us-east-1:12345:certificate/abc", False),
    ("arn:aws:acm::123456789012:certificate/abc", False),
    ("arn:aws:iam::123456789012:server-certificate/web", False)])
def test_acm_arn_pattern(arn, ok):
    assert bool(re.fullmatch(limits.ACM_CERTIFICATE_ARN_PATTERN, arn)) is ok


REGIONS = ["us-east-1", "eu-central-2", "ap-southeast-5", "il-central-1", "mx-central-1", "cn-northwest-1",
           "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1",
           "eusc-de-east-1"]


@pytest.mark.parametrize("region", REGIONS)
def test_one_region_syntax_for_provider_blocks_and_arns(region):
    """Every partition's region names (botocore partitions.json regionRegex), the European
    Sovereign Cloud's four-letter first label included, in both places that read them."""
    assert re.fullmatch(limits.AWS_REGION_PATTERN, region)
    arn = re.fullmatch(limits.ACM_CERTIFICATE_ARN_PATTERN, f"arn:aws-x:acm:{region}:123456789012:certificate/a-1")
    assert arn and arn.group(1) == region


@pytest.mark.parametrize("region", ["us-east", "useast1", "US-EAST-1", "us-east-1a", "-us-east-1", "us_east_1"])
def test_not_a_region(region):
    assert not re.fullmatch(limits.AWS_REGION_PATTERN, region)


def test_the_arn_pattern_is_built_from_the_region_pattern():
    assert f"({limits.AWS_REGION_PATTERN})" in limits.ACM_CERTIFICATE_ARN_PATTERN


def test_iam_path_pattern_follows_the_api():
    ok = [p for p in ("/", "/cloudfront/", "/a/b/", "//", "/a b/") if re.fullmatch(limits.IAM_PATH_PATTERN, p)]
    assert ok == ["/", "/cloudfront/", "/a/b/"]
