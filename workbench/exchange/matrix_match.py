"""Matching a matrix row's area to the workspace's controls and the packaged ``srm`` areas by normalised tokens.

Tokens are lower-cased words with a light stem (plural ``s`` dropped, cut to five letters), without stop words,
with the usual bring-your-own-cloud phrases folded together ("control plane" and "vendor-hosted platform" are the
vendor's side; "data plane" and "the customer's cloud" the customer's). Similarity is a Dice coefficient weighted
by how rare each token is among the candidates, so "security" counts for less than "residency".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from workbench.catalog import Catalog

#: a match at or above this is taken as it stands
CONFIDENT = 0.6
#: ... unless another control scores within this much of it
MARGIN = 0.12
#: between POSSIBLE and CONFIDENT a match is offered, flagged for the user to decide
POSSIBLE = 0.4
#: below this many targets every shared token gathers candidates
_COMMON_FLOOR = 100
#: frameworks created by earlier matrix imports have ids starting with this
IMPORTED_PREFIX = "matrix_"

_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[’`]", "'"),
        (r"&", " and "),
        (r"\bcontrol[- ]?planes?\b", " vendorside "),
        (r"\bdata[- ]?planes?\b", " customerside "),
        (r"\b(?:vendor|provider|platform)[- ](?:hosted|side|platform)\b", " vendorside "),
        (r"\bvendor platform\b|\bhosted platform\b|\bsaas platform\b", " vendorside "),
        (r"\bcustomer(?:'s)?[- ](?:hosted|side|cloud|environment|account|premises|infrastructure)\b", " customerside "),
        (r"\bprivate[- ]?(?:links?|endpoints?|connectivity|connections?)\b", " privatelink "),
        (r"\b(?:vpc|vnet)s?\b", " virtual network "),
        (r"\biam\b", " identity access "),
        (r"\bmfa\b", " multi factor authentication "),
    )
)
_STOP = {
    "the", "of", "for", "and", "to", "in", "on", "a", "an", "by", "with", "its", "is", "are", "or", "at", "from",
    "as", "be", "s", "side", "all", "each", "every", "their", "this", "that", "into", "via",
}  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9]+")
_KEEP_WHOLE = {"vendorside", "customerside", "privatelink"}


def tokens(text: str) -> frozenset[str]:
    """The normalised tokens of a text."""
    lowered = text.lower()
    for pattern, replacement in _PHRASES:
        lowered = pattern.sub(replacement, lowered)
    found: set[str] = set()
    for word in _TOKEN.findall(lowered.replace("'s", "")):
        if word in _STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word if word in _KEEP_WHOLE else word[:5])
    return frozenset(found)


@dataclass(frozen=True)
class Target:
    """Something a row can match: a control (by its title or an area only it meets), or a packaged srm area."""

    name: str
    context: str
    control_id: str | None
    srm_area: str | None
    words: frozenset[str]
    context_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    """A scored candidate for a row."""

    target: Target
    score: float


class Matcher:
    """The candidates of one import, indexed by token."""

    def __init__(self, catalog: Catalog, *, exclude_frameworks: frozenset[str] = frozenset()) -> None:
        targets: list[Target] = []
        for control in catalog.controls.values():
            targets.append(
                Target(control.title, control.domain, control.id, None, tokens(control.title), tokens(control.domain))
            )
        titled = {(t.control_id, t.words) for t in targets}
        for framework in catalog.frameworks.values():
            if framework.id in exclude_frameworks:
                continue
            if framework.id != "srm" and not framework.id.startswith(IMPORTED_PREFIX):
                continue
            for requirement in framework.requirements:
                if requirement.kind != "area":
                    continue
                parent = framework.requirement(requirement.parent) if requirement.parent else None
                context = parent.title if parent is not None else ""
                words = tokens(requirement.title)
                controls = catalog.controls_for(framework.id, requirement.id, include_children=False)
                if len(controls) == 1 and (controls[0], words) not in titled:
                    # an area only one control meets names that control as well as its own title does
                    srm = requirement.id if framework.id == "srm" else None
                    targets.append(Target(requirement.title, context, controls[0], srm, words, tokens(context)))
                if framework.id == "srm":
                    targets.append(Target(requirement.title, context, None, requirement.id, words, tokens(context)))
        self.targets = targets
        self._index: dict[str, list[int]] = defaultdict(list)
        frequency: dict[str, int] = defaultdict(int)
        for position, target in enumerate(targets):
            for word in target.words:
                self._index[word].append(position)
                frequency[word] += 1
        total = max(len(targets), 1)
        self._unseen = math.log(1 + total)
        self._weight = {word: math.log(1 + total / count) for word, count in frequency.items()}
        for side in _SIDES & self._weight.keys():
            # which side a row is about matters (see _opposite_sides), but it does not name the thing itself
            self._weight[side] /= 2
        self._totals = [sum(self.weight(w) for w in target.words) for target in targets]
        #: tokens in more targets than this do not gather candidates (they still count in the score)
        self._common = max(_COMMON_FLOOR, total // 20)
        self._exact: dict[str, list[int]] = defaultdict(list)
        for position, target in enumerate(targets):
            self._exact[" ".join(target.name.lower().split())].append(position)

    def weight(self, word: str) -> float:
        """How much a token counts: rarer among the candidates, more."""
        return self._weight.get(word, self._unseen)

    def similarity(self, left: frozenset[str], right: frozenset[str]) -> float:
        """Weighted Dice coefficient of two token sets (0 to 1)."""
        if not left or not right:
            return 0.0
        shared = sum(self.weight(w) for w in left & right)
        return 2 * shared / (sum(self.weight(w) for w in left) + sum(self.weight(w) for w in right))

    def _gather(self, words: frozenset[str]) -> set[int]:
        """Targets sharing a telling token with the words (a token most targets hold tells nothing)."""
        postings = [self._index[w] for w in words if w in self._index]
        telling = [p for p in postings if len(p) <= self._common]
        if not telling and postings:
            telling = [min(postings, key=len)]
        return {position for posting in telling for position in posting}

    def candidates(self, area: str, category: str) -> list[Match]:
        """Every target sharing a telling token with the area, best first (category agreement adds a little)."""
        words = tokens(area)
        category_words = tokens(category) if category else frozenset()
        exact = set(self._exact.get(" ".join(area.lower().split()), ()))
        row_total = sum(self.weight(w) for w in words)
        found: list[Match] = []
        for position in self._gather(words) | exact:
            target = self.targets[position]
            if position in exact:
                score = 1.0
            else:
                shared = sum(self.weight(w) for w in words & target.words)
                score = 2 * shared / (row_total + self._totals[position]) if shared else 0.0
            if _opposite_sides(words, target.words):
                score *= _SIDE_PENALTY
            if category_words and target.context_words:
                score = min(1.0, score + 0.1 * self.similarity(category_words, target.context_words))
            found.append(Match(target, round(score, 3)))
        found.sort(key=lambda m: (-m.score, m.target.control_id or "", m.target.srm_area or ""))
        return found


_SIDES = frozenset({"vendorside", "customerside"})
#: a row about the vendor's side (control plane) is not the same thing as the same words on the customer's side
_SIDE_PENALTY = 0.4


def _opposite_sides(left: frozenset[str], right: frozenset[str]) -> bool:
    one, other = left & _SIDES, right & _SIDES
    return len(one) == 1 and len(other) == 1 and one != other


def best_by_control(matches: list[Match]) -> list[Match]:
    """The best match of each control, best first."""
    best: dict[str, Match] = {}
    for match in matches:
        cid = match.target.control_id
        if cid is not None and (cid not in best or match.score > best[cid].score):
            best[cid] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.target.control_id or ""))


def best_srm_area(matches: list[Match]) -> Match | None:
    """The packaged srm area a row confidently belongs to, or None."""
    areas = [m for m in matches if m.target.srm_area is not None and m.target.control_id is None]
    if not areas or areas[0].score < CONFIDENT:
        return None
    if len(areas) > 1 and areas[0].score - areas[1].score < MARGIN:
        return None
    return areas[0]
