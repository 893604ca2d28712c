"""A/B tests' arithmetic: which variant the data favour, and how sure that is.

Alerts (app/alerts/variants.py) and the share page (app/sharing/tests.py)
both choose a winner by a rate of letters (letters written per recipient;
letters brought per writer who shared), never by clicks alone.

The best variant is compared with each other one (a one-sided z-test of
two rates, with Poisson variance, which also holds when a writer brings
several letters; Bonferroni's correction for the comparisons); only when
every comparison is below 5% is it called a clear winner.
Otherwise the words say the difference may be chance, and the variant the
data favour so far is still the one used.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

LABELS = ("A", "B", "C", "D")
SIGNIFICANCE = 0.05


def draw(key: str) -> float:
    """A number in [0, 1) fixed by `key`: the same on every run, every worker."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class VariantFigures:
    label: str
    text: str  # what the variant says (an alert's subject; a share message)
    shown: int  # people it was shown to (an alert's recipients; writers on the share page)
    clicked: int
    letters: int  # letters it led to

    @property
    def rate(self) -> float:
        """Letters per person shown: the measure the winner is chosen by."""
        return self.letters / self.shown if self.shown else 0.0


@dataclass(frozen=True)
class Decision:
    winner: str
    clear: bool
    words: str


def _p_value(best: VariantFigures, other: VariantFigures) -> float:
    """One-sided: the chance of a lead this large if the two were equally good."""
    n1, n2 = best.shown, other.shown
    if not n1 or not n2:
        return 1.0
    pooled = (best.letters + other.letters) / (n1 + n2)
    spread = math.sqrt(pooled * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (best.rate - other.rate) / spread
    return 0.5 * math.erfc(z / math.sqrt(2))


def decide(found: list[VariantFigures], *, shown: str = "recipients",
           then: str = "The rest get {}") -> Decision:  # fmt: skip
    """The variant the data favour, and how sure that is, in words (`shown`
    names the people counted; `then` says what happens to the winner)."""
    if not any(variant.letters for variant in found):
        return Decision(
            "A", False,
            f"No clear winner: no variant has led to a letter yet. {then.format('A')},"
            " the original.",
        )  # fmt: skip
    best = max(found, key=lambda variant: (variant.rate, -LABELS.index(variant.label)))
    others = [variant for variant in found if variant is not best]
    threshold = SIGNIFICANCE / max(len(others), 1)
    worst_p = max((_p_value(best, other) for other in others), default=1.0)
    figures_text = "; ".join(
        f"{v.label}: {v.letters} letters from {v.shown} {shown} ({v.rate:.1%})" for v in found
    )
    if worst_p < threshold:
        return Decision(
            best.label, True,
            f"{best.label} is a clear winner (p = {worst_p:.3f} against the nearest, below"
            f" {threshold:.3f}): {figures_text}. {then.format(best.label)}.",
        )  # fmt: skip
    return Decision(
        best.label, False,
        f"No clear winner: {best.label} leads, but a lead this size could be chance"
        f" (p = {worst_p:.2f}; it would need to be below {threshold:.3f}): {figures_text}."
        f" {then.format(best.label)}, the best so far.",
    )  # fmt: skip
