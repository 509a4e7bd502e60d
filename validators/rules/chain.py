"""Chain rules: the certificate chain a Classic Load Balancer sends after the leaf must
hold the leaf's issuer, in order leaf-to-root, with valid signatures and current dates.

Materials come from rules/certificate.py `load()` (Terraform certificate fields and
standalone PEM files), which already reported unreadable or unresolved chains; a chain
that is not known is not judged. A standalone file with a single certificate is not
held to chain-incomplete: it is commonly one half of a cert.pem / chain.pem pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone

from .. import pki
from ..catalog import finding
from ..findings import Finding
from ..model import Context, Project
from .certificate import Material, load


def check_chain(project: Project, ctx: Context) -> Iterator[Finding]:
    """chain-contains-leaf, chain-incomplete, chain-order-invalid, chain-signature-invalid,
    chain-cert-expired."""
    at = ctx.at if ctx.at.tzinfo else ctx.at.replace(tzinfo=timezone.utc)
    for m in load(project)[0]:
        if "chain" in m.unknown:
            continue
        chain = list(m.chain)
        if m.leaf is not None:
            repeats = [c for c in chain if c == m.leaf]
            if repeats:
                yield finding("chain-contains-leaf", f"{_chain_name(m)} repeats the leaf "
                              f"{pki.describe(m.leaf)}; remove it from the chain, it belongs in the body only",
                              m.where)
                chain = [c for c in chain if c != m.leaf]
            yield from _completeness_and_order(m, chain)
        elif len(chain) > 1:
            yield from _order(m, chain, chain)
        yield from _signatures(m, chain)
        for cert in chain:
            start, end = pki.not_before(cert), pki.not_after(cert)
            if at > end or at < start:
                state = f"expired on {pki.iso(end)}" if at > end else f"is not valid before {pki.iso(start)}"
                yield finding("chain-cert-expired", f"{_chain_name(m)}: chain certificate {pki.describe(cert)} "
                              f"{state} (evaluated at {pki.iso(at)}); replace it with the CA's current "
                              "intermediate", m.where)


def _chain_name(m: Material) -> str:
    return m.names("chain") if m.resource is not None else m.label


def _completeness_and_order(m: Material, chain: list) -> Iterator[Finding]:
    leaf = m.leaf
    if pki.is_self_signed(leaf):
        if chain:
            yield from _order(m, [leaf, *chain], chain)
        return
    if not any(pki.names_issuer(leaf, c) for c in chain):
        if m.chain_given or m.resource is not None:
            held = (f"the chain holds only {', '.join(pki.describe(c) for c in chain)}" if chain
                    else "no chain is given")
            yield finding("chain-incomplete", f"{_chain_name(m)}: the issuer of {pki.describe(leaf)} "
                          f"({leaf.issuer.rfc4514_string()}) is missing ({held}); clients without that "
                          "intermediate fail: add the issuing intermediate(s), leaf's issuer first", m.where)
        return
    yield from _order(m, [leaf, *chain], chain)


def _order(m: Material, ordered: list, chain: list) -> Iterator[Finding]:
    index = pki.first_order_break(ordered)
    if index is None:
        return
    before, cert = ordered[index - 1], ordered[index]
    position = chain.index(cert) + 1
    yield finding("chain-order-invalid",
        f"{_chain_name(m)}: certificate {position} of the chain ({pki.describe(cert)}) does not certify "
        f"the one before it ({pki.describe(before)}, issued by {before.issuer.rfc4514_string()}); order the "
        "chain so that each certificate issued the one before it: leaf's issuer first, root last if present",
        m.where)


def _signatures(m: Material, chain: list) -> Iterator[Finding]:
    """Each certificate whose named issuer is in the chain must verify under one of them."""
    for cert in ([m.leaf] if m.leaf is not None else []) + chain:
        if pki.names_issuer(cert, cert):
            continue                       # a root's self-signature is not relied on
        parents = [c for c in chain if c is not cert and pki.names_issuer(cert, c)]
        results = [pki.signature_verifies(cert, parent) for parent in parents]
        if parents and False in results and True not in results and None not in results:
            yield finding("chain-signature-invalid",
                f"{_chain_name(m)}: the signature on {pki.describe(cert)} does not verify with the public key "
                f"of {pki.describe(parents[0])}, the chain certificate named as its issuer; use the "
                "intermediate that actually issued it", m.where)


CHECKS = [check_chain]
