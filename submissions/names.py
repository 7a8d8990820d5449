"""Names as they are compared: the one normalization credits and judges' conflicts share.

Case-folded, accents stripped, punctuation dropped, spaces collapsed, so
"José  García-Löw" and "jose garcia low" match. It lives here, below judging, because
``Credit`` stores the normalized form (judging finds conflicts by joining on it) and
judging normalizes what judges declare with the same function.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_name(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped).replace("_", " ").split())
