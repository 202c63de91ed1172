"""Her words: what a reply to one of our texts asks for (notifications.replies acts on it).

Pure rule (architecture rule 1): a string in, a Reading out; no clock, no database. From
design/domain.md ("Text messages") and issue 16 ("Her words"). A reply is read once, after
compatibility normalisation (NFKC: fullwidth letters are plain ones), with case ignored,
curly apostrophes read as straight ones, and invisible format characters dropped. The first
rule that fits decides (rules 3 and 4 both opt her out; the plain ask comes first because its
words tell her worker more):

1. **An opt-out keyword, the whole message** (the provider's: STOP, STOPALL, UNSUBSCRIBE,
   CANCEL, END, QUIT, OPTOUT, REVOKE), with spaces and punctuation ignored: "Stop.",
   " s t o p ", "STOP!!", "Opt out", "stop all". Opts her out: the provider blocks every
   further text after these anyway.
2. **An opt-in keyword, the whole message**: START or UNSTOP. Opts her back in.
3. **A reply that plainly asks for no more texts.** Kept narrow, because a mistake stops her
   reminders. Either the whole reply is a bare ask ("please stop", "just stop", "can you
   stop"), or one of its clauses (split at . , ; : ! ? and line breaks) is nothing but an ask
   about texts, messages or contact, with only a few plain lead words before it ("please",
   "can you", "I want", "ok", "yes", "no", "but") and polite or final words after it
   ("please", "again", "anymore", "thanks", "x"):
   - "stop texting me", "stop sending me messages", "stop the reminders", "stop contacting me";
   - "no more texts", "no more text messages";
   - "don't text me", "do not text me again", "never message me", "don't contact me",
     "don't send me any more texts", "I don't want these messages";
   - "unsubscribe me", "opt me out of the texts", "take me off the text list".
   Not an ask: a negation or a question before it ("don't stop texting me", "why did you
   stop texting me"), a condition after it ("don't text me at work": a matter for her safe
   times), "don't text me back", "yes stop" (stop what?), or "leave me alone" (not plainly
   about texts: her worker reads it in the inbox, as she should).
4. **A reply that starts with an opt-out keyword**: "STOP STOP", "Stop it", "Opt out
   now", and also "Cancel my appointment". Opts her out: the provider treats a reply that
   starts with one of its keywords as an opt-out too, so texts would stop whatever we did;
   her worker is told which word did it.
5. **A confirmation**: Y, YES, YEP, YEAH, OK, OKAY, SURE, CONFIRMED, with only polite words
   ("yes thanks", "yes please", "ok see you then", "yes I'll be there x"), or 👍 (any skin
   tone), 👌, ✅ or ✔. A friendly emoji (🙂 😊 ❤ 🙏 ...) may come with them. Confirms her next
   appointment. Nothing else may be in it: no question mark, no other word ("yes but can I
   change the time", "yes at 10", "ok tomorrow": a day or a time may be about another one).
6. **Anything else goes to her worker's inbox**: "no", "maybe", "who is this", "can't make
   it", a question.

YES also lifts her opt-out (the provider treats YES like START), as START and UNSTOP do:
`Reading.opts_in` says so whatever else the reply did.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CONFIRM",
    "CONFIRM_WORDS",
    "INBOX",
    "OPT_IN",
    "OPT_IN_WORDS",
    "OPT_OUT",
    "OPT_OUT_WORDS",
    "Intent",
    "Reading",
    "clean",
    "keyword",
    "read_reply",
]

Intent = Literal["opt_out", "opt_in", "confirm", "inbox"]
OPT_OUT: Final = "opt_out"
OPT_IN: Final = "opt_in"
CONFIRM: Final = "confirm"
INBOX: Final = "inbox"

# How a reading was decided, for the words her worker reads (rules 1 to 5 above).
KEYWORD: Final = "keyword"
FIRST_WORD: Final = "first_word"
ASKED: Final = "asked"
CONFIRMATION: Final = "confirmation"

# The provider's opt-out and opt-in keywords (Twilio's defaults), as keyword() reads them.
OPT_OUT_WORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
OPT_IN_WORDS: Final = frozenset({"START", "UNSTOP", "YES"})
# The words that confirm her next appointment (rule 5), lower case.
CONFIRM_WORDS: Final = frozenset(
    {"y", "yes", "yess", "yep", "yeah", "yea", "yeh", "yup", "ok", "okay", "okey", "sure"}
    | {"confirm", "confirmed"}
    # Welsh, for a woman texted in Welsh: "ie" (yes), "iawn" (fine), "ydw" (I am).
    | {"ie", "iawn", "ydw"}
)
# Words that may come with a confirmation and change nothing.
_POLITE: Final = frozenset(
    {"thanks", "thank", "thankyou", "thx", "ty", "ta", "cheers", "please", "pls", "plz"}
    | {"you", "u", "ya", "see", "then", "there", "soon", "x", "xx", "xxx", "and", "all"}
    | {"i", "ill", "im", "will", "be", "do", "that", "thats", "is", "its", "sounds", "good"}
    | {"great", "fine", "perfect", "lovely", "love", "coming", "come"}
    | {"diolch", "plis", "da", "hwyl"}  # Welsh: thanks, please, good, bye
)
_CONFIRMING: Final = CONFIRM_WORDS | _POLITE
_CONFIRM_EMOJI: Final = frozenset("\U0001f44d\U0001f44c\u2705\u2714\u2611")  # 👍 👌 ✅ ✔ ☑
_FRIENDLY_EMOJI: Final = frozenset(
    "\U0001f642\U0001f60a\u263a\U0001f600\U0001f603\U0001f601\u2764\U0001f495\U0001f618"
    "\U0001f64f\U0001f970\U0001f917"  # 🙂 😊 ☺ 😀 😃 😁 ❤ 💕 😘 🙏 🥰 🤗
)
# Variation selectors and skin-tone modifiers, which only dress an emoji.
_EMOJI_DRESS: Final = frozenset("\ufe0e\ufe0f") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))

# Apostrophes people type, read as "'" (before NFKC, which would split the acute accent).
_APOSTROPHES: Final = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u2032`\u00b4\uff07", "'"))
_NOT_WORD: Final = re.compile(r"[\W_]+")
_TOKEN: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CLAUSE: Final = re.compile(r"[^.!?,;:\n\r\u2026]+")
_MAX_WORDS: Final = 100

# --- Rule 3: the plain asks, over a clause's words (lower case, apostrophes dropped) ---------
_TEXTS = r"(?:texts?|texting|txts?|txting|msgs?|messages?|messaging|sms|reminders?)"
_OPTIONAL = r"(?:(?:{words}) ){{0,4}}"
_LEAD = (
    r"(?:(?:please|pls|plz|plse|kindly|can|could|will|would|you|u|i|id|want|need|like|to"
    r"|just|so|now|ok|okay|hi|hey|hello|hiya|sorry|but|and|yes|yeah|no|also|then) )*"
)
_TAIL = (
    r"(?: (?:please|pls|plz|now|again|anymore|any more|ever|ever again|at all|thanks"
    r"|thank you|thankyou|thx|ty|ta|cheers|ok|okay|x+))*"
)
_NEVER = r"(?:dont|do not|never)"
_ASKS: Final = (
    # stop texting me, stop sending me messages, stop the reminders, stop contacting me
    r"stop "
    + _OPTIONAL.format(
        words="sending|send|getting|receiving|me|the|these|those|your|ur|all|any|of|them|with"
    )
    + rf"(?:{_TEXTS}|contacting)(?: me)?",
    # no more texts, no more text messages
    r"no more " + _OPTIONAL.format(words="of|the|these|those|your|ur|text") + _TEXTS,
    # don't text me, do not text me again, never message me, don't contact me
    rf"{_NEVER} (?:ever )?(?:text|txt|message|msg|sms|contact|texting|messaging)(?: me)?",
    # don't send me any more texts
    rf"{_NEVER} (?:send|sending) "
    + _OPTIONAL.format(words="me|any|more|anymore|these|those|the|your|ur|of|them")
    + _TEXTS,
    # I don't want these messages, I don't want to get any more texts
    r"(?:dont|do not) want "
    + _OPTIONAL.format(words="to|get|receive|getting|receiving|any|more|these|those|the|your|ur")
    + _TEXTS,
    # unsubscribe me, opt me out of the texts
    r"(?:unsubscribe|optout|opt me out|opt out|stopall|stop all)(?: me)?"
    + rf"(?: (?:of|from) (?:(?:the|these|your|ur|all) ){{0,2}}{_TEXTS})?",
    # take me off the text list, remove me from your texts
    r"(?:take|remove) me (?:off|from) (?:(?:the|your|ur|this|these|all) ){0,2}"
    + rf"(?:{_TEXTS}|(?:text|texting|messaging|sms|mailing|contact) list)",
)
_ASKED: Final = re.compile(
    _LEAD + "(?P<ask>" + "|".join(f"(?:{ask})" for ask in _ASKS) + ")" + _TAIL
)
# A bare ask, the whole reply: "please stop", "just stop", "can you stop".
_BARE_ASK: Final = re.compile(
    r"(?P<ask>(?:(?:please|pls|plz|plse|kindly|just|now|can|could|will|would|you|u) )*"
    r"stop" + _TAIL + ")"
)


@dataclass(frozen=True)
class Reading:
    """What a reply asks for.

    `intent` is what the service does with it; `words` are the words that decided it, as she
    wrote them (compatibility-normalised, trimmed, at most 100 characters), for her worker to
    read: the whole reply for a keyword or a confirmation, the keyword a reply started with,
    the ask ("stop texting me"), and nothing for a reply that goes to the inbox. `rule` says
    which rule decided (keyword, first_word, asked, confirmation; "" for the inbox), and
    `opts_in` that the reply also lifts her opt-out (START, UNSTOP, or YES on its own)."""

    intent: Intent
    words: str
    rule: str = ""
    opts_in: bool = False


def keyword(body: str) -> str:
    """The message as a keyword: compatibility-normalised, upper case, with every space and
    punctuation mark removed ("stop." and " Opt out " read STOP and OPTOUT)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", body)).upper()


def clean(text: str, *, limit: int = _MAX_WORDS) -> str:
    """Her words fit to show: control and format characters dropped, runs of spaces made
    one, trimmed, and cut at `limit` characters with an ellipsis."""
    kept = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c.isspace())
    words = " ".join(kept.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class _Token:
    value: str  # case-folded, apostrophes dropped: "dont"
    start: int
    end: int


def _normalise(body: str) -> str:
    """NFKC with apostrophes made straight, and invisible control and format characters
    (a zero-width space, a direction mark) dropped."""
    text = unicodedata.normalize("NFKC", body.translate(_APOSTROPHES))
    return "".join(c for c in text if unicodedata.category(c)[0] != "C" or c.isspace())


def _tokens(text: str, start: int = 0, end: int | None = None) -> list[_Token]:
    stop = len(text) if end is None else end
    return [
        _Token(m.group().casefold().replace("'", ""), m.start(), m.end())
        for m in _TOKEN.finditer(text, start, stop)
    ]


def _match(pattern: re.Pattern[str], text: str, tokens: list[_Token]) -> str | None:
    """The words of `tokens` (as written in `text`) that the `ask` group of `pattern` took,
    when the pattern matches the tokens' values joined by single spaces; else None."""
    if not tokens:
        return None
    offsets, position = [], 0
    for token in tokens:
        offsets.append(position)
        position += len(token.value) + 1
    found = pattern.fullmatch(" ".join(token.value for token in tokens))
    if found is None:
        return None
    first = tokens[bisect_right(offsets, found.start("ask")) - 1]
    last = tokens[bisect_right(offsets, found.end("ask") - 1) - 1]
    return clean(text[first.start : last.end])


def _first_word(tokens: list[_Token], text: str) -> str | None:
    """The opt-out keyword a reply starts with ("Opt out" as two words too), as written."""
    for count in (1, 2):
        head = tokens[:count]
        if len(head) == count and "".join(t.value for t in head).upper() in OPT_OUT_WORDS:
            return clean(text[head[0].start : head[-1].end])
    return None


def _asked(text: str, tokens: list[_Token]) -> str | None:
    """The plain ask for no more texts (rule 4), as written; None when there is none."""
    bare = _match(_BARE_ASK, text, tokens)
    if bare is not None:
        return bare
    for clause in _CLAUSE.finditer(text):
        words = _match(_ASKED, text, _tokens(text, clause.start(), clause.end()))
        if words is not None:
            return words
    return None


def _confirms(text: str, tokens: list[_Token]) -> bool:
    """A confirmation and nothing else (rule 5)."""
    if "?" in text or any(token.value not in _CONFIRMING for token in tokens):
        return False
    affirmed = any(token.value in CONFIRM_WORDS for token in tokens)
    rest = list(text)
    for token in tokens:
        rest[token.start : token.end] = [""] * (token.end - token.start)
    for char in "".join(rest):
        if char in _CONFIRM_EMOJI:
            affirmed = True
        elif not (
            char.isspace()
            or char in _FRIENDLY_EMOJI
            or char in _EMOJI_DRESS
            or unicodedata.category(char).startswith("P")
        ):
            return False
    return affirmed


def read_reply(body: str) -> Reading:
    """Read a reply to one of our texts by the rules in the module docstring."""
    word = keyword(body)
    opts_in = word in OPT_IN_WORDS
    text = _normalise(body)
    if word in OPT_OUT_WORDS:
        return Reading(OPT_OUT, clean(text), KEYWORD)
    if word in OPT_IN_WORDS - {"YES"}:
        return Reading(OPT_IN, clean(text), KEYWORD, opts_in=True)
    tokens = _tokens(text)
    asked = _asked(text, tokens)
    if asked is not None:
        return Reading(OPT_OUT, asked, ASKED)
    first = _first_word(tokens, text)
    if first is not None:
        return Reading(OPT_OUT, first, FIRST_WORD)
    if _confirms(text, tokens):
        return Reading(CONFIRM, clean(text), CONFIRMATION, opts_in=opts_in)
    return Reading(INBOX, "", opts_in=opts_in)
