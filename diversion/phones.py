"""Phone numbers (with the maintained `phonenumbers` library): what a worker typed as her
mobile, and what the provider says a reply came from, both as E.164."""

from __future__ import annotations

import re

import phonenumbers

# Ofcom keeps 07700 900000 to 900999 for drama and training: never allocated, so safe for
# demo data and staff training. libphonenumber calls them invalid; we accept them.
OFCOM_DRAMA_PREFIX = "+447700900"


def normalise_uk_mobile(text: str) -> str:
    """A UK mobile number in E.164 ('+447700900123'), or ValueError with a message to show."""
    message = "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982"
    cleaned = text.strip()
    if len(cleaned) > 30:
        raise ValueError(message)
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException as error:
        raise ValueError(message) from error
    if number.country_code != 44:
        raise ValueError(message)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164.startswith(OFCOM_DRAMA_PREFIX) and len(e164) == len(OFCOM_DRAMA_PREFIX) + 3:
        return e164
    if not phonenumbers.is_valid_number(number):
        raise ValueError(message)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError("Enter a mobile number: texts cannot be sent to a landline")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_number(raw: str) -> str:
    """A sender's number in E.164 (UK numbers may come without +44); anything that is not
    a phone number (a short code, a sender name) is kept as sent, trimmed."""
    text = "".join(ch for ch in raw if ch.isprintable()).strip()
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A Twilio messaging service: "MG" and 32 hexadecimal characters.
_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")


def normalise_receiving_number(text: str) -> str:
    """A number the service receives texts on, as an administrator typed it: a UK mobile
    number in E.164, or a Twilio messaging service SID ('MG' and 32 hex characters, as
    Twilio writes it); ValueError with a message to show otherwise."""
    cleaned = "".join(text.split())
    if cleaned[:2].upper() == "MG":
        sid = "MG" + cleaned[2:].lower()
        if _SERVICE_SID.fullmatch(sid):
            return sid
        raise ValueError(
            "A messaging service SID is MG followed by 32 letters a to f and digits, "
            "like MG0123456789abcdef0123456789abcdef"
        )
    try:
        return normalise_uk_mobile(cleaned)
    except ValueError as error:
        raise ValueError(
            "Enter a UK mobile number texts are sent from, like 07700 900 982, "
            "or a messaging service SID starting MG"
        ) from error


def is_service_sid(value: str) -> bool:
    """True when a stored receiving number is a messaging service SID, not a phone number."""
    return _SERVICE_SID.fullmatch(value) is not None
