#!/usr/bin/env python3
"""The scripted alternative to `mxlookup lookup BOOK --dry-run --pepper P`,
for `cargo bench --bench scale` to compare against: the work someone would
otherwise write by hand with `phonenumbers` and `hashlib`.

It reads a vCard book (as `mxlookup synth` writes it: unfolded per RFC 6350,
EMAIL and TEL properties), normalises each email address (trimmed, Unicode
case-folded, as sydent does) and each phone number (parsed with the region
given, kept when `phonenumbers` says it is valid, E.164 without `+`), hashes
each as the identity-service spec says (`"<address> <medium> <pepper>"`,
SHA-256, URL-safe base64 without padding) and prints one line per address:
`medium address hash`, or `invalid input` for what is neither.

    python3 benches/script.py BOOK.vcf PEPPER [REGION] > out.txt
"""

import base64
import hashlib
import sys

import phonenumbers


def lines(path):
    """The book's logical lines: folded lines joined (a line starting with
    a space or a tab goes on the one before)."""
    current = None
    with open(path, encoding="utf-8", errors="replace", newline="") as book:
        for raw in book:
            line = raw.rstrip("\r\n")
            if line[:1] in (" ", "\t") and current is not None:
                current += line[1:]
                continue
            if current is not None:
                yield current
            current = line
    if current is not None:
        yield current


def property_of(line):
    """`(NAME, value)` of a content line, the name without group and
    parameters, upper case."""
    head, sep, value = line.partition(":")
    if not sep:
        return None, None
    name = head.split(";", 1)[0].rsplit(".", 1)[-1].strip().upper()
    return name, value.strip()


def digest(address, medium, pepper):
    text = f"{address} {medium} {pepper}".encode("utf-8")
    return base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip(b"=").decode()


def normalise_phone(value, region):
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, pepper = sys.argv[1], sys.argv[2]
    region = sys.argv[3] if len(sys.argv) > 3 else "FR"
    out = sys.stdout
    write = out.write
    for line in lines(path):
        name, value = property_of(line)
        if name == "EMAIL":
            address = value.casefold()
            if "@" in address:
                write(f"email {address} {digest(address, 'email', pepper)}\n")
            else:
                write(f"invalid {value}\n")
        elif name == "TEL":
            address = normalise_phone(value, region)
            if address:
                write(f"msisdn {address} {digest(address, 'msisdn', pepper)}\n")
            else:
                write(f"invalid {value}\n")
    out.flush()


if __name__ == "__main__":
    main()
