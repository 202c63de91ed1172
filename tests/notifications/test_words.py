"""Her words (notifications.words): what a reply asks for, by the rules in its docstring.

domain.md "Text messages" and issue 16 "Her words": the provider's opt-out keywords, a reply
starting with one, or a plain ask for no more texts, opt her out; START or UNSTOP opts her
back in; a plain Y, YES, OK or 👍 confirms; anything else goes to her worker's inbox.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.words import (
    CONFIRM_WORDS,
    OPT_OUT_WORDS,
    Reading,
    clean,
    keyword,
    read_reply,
)

OUT, IN, OK, INBOX = "opt_out", "opt_in", "confirm", "inbox"

# (her reply, what it does, the words that decided it)
REPLIES = [
    # 1. The provider's keywords, the whole reply: case, spaces and punctuation ignored.
    ("STOP", OUT, "STOP"),
    ("stop", OUT, "stop"),
    ("Stop.", OUT, "Stop."),
    (" s t o p ", OUT, "s t o p"),
    ("STOP!!", OUT, "STOP!!"),
    ("Opt out", OUT, "Opt out"),
    ("opt-out", OUT, "opt-out"),
    ("stop all", OUT, "stop all"),
    ("STOPALL", OUT, "STOPALL"),
    ("Unsubscribe", OUT, "Unsubscribe"),
    ("cancel", OUT, "cancel"),
    ("End", OUT, "End"),
    ("quit.", OUT, "quit."),
    ("REVOKE", OUT, "REVOKE"),
    ("\uff33\uff34\uff2f\uff30", OUT, "STOP"),  # fullwidth
    ("S\u200bTOP", OUT, "STOP"),  # a zero-width space inside
    # 2. Opting back in.
    ("START", IN, "START"),
    (" Start. ", IN, "Start."),
    ("unstop", IN, "unstop"),
    # 3. A plain ask for no more texts.
    ("Stop please", OUT, "Stop please"),
    ("please stop", OUT, "please stop"),
    ("Please stop!", OUT, "Please stop"),
    ("just stop", OUT, "just stop"),
    ("no more texts", OUT, "no more texts"),
    ("No more text messages please", OUT, "No more text messages"),
    ("stop texting me", OUT, "stop texting me"),
    ("Can you please stop texting me thanks", OUT, "stop texting me"),
    ("stop sending me messages", OUT, "stop sending me messages"),
    ("don't text me", OUT, "don't text me"),
    ("don\u2019t text me", OUT, "don't text me"),  # a curly apostrophe
    ("do not text me again", OUT, "do not text me"),
    ("dont send me messages", OUT, "dont send me messages"),
    ("I don't want any more texts", OUT, "don't want any more texts"),
    ("never message me again", OUT, "never message me"),
    ("Hi, can you stop sending me messages please. Thanks", OUT, "stop sending me messages"),
    ("I'll be there. Stop the reminders now", OUT, "Stop the reminders"),
    ("I want to opt out", OUT, "opt out"),
    ("please opt me out of the texts", OUT, "opt me out of the texts"),
    ("take me off the text list", OUT, "take me off the text list"),
    ("yes STOP texting me", OUT, "STOP texting me"),
    # 4. A reply that starts with a keyword: the provider opts her out on it too.
    ("STOP STOP", OUT, "STOP"),
    ("stop it", OUT, "stop"),
    ("STOP STOP? no", OUT, "STOP"),
    ("Opt out now pls", OUT, "Opt out"),
    ("cancel my appointment", OUT, "cancel"),
    ("Unsubscribe me now", OUT, "Unsubscribe me"),
    # 5. A confirmation and nothing else.
    ("Y", OK, "Y"),
    ("y", OK, "y"),
    ("YES", OK, "YES"),
    (" Yes. ", OK, "Yes."),
    ("YES!", OK, "YES!"),
    ("yep", OK, "yep"),
    ("Yeah", OK, "Yeah"),
    ("OK", OK, "OK"),
    ("okay", OK, "okay"),
    ("yes thanks", OK, "yes thanks"),
    ("Ie", OK, "Ie"),  # Welsh: yes
    ("Iawn diolch", OK, "Iawn diolch"),  # Welsh: fine, thanks
    ("Yes please", OK, "Yes please"),
    ("ok see you then", OK, "ok see you then"),
    ("Yes I'll be there x", OK, "Yes I'll be there x"),
    ("yes I\u2019ll be there", OK, "yes I'll be there"),
    ("\U0001f44d", OK, "\U0001f44d"),  # 👍
    ("\U0001f44d\U0001f3fd", OK, "\U0001f44d\U0001f3fd"),  # 👍 with a skin tone
    ("\U0001f44d\U0001f3ff\U0001f44d\U0001f3ff", OK, "\U0001f44d\U0001f3ff\U0001f44d\U0001f3ff"),
    ("\u2705", OK, "\u2705"),  # ✅
    ("\u2714\ufe0f", OK, "\u2714\ufe0f"),  # ✔️
    ("Yes \U0001f60a", OK, "Yes \U0001f60a"),  # with a smile
    ("ok thank you x", OK, "ok thank you x"),
    ("Y\u200b", OK, "Y"),
    # 6. Anything else: her worker reads it.
    ("yes but can I change the time", INBOX, ""),
    ("no", INBOX, ""),
    ("No", INBOX, ""),
    ("maybe", INBOX, ""),
    ("who is this", INBOX, ""),
    ("who is this?", INBOX, ""),
    ("can't make it", INBOX, ""),
    ("yes stop", INBOX, ""),
    ("Yes?", INBOX, ""),
    ("ok?", INBOX, ""),
    ("yes at 10", INBOX, ""),
    ("ok tomorrow", INBOX, ""),
    ("not sure", INBOX, ""),
    ("\U0001f60a", INBOX, ""),  # a smile alone confirms nothing
    ("\U0001f44d\U0001f621", INBOX, ""),  # a thumbs up with an angry face
    ("leave me alone", INBOX, ""),
    ("why did you stop texting me?", INBOX, ""),
    ("don't stop texting me", INBOX, ""),
    ("please don't stop the reminders", INBOX, ""),
    ("don't text me back, I'll ring you", INBOX, ""),
    ("don't text me at work", INBOX, ""),
    ("Please stop texting me at work", INBOX, ""),
    ("Running 10 mins late sorry", INBOX, ""),
    ("I stopped at the shop, will text you after", INBOX, ""),
    ("Stopped by earlier", INBOX, ""),
    ("how do I opt out", INBOX, ""),
    ("", INBOX, ""),
    ("   ", INBOX, ""),
]


@pytest.mark.parametrize(
    ("body", "intent", "words"),
    REPLIES,
    ids=[f"{n:02d} {body!r} {intent}" for n, (body, intent, _) in enumerate(REPLIES)],
)
def test_each_reply_is_read_as_the_rules_say(body: str, intent: str, words: str) -> None:
    reading = read_reply(body)
    assert (reading.intent, reading.words) == (intent, words)


def test_the_table_covers_every_kind_of_reply_many_times() -> None:
    kinds = [intent for _, intent, _ in REPLIES]
    assert len(REPLIES) >= 50
    assert {kind: kinds.count(kind) >= 3 for kind in (OUT, IN, OK, INBOX)} == dict.fromkeys(
        (OUT, IN, OK, INBOX), True
    )


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("STOP", "keyword"),
        ("START", "keyword"),
        ("please stop", "asked"),
        ("cancel my appointment", "first_word"),
        ("yes thanks", "confirmation"),
        ("maybe", ""),
    ],
)
def test_a_reading_says_which_rule_decided(body: str, rule: str) -> None:
    assert read_reply(body).rule == rule


@pytest.mark.parametrize(
    ("body", "opts_in"),
    [
        *[("YES", True), ("yes.", True), ("Yes?", True), ("START", True), ("UNSTOP", True)],
        *[("yes thanks", False), ("Y", False), ("OK", False), ("STOP", False)],
    ],
)
def test_yes_on_its_own_also_lifts_her_opt_out_as_the_provider_does(
    body: str, opts_in: bool
) -> None:
    assert read_reply(body).opts_in is opts_in


def test_the_words_for_her_worker_are_trimmed_and_cut() -> None:
    assert clean("  Stop \n\t please \x00 ") == "Stop please"
    long = clean("x" * 300)
    assert len(long) == 100 and long.endswith("\u2026")
    assert len(read_reply("STOP" + "!" * 500).words) == 100


# --- Properties -----------------------------------------------------------------------

# Characters that are never part of a word: spaces and punctuation of every kind.
_NOT_LETTERS = st.text(
    alphabet=st.sampled_from(" .,!?-_*()'\"\u2019\u00a0\t\n:;~/\\#@&\u2026"), max_size=3
)


@st.composite
def _dressed(draw: st.DrawFn, word: str) -> str:
    """`word` with its letters in any case and spaces or punctuation around and between."""
    parts = [draw(_NOT_LETTERS)]
    for letter in word:
        parts.append(letter.lower() if draw(st.booleans()) else letter)
        parts.append(draw(_NOT_LETTERS))
    return "".join(parts)


@given(st.sampled_from(sorted(OPT_OUT_WORDS)).flatmap(_dressed))
def test_any_reply_whose_keyword_is_an_opt_out_word_opts_her_out(body: str) -> None:
    assert keyword(body) in OPT_OUT_WORDS
    reading = read_reply(body)
    assert reading.intent == OUT
    assert keyword(reading.words) == keyword(body)  # the whole reply, tidied


@given(
    st.sampled_from(sorted(OPT_OUT_WORDS)),
    st.sampled_from([" ", "! ", ", ", ". ", "\n", "... "]),
    st.text(max_size=40),
)
def test_any_reply_that_starts_with_an_opt_out_word_opts_her_out(
    word: str, gap: str, rest: str
) -> None:
    body = word.capitalize() + gap + rest
    assert read_reply(body).intent == OUT


@given(st.text(max_size=200))
def test_any_text_is_read_as_one_of_the_four_and_its_words_are_short(body: str) -> None:
    reading = read_reply(body)
    assert isinstance(reading, Reading)
    assert reading.intent in (OUT, IN, OK, INBOX)
    assert len(reading.words) <= 100
    assert (reading.words == "") is (reading.intent == INBOX)
    assert not any(ord(c) < 32 for c in reading.words)


@given(
    st.sampled_from(["yes", "Y", "ok", "Yes thanks", "\U0001f44d"]),
    st.text(min_size=1, max_size=30),
)
def test_a_confirmation_with_a_but_or_a_question_never_confirms(start: str, rest: str) -> None:
    assert read_reply(f"{start} but {rest}").intent != OK
    assert read_reply(f"{start}? {rest}").intent != OK
    assert read_reply(f"{start} {rest}?").intent != OK


@given(st.sampled_from(sorted(CONFIRM_WORDS)), st.sampled_from(["", ".", "!", " x", " thanks"]))
def test_every_confirm_word_confirms_with_or_without_polite_words(word: str, tail: str) -> None:
    assert read_reply(word.upper() + tail).intent == OK
