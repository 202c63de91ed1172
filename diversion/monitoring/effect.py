"""Whether the texts work: attendance by what became of the reminder, and by its wording,
each with its 95% interval, the difference from the reminded with Newcombe's interval, and
the one sentence the figures allow.

Pure rule (architecture rule 1): it reads the published (suppressed) tables of
diversion.monitoring.report, so a count hidden there is never used here: a group with a
hidden count has no rate, no interval and no difference, and the sentence says the numbers
are too small (diversion.monitoring.stats.verdict).
"""

from __future__ import annotations

from dataclasses import dataclass

from diversion.monitoring.stats import (
    MIN_GROUP,
    Difference,
    Proportion,
    difference,
    proportion,
    verdict,
)
from diversion.monitoring.tables import Table

__all__ = ["REMINDER_ROWS", "Effect", "Group", "effect_of", "wording_words"]

# The rows of the reminder table, in order: what became of the reminder, and its words.
REMINDER_ROWS = (
    ("delivered", "Delivered"),
    ("sent", "Sent, no delivery receipt"),
    ("failed", "Failed"),
    ("opted_out", "Not sent: she had opted out"),
    ("not_sent", "Not sent: another reason (too late, no consent, held or cancelled)"),
    ("none", "No reminder"),
)
# The reminders that did not reach her, against which the delivered ones are compared.
NOT_REACHED = ("failed", "opted_out", "not_sent")
LANGUAGES = {"en": "English", "cy": "Welsh", "both": "Welsh and English"}
REGISTERS = {"discreet": "discreet wording", "plain": "plainer wording"}


def wording_words(label: str) -> str:
    """A wording label ("cy:plain:1a2b3c4d") in words: "Welsh, plainer wording (version
    1a2b3c4d)"; anything else as it is."""
    parts = label.split(":")
    if len(parts) != 3 or parts[0] not in LANGUAGES or parts[1] not in REGISTERS:
        return label
    return f"{LANGUAGES[parts[0]]}, {REGISTERS[parts[1]]} (version {parts[2]})"


@dataclass(frozen=True)
class Group:
    """One row of the comparison: its counts and rate when shown, and its difference from
    the group compared against (None when either is hidden or under MIN_GROUP)."""

    label: str
    attendance: Proportion | None
    difference: Difference | None
    is_reference: bool = False

    @property
    def compared(self) -> str:
        """What the difference column says."""
        if self.is_reference:
            return "Compared against"
        if self.difference is None:
            return "Too few to compare"
        return "Shown"


@dataclass(frozen=True)
class Effect:
    """The comparison of attendance by reminder outcome and by wording."""

    groups: tuple[Group, ...]
    sentence: str
    wordings: tuple[Group, ...]
    wording_sentence: str


def _attendance(attended: int | float | None, missed: int | float | None) -> Proportion | None:
    if attended is None or missed is None:
        return None
    return proportion(int(attended), int(attended) + int(missed))


def _row_attendance(table: Table) -> dict[str, Proportion | None]:
    return {
        line.label: _attendance(line.counts[0].value, line.counts[1].value)
        for line in table.lines
        if not line.is_total
    }


def _compare(group: Proportion | None, reference: Proportion | None) -> Difference | None:
    if group is None or reference is None:
        return None
    if group.trials < MIN_GROUP or reference.trials < MIN_GROUP:
        return None
    return difference(group, reference)


def _combined(parts: list[Proportion | None]) -> Proportion | None:
    if any(part is None for part in parts):
        return None
    attended = sum(part.successes for part in parts if part is not None)
    trials = sum(part.trials for part in parts if part is not None)
    return proportion(attended, trials)


def effect_of(reminders: Table, wordings: Table | None) -> Effect:
    """The comparison, from the published reminder table (rows as REMINDER_ROWS, columns
    attended and did not attend) and the published wording table (None when no reminder
    was delivered)."""
    by_label = _row_attendance(reminders)
    words = dict(REMINDER_ROWS)
    delivered = by_label[words["delivered"]]
    not_reached = _combined([by_label[words[key]] for key in NOT_REACHED])
    groups = [Group(words["delivered"], delivered, None, is_reference=True)]
    groups.append(
        Group(
            "Did not reach her (failed, opted out or not sent)",
            not_reached,
            _compare(not_reached, delivered),
        )
    )
    for key in NOT_REACHED:
        group = by_label[words[key]]
        groups.append(Group(words[key], group, _compare(group, delivered)))
    sentence = verdict(
        delivered,
        not_reached,
        reached_words="when the reminder was delivered",
        other_words="when it did not reach her",
    )
    wording_groups: list[Group] = []
    wording_sentence = (
        "No reminder was delivered in this period, so there is no wording to compare."
    )
    if wordings is not None:
        found = _row_attendance(wordings)
        # The wording compared against is the one sent most, among those whose counts are
        # shown (rows stay in the table's fixed order: ordering by size would hint at the
        # hidden ones).
        shown = sorted(
            (label for label, group in found.items() if group is not None),
            key=lambda label: -found[label].trials,  # type: ignore[union-attr]
        )
        reference = shown[0] if shown else None
        for label, group in found.items():
            wording_groups.append(
                Group(
                    label,
                    group,
                    None if label == reference else _compare(group, found.get(reference or "")),
                    is_reference=label == reference,
                )
            )
        if len(found) < 2:
            wording_sentence = (
                "Only one wording was delivered in this period, so there is nothing to compare."
            )
        elif len(shown) < 2:
            wording_sentence = verdict(None, None, reached_words="", other_words="")
        else:
            wording_sentence = verdict(
                found[shown[0]],
                found[shown[1]],
                reached_words=f"with {shown[0]}",
                other_words=f"with {shown[1]}",
            )
    return Effect(tuple(groups), sentence, tuple(wording_groups), wording_sentence)
