"""The valid_policy_tree of RFC 5280 section 6.1 (certificate policy processing).

RFC 5280 describes policy processing as a tree whose depth-``i`` nodes are the
policies that are valid for the path up to certificate ``i``:

* 6.1.2 (a): the tree starts as one node ``anyPolicy`` with expected set
  ``{anyPolicy}`` (:meth:`PolicyTree.initial`);
* 6.1.3 (d): every certificate adds its policies as children
  (:meth:`PolicyTree.add_certificate_policies`), and prunes childless nodes;
* 6.1.4 (b): policy mappings rewrite expected sets, or delete mapped nodes when
  mapping is inhibited (:meth:`PolicyTree.apply_mappings`);
* 6.1.5 (g): the tree is intersected with the user-initial-policy-set
  (:meth:`PolicyTree.intersect`) and yields the user-constrained policy set
  (:meth:`PolicyTree.user_constrained_policy_set`).

A NULL tree is represented by ``None`` in the validator: every method that can
empty the tree says so by returning ``False`` (or by :attr:`PolicyTree.is_null`).
Every node keeps the qualifier_set of 6.1.3 (d)(1)-(2) (the qualifiers the
certificate attached to the policy, or to anyPolicy when that produced the node) and
:meth:`PolicyTree.user_notices` picks the user notices to display (RFC 5280 4.2.1.4).

The tree can grow exponentially on hostile input (CVE-2023-0464): the number of
nodes ever created is capped, and so is the number of policies and mappings taken
from one certificate; exceeding either raises :class:`~smimelib.errors.LimitExceeded`,
which the validator turns into a policy failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smimelib.errors import DecodeError, LimitExceeded
from smimelib.pki._user_notice import DISPLAY_TEXT_LIMIT, OID_USER_NOTICE_QUALIFIER
from smimelib.pki.path_extensions import PolicyQualifier
from smimelib.pki.path_results import ANY_POLICY, UserNotice

if TYPE_CHECKING:
    from smimelib.pki.certificate import Certificate

__all__ = ["MAX_POLICIES_PER_CERTIFICATE", "MAX_POLICY_NODES", "PolicyNode", "PolicyTree"]

#: most nodes created over one path's policy processing (real trees have a handful)
MAX_POLICY_NODES = 4096
#: most policies, or policy mappings, taken from one certificate
MAX_POLICIES_PER_CERTIFICATE = 256


@dataclass(eq=False, slots=True)
class PolicyNode:
    """One node of the valid_policy_tree (RFC 5280 6.1.2 (a)): valid_policy,
    qualifier_set (with ``qualifier_policy``, the policy OID the qualifiers were attached
    to in certificate ``depth``: the node's own policy or anyPolicy) and
    expected_policy_set."""

    valid_policy: str
    expected_policy_set: frozenset[str]
    parent: PolicyNode | None
    depth: int
    children: list[PolicyNode] = field(default_factory=list)
    qualifier_set: tuple[PolicyQualifier, ...] = ()
    qualifier_policy: str | None = None


class PolicyTree:
    """A non-NULL valid_policy_tree (RFC 5280 section 6.1), mutated in place."""

    __slots__ = ("_created", "_levels", "_max_nodes")

    def __init__(self, max_nodes: int = MAX_POLICY_NODES) -> None:
        root = PolicyNode(ANY_POLICY, frozenset({ANY_POLICY}), None, 0)
        self._levels: list[list[PolicyNode]] = [[root]]
        self._created = 1
        self._max_nodes = max_nodes

    @classmethod
    def initial(cls, max_nodes: int = MAX_POLICY_NODES) -> PolicyTree:
        """The initial tree of RFC 5280 6.1.2 (a): a single anyPolicy node of depth 0."""
        return cls(max_nodes)

    # -- inspection -----------------------------------------------------------------------
    @property
    def is_null(self) -> bool:
        """The tree has no nodes left (RFC 5280 calls this NULL)."""
        return not self._levels or not self._levels[0]

    @property
    def depth(self) -> int:
        """The depth of the deepest level (0 for the initial tree)."""
        return len(self._levels) - 1

    def nodes_at(self, depth: int) -> tuple[PolicyNode, ...]:
        """The nodes of one depth (empty beyond the tree)."""
        if 0 <= depth < len(self._levels):
            return tuple(self._levels[depth])
        return ()

    def policies_at(self, depth: int) -> frozenset[str]:
        """The valid_policy values of the nodes of one depth."""
        return frozenset(n.valid_policy for n in self.nodes_at(depth))

    # -- 6.1.3 (d) ------------------------------------------------------------------------
    def add_certificate_policies(
        self,
        depth: int,
        policies: Iterable[str],
        *,
        any_policy_allowed: bool,
        qualifiers: Mapping[str, tuple[PolicyQualifier, ...]] | None = None,
    ) -> bool:
        """RFC 5280 6.1.3 (d) for certificate ``depth`` (= i) with its policy OIDs.

        ``any_policy_allowed`` is "(a) inhibit_anyPolicy > 0 or (b) i < n and the
        certificate is self-issued" of (d)(2). ``qualifiers`` maps a policy OID
        (anyPolicy included) to the qualifiers the certificate attaches to it: they
        become the new nodes' qualifier_set. Returns ``False`` when the tree became NULL.
        """
        quals = qualifiers or {}
        any_quals = quals.get(ANY_POLICY, ())
        self._ensure_level(depth)
        parents = self._levels[depth - 1]
        policy_list = list(dict.fromkeys(policies))
        _check_count(len(policy_list), "certificate policies")
        # (1) every policy other than anyPolicy
        expecting: dict[str, list[PolicyNode]] = {}
        for node in parents:
            for expected in node.expected_policy_set:
                expecting.setdefault(expected, []).append(node)
        for policy in policy_list:
            if policy == ANY_POLICY:
                continue
            matched = expecting.get(policy, [])
            own = (quals.get(policy, ()), policy)
            for node in matched:
                self._add_child(node, policy, frozenset({policy}), own)
            if not matched:
                any_node = _any_policy_node(parents)
                if any_node is not None:
                    self._add_child(any_node, policy, frozenset({policy}), own)
        # (2) anyPolicy, when it may still be used
        if ANY_POLICY in policy_list and any_policy_allowed:
            for node in parents:
                present = {c.valid_policy for c in node.children}
                for expected in sorted(node.expected_policy_set):
                    if expected not in present:
                        self._add_child(
                            node, expected, frozenset({expected}), (any_quals, ANY_POLICY)
                        )
        # (3) prune childless nodes of depth i-1 and above
        self._prune(depth - 1)
        return not self.is_null

    # -- 6.1.4 (b) ------------------------------------------------------------------------
    def apply_mappings(
        self, depth: int, mappings: Mapping[str, frozenset[str]], *, mapping_allowed: bool
    ) -> bool:
        """RFC 5280 6.1.4 (b) for certificate ``depth`` (= i): ``mappings`` maps each
        issuerDomainPolicy to its subjectDomainPolicy set (anyPolicy already refused by
        6.1.4 (a)); ``mapping_allowed`` is ``policy_mapping > 0``. Returns ``False``
        when the tree became NULL."""
        _check_count(sum(len(v) for v in mappings.values()), "policy mappings")
        self._ensure_level(depth)
        level = self._levels[depth]
        if mapping_allowed:
            for issuer_policy, subject_policies in mappings.items():
                nodes = [n for n in level if n.valid_policy == issuer_policy]
                if nodes:
                    for node in nodes:
                        node.expected_policy_set = subject_policies
                    continue
                any_node = _any_policy_node(level)
                if any_node is not None and any_node.parent is not None:
                    self._add_child(
                        any_node.parent, issuer_policy, subject_policies, _quals_of(any_node)
                    )
            return True
        doomed = [n for n in level if n.valid_policy in mappings]
        if doomed:
            self._delete_subtrees(doomed)
            self._prune(depth - 1)
        return not self.is_null

    # -- 6.1.5 (g) ------------------------------------------------------------------------
    def intersect(self, user_initial_policy_set: frozenset[str]) -> bool:
        """RFC 5280 6.1.5 (g)(iii): intersect the tree (of final depth n) with the
        user-initial-policy-set. Returns ``False`` when the tree became NULL."""
        if ANY_POLICY in user_initial_policy_set:
            return not self.is_null  # (ii): the intersection is the tree itself
        n = self.depth
        # (1) nodes whose parent is anyPolicy
        node_set = [
            node
            for level in self._levels[1:]
            for node in level
            if node.parent is not None and node.parent.valid_policy == ANY_POLICY
        ]
        # (2) delete those (with their subtrees) outside the user's set
        self._delete_subtrees(
            [
                node
                for node in node_set
                if node.valid_policy != ANY_POLICY
                and node.valid_policy not in user_initial_policy_set
            ]
        )
        # (3) a depth-n anyPolicy node stands for every policy of the user's set
        final_any = _any_policy_node(self._levels[n]) if n < len(self._levels) else None
        if final_any is not None and final_any.parent is not None:
            kept = {
                node.valid_policy
                for node in node_set
                if node.valid_policy != ANY_POLICY and node.valid_policy in user_initial_policy_set
            }
            for policy in sorted(user_initial_policy_set - kept):
                self._add_child(final_any.parent, policy, frozenset({policy}), _quals_of(final_any))
            self._delete_subtrees([final_any])
        # (4) prune childless nodes above depth n
        self._prune(n - 1)
        return not self.is_null

    def user_constrained_policy_set(self) -> frozenset[str]:
        """The policies of the authorities' domain (the trust anchor's side of any
        mapping) that lead to a node of the final depth: for each leaf, the first
        non-anyPolicy node on its branch from the root, or anyPolicy when the whole
        branch is anyPolicy (RFC 5280 6.1.6 and PKITS' user-constrained-policy-set)."""
        if self.is_null:
            return frozenset()
        out: set[str] = set()
        for leaf in self._levels[-1]:
            branch: list[PolicyNode] = []
            node: PolicyNode | None = leaf
            while node is not None:
                branch.append(node)
                node = node.parent
            first = next(
                (b.valid_policy for b in reversed(branch) if b.valid_policy != ANY_POLICY), None
            )
            out.add(first if first is not None else ANY_POLICY)
        return frozenset(out)

    # -- user notices (RFC 5280 4.2.1.4) ----------------------------------------------------
    def user_notices(
        self, path: Sequence[Certificate]
    ) -> tuple[tuple[UserNotice, ...], tuple[str, ...]]:
        """The user notices to display for the final tree of ``path`` (anchor first),
        and findings about notices that are over-long or cannot be decoded.

        For each node of the final depth, the notices are those of the deepest node of
        its branch whose qualifier_set holds a userNotice: the certificate nearest the
        end entity speaks for the policy (PKITS 4.8.16-4.8.18, 4.10.12-4.10.14). A
        malformed notice is not displayed and does not fail the path (qualifiers do not
        change a policy's meaning); it is reported as a finding.
        """
        if self.is_null or self.depth == 0:
            return (), ()
        sources: dict[int, PolicyNode] = {}
        for leaf in self._levels[-1]:
            node: PolicyNode | None = leaf
            while node is not None and node.depth > 0:
                if any(q.oid == OID_USER_NOTICE_QUALIFIER for q in node.qualifier_set):
                    sources.setdefault(id(node), node)
                    break
                node = node.parent
        notices: list[UserNotice] = []
        findings: list[str] = []
        seen: set[tuple[int, str, bytes]] = set()
        for node in sorted(sources.values(), key=lambda n: -n.depth):
            cert = path[node.depth]
            policy = node.qualifier_policy or node.valid_policy
            who = f"certificate {cert.subject.rfc4514()!r}, policy {policy}"
            for qualifier in node.qualifier_set:
                key = (node.depth, policy, qualifier.qualifier)
                if qualifier.oid != OID_USER_NOTICE_QUALIFIER or key in seen:
                    continue
                seen.add(key)
                try:
                    notice = qualifier.user_notice
                except (DecodeError, LimitExceeded) as exc:
                    findings.append(f"{who}: userNotice not displayed, malformed ({exc})")
                    continue
                assert notice is not None
                if notice.too_long:
                    findings.append(
                        f"{who}: userNotice text longer than {DISPLAY_TEXT_LIMIT} characters"
                        " (RFC 5280 4.2.1.4), displayed anyway"
                    )
                notices.append(
                    UserNotice(
                        policy,
                        notice.explicit_text,
                        notice.organization,
                        notice.notice_numbers,
                        cert,
                    )
                )
        return tuple(notices), tuple(findings)

    # -- helpers --------------------------------------------------------------------------
    def _ensure_level(self, depth: int) -> None:
        while len(self._levels) <= depth:
            self._levels.append([])

    def _add_child(
        self,
        parent: PolicyNode,
        policy: str,
        expected: frozenset[str],
        quals: tuple[tuple[PolicyQualifier, ...], str | None] = ((), None),
    ) -> None:
        self._created += 1
        if self._created > self._max_nodes:
            raise LimitExceeded(
                f"the valid_policy_tree exceeds {self._max_nodes} nodes (RFC 5280 6.1.3 (d))",
                limit="max_policy_nodes",
            )
        child = PolicyNode(policy, expected, parent, parent.depth + 1, [], *quals)
        parent.children.append(child)
        self._ensure_level(child.depth)
        self._levels[child.depth].append(child)

    def _delete_subtrees(self, tops: list[PolicyNode]) -> None:
        # One pass over the levels for all deletions: linear in the tree's size.
        if not tops:
            return
        doomed: set[int] = set()
        stack = list(tops)
        while stack:
            current = stack.pop()
            doomed.add(id(current))
            stack.extend(current.children)
        for top in tops:
            if top.parent is not None and id(top.parent) not in doomed:
                top.parent.children = [c for c in top.parent.children if id(c) not in doomed]
        for depth, level in enumerate(self._levels):
            self._levels[depth] = [n for n in level if id(n) not in doomed]

    def _prune(self, deepest: int) -> None:
        # Deleting the childless nodes level by level from the bottom also removes the
        # parents they leave childless ("repeat this step").
        for depth in range(min(deepest, len(self._levels) - 1), -1, -1):
            level = self._levels[depth]
            if all(node.children for node in level):
                continue
            gone = {id(node) for node in level if not node.children}
            self._levels[depth] = [node for node in level if id(node) not in gone]
            if depth > 0:
                for parent in self._levels[depth - 1]:
                    parent.children = [c for c in parent.children if id(c) not in gone]


def _quals_of(node: PolicyNode) -> tuple[tuple[PolicyQualifier, ...], str | None]:
    return node.qualifier_set, node.qualifier_policy


def _any_policy_node(level: Iterable[PolicyNode]) -> PolicyNode | None:
    return next((n for n in level if n.valid_policy == ANY_POLICY), None)


def _check_count(count: int, what: str) -> None:
    if count > MAX_POLICIES_PER_CERTIFICATE:
        raise LimitExceeded(
            f"a certificate with {count} {what} exceeds the limit of"
            f" {MAX_POLICIES_PER_CERTIFICATE} (RFC 5280 6.1.3 (d), 6.1.4 (b))",
            limit="max_policies_per_certificate",
        )
