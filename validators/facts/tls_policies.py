"""The predefined SSL negotiation (security) policies of Classic Load Balancers: the one
table the rules and the CDK constructs read.

Verified (protocols, ciphers, Server Order Preference) for ELBSecurityPolicy-TLS-1-2-2017-01,
-TLS-1-1-2017-01, -2016-08, -2015-05, -2015-03 and -2015-02 against both
- "Predefined SSL security policies for Classic Load Balancers",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-security-policy-table.html
  ("Protocols by policy", "Ciphers by policy", "Policies by cipher"), and
- its last published source, awsdocs/elb-classic-load-balancers-user-guide,
  doc_source/elb-security-policy-table.md at fcb874d997fd8133ee19595b18daf2226fd0149b,
  whose rows give the preference order kept in _CIPHER_ORDER. (The current page's
  "Ciphers by policy" lists ECDHE-ECDSA-AES256-SHA before ECDHE-RSA-AES256-SHA and the DHE
  suites last, and its "Policies by cipher" swaps those two suites' IANA names; the
  row order is the one the table says the load balancer follows.)
The default, ELBSecurityPolicy-2016-08 (limits.ELB_DEFAULT_SSL_POLICY), is from the same
repository's doc_source/ssl-config-update.md.

NOT verified against a readable AWS table: ELBSecurityPolicy-2014-10, -2014-01 and -2011-08.
AWS no longer documents them; the earlier table
(https://docs.aws.amazon.com/ElasticLoadBalancing/latest/DeveloperGuide/elb-security-policy-table.html)
survives only as a text copy that lost its check marks. The number of blank cells on
each of its rows agrees with every entry here (its last row, RC4-SHA, is cut short), and
so do notes written at the time (Netflix security_monkey's ELB auditor, blog posts on
2015-02): 2014-10 dropped SSLv3 (POODLE) but kept RC4; 2014-01 introduced Server Order
Preference, which 2011-08 lacks; 2011-08 has RC4-SHA and DES-CBC3-SHA. Neither 2014
policy has DES-CBC3-SHA: 2015-02 dropped RC4, which left Windows XP with no cipher, and
2015-03 added DES-CBC3-SHA for it. 2015-05 dropped the DHE suites (Logjam),
2016-08 dropped DES-CBC3-SHA (SWEET32).

AWS lists the ELBSample-* policies by name only (each pair as aliases); their protocols
and ciphers are not documented, so the table says "unknown" (None) for them rather than
guess, and treats them as legacy, as the rule catalogue does.

Each policy's cipher list is derived from its neighbour's and put in _CIPHER_ORDER, the
server's preference order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .limits import ELB_DEFAULT_SSL_POLICY

KeyType = Literal["RSA", "EC", "DSA"]

# SSL negotiation policy attribute names for protocols, oldest first.
PROTOCOLS = ("Protocol-SSLv2", "Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2")
WEAK_PROTOCOLS = frozenset(PROTOCOLS[:-1])
# Attributes of an SSLNegotiationPolicyType policy that are neither protocols nor ciphers.
REFERENCE_ATTRIBUTE = "Reference-Security-Policy"
SERVER_ORDER_ATTRIBUTE = "Server-Defined-Cipher-Order"
OPTION_ATTRIBUTES = frozenset({REFERENCE_ATTRIBUTE, SERVER_ORDER_ATTRIBUTE})

RECOMMENDED = "ELBSecurityPolicy-TLS-1-2-2017-01"
DEFAULT = ELB_DEFAULT_SSL_POLICY

# Every cipher a predefined policy enables, in AWS's table order (the preference order).
_CIPHER_ORDER = (
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "DHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA",
    "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA",
    "DHE-DSS-AES128-SHA", "CAMELLIA128-SHA", "EDH-RSA-DES-CBC3-SHA", "DES-CBC3-SHA",
    "ECDHE-RSA-RC4-SHA", "RC4-SHA",
)

_TLS12 = frozenset(PROTOCOLS[-1:])
_TLS11_UP = frozenset(PROTOCOLS[-2:])
_TLS10_UP = frozenset(PROTOCOLS[-3:])
_SSL3_UP = frozenset(PROTOCOLS[-4:])

# Cipher sets, newest policy first, each derived from the one before it.
_AEAD_AND_SHA2 = frozenset(c for c in _CIPHER_ORDER if c.endswith(("SHA256", "SHA384")))
_2016_08 = _AEAD_AND_SHA2 | {"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA",
                             "ECDHE-ECDSA-AES256-SHA", "AES128-SHA", "AES256-SHA"}
_2015_05 = _2016_08 | {"DES-CBC3-SHA"}
_2015_03 = _2015_05 | {"DHE-RSA-AES128-SHA", "DHE-DSS-AES128-SHA"}
_2015_02 = _2015_03 - {"DES-CBC3-SHA"}
_2014_10 = _2015_02 | {"ECDHE-RSA-RC4-SHA", "RC4-SHA"}
_2011_08 = frozenset({"DHE-RSA-AES128-SHA", "AES128-SHA", "AES256-SHA", "DHE-DSS-AES128-SHA",
                      "CAMELLIA128-SHA", "EDH-RSA-DES-CBC3-SHA", "DES-CBC3-SHA", "RC4-SHA"})


@dataclass(frozen=True)
class Policy:
    """A predefined policy. `protocols`/`ciphers` are None where AWS does not document them."""

    name: str
    protocols: frozenset[str] | None
    ciphers: tuple[str, ...] | None
    server_order: bool | None

    @property
    def allows_legacy_tls(self) -> bool:
        """True when the policy enables SSLv3, TLS 1.0 or TLS 1.1, or is undocumented (legacy)."""
        return self.protocols is None or bool(self.protocols & WEAK_PROTOCOLS)


def _policy(name: str, protocols: frozenset[str] | None, ciphers: frozenset[str] | None,
            server_order: bool | None = True) -> Policy:
    ordered = None if ciphers is None else tuple(c for c in _CIPHER_ORDER if c in ciphers)
    return Policy(name, protocols, ordered, server_order)


_SAMPLE = {"ELBSample-ELBDefaultCipherPolicy": "ELBSample-ELBDefaultNegotiationPolicy",
           "ELBSample-OpenSSLDefaultCipherPolicy": "ELBSample-OpenSSLDefaultNegotiationPolicy"}

POLICIES: dict[str, Policy] = {p.name: p for p in (
    _policy(RECOMMENDED, _TLS12, _AEAD_AND_SHA2),
    _policy("ELBSecurityPolicy-TLS-1-1-2017-01", _TLS11_UP, _2016_08),
    _policy("ELBSecurityPolicy-2016-08", _TLS10_UP, _2016_08),
    _policy("ELBSecurityPolicy-2015-05", _TLS10_UP, _2015_05),
    _policy("ELBSecurityPolicy-2015-03", _TLS10_UP, _2015_03),
    _policy("ELBSecurityPolicy-2015-02", _TLS10_UP, _2015_02),
    _policy("ELBSecurityPolicy-2014-10", _TLS10_UP, _2014_10),
    _policy("ELBSecurityPolicy-2014-01", _SSL3_UP, _2014_10),
    _policy("ELBSecurityPolicy-2011-08", frozenset(PROTOCOLS[1:3]), _2011_08, server_order=False),
    *(_policy(n, None, None, None) for pair in _SAMPLE.items() for n in pair),
)}


def predefined(name: str) -> Policy | None:
    """The predefined policy called `name` (exact, case-sensitive as AWS), or None."""
    return POLICIES.get(name)


def allows_legacy_tls(name: str) -> bool:
    """True for a predefined policy that allows TLS 1.0/1.1 (or SSLv3), and for unknown names."""
    policy = predefined(name)
    return policy is None or policy.allows_legacy_tls


# OpenSSL suite names as ELB uses them: the authentication part decides which certificate
# key can serve the suite. Anonymous (ADH/AECDH), PSK and Kerberos suites use no
# certificate, so they have no key type.
_KEY_TYPE_PATTERNS: tuple[tuple[re.Pattern[str], KeyType], ...] = (
    (re.compile(r"ECDHE-ECDSA-"), "EC"),
    (re.compile(r"(EXP-)?(DHE|EDH)-DSS-"), "DSA"),
    (re.compile(r"(EXP-)?(ECDHE|DHE|EDH)-RSA-"), "RSA"),
    (re.compile(r"(EXP-)?(AES|CAMELLIA|DES|RC4|RC2|SEED|IDEA|NULL)"), "RSA"),  # static RSA key exchange
)


def cipher_key_type(cipher: str) -> KeyType | None:
    """The certificate key type a cipher suite needs: "RSA", "EC" (ECDSA suites) or "DSA";
    None for suites that use no certificate (ADH, AECDH, PSK, KRB5) and unknown names."""
    for pattern, key_type in _KEY_TYPE_PATTERNS:
        if pattern.match(cipher):
            return key_type
    return None
