"""Text bound for a terminal or a CI log, made inert: one line, no control or bidi characters.

An account's strings (policy values, AWS error messages, organization account names) can carry ESC
and OSC sequences that a terminal obeys (clipboard writes, retitling), a newline that starts a GitHub
Actions command (`::error ...`), or bidi overrides that reorder what is read. Each such character
is shown as a visible escape instead, so what is printed is what was there.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line and paragraph separators, and the bidi embedding/override/isolate marks.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


_UNSAFE_IN_BLOCKS = re.compile(UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f"))


def visible(char: str) -> str:
    """A character as a readable escape, spelled as JSON spells it: `\\n`, `\\u001b`, `\\u202e`.

    Inside a JSON string the escape means the very character it replaces, so a policy document
    made printable is still the same document.
    """
    return _NAMED.get(char) or f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` on one line, every unsafe character replaced by its visible escape."""
    return UNSAFE.sub(lambda found: visible(found.group()), text)


def printable_lines(text: str) -> str:
    """Like `printable`, but keeps line breaks and tabs: for code blocks and preformatted text."""
    return _UNSAFE_IN_BLOCKS.sub(lambda found: visible(found.group()), text.replace("\r\n", "\n"))
