"""Known AI generator signatures, matched in C2PA claim generators, software agents and tags.

``media`` must not import ``submissions``, so this is a small list of its own. Keys are
the lower-case tool names entrants declare (``DeclaredAIUse.tools``, the slugs of the
submissions vocabulary). A vendor-level signature ("OpenAI") is accounted for by declaring
any of the vendor's tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    key: str
    name: str
    pattern: re.Pattern[str]
    covered_by: frozenset[str]  # declared tool keys that account for a match


def _sig(key: str, name: str, pattern: str, *also: str) -> Signature:
    return Signature(key, name, re.compile(pattern, re.IGNORECASE), frozenset({key, *also}))


# Word boundaries keep "veo" out of "video" and "udio" out of "audio".
SIGNATURES: tuple[Signature, ...] = (
    _sig("runway", "Runway", r"\brunway(?:ml)?\b|\bgen-?[234](?:\s*alpha|\s*turbo)?\b"),
    _sig("sora", "Sora", r"\bsora\b"),
    _sig("veo", "Veo", r"\bveo\s*\d?\b"),
    _sig("kling", "Kling", r"\bkling\b"),
    _sig("luma", "Luma Dream Machine", r"\bluma(?:\s*ai|labs)?\b|\bdream\s*machine\b|\bray-?2\b"),
    _sig("pika", "Pika", r"\bpika(?:\s*labs)?\b"),
    _sig("hailuo", "Hailuo / MiniMax", r"\bhailuo\b|\bminimax\b"),
    _sig("wan", "Wan", r"\bwan\s*2\.\d\b|\bwanx\b"),
    _sig("midjourney", "Midjourney", r"\bmidjourney\b"),
    _sig("stable-diffusion", "Stable Diffusion", r"\bstable[\s_-]*diffusion\b|\bsdxl\b|\bstability\s*ai\b"),
    _sig("flux", "Flux", r"\bflux(?:\.1)?\b|\bblack\s*forest\s*labs\b"),
    _sig("dall-e", "DALL·E / GPT Image", r"\bdall[\s·.-]*e\b|\bgpt[\s-]*image\b"),
    _sig("firefly", "Adobe Firefly", r"\bfirefly\b"),
    _sig("comfyui", "ComfyUI", r"\bcomfy\s*ui\b"),
    _sig("elevenlabs", "ElevenLabs", r"\beleven\s*labs\b"),
    _sig("suno", "Suno", r"\bsuno\b"),
    _sig("udio", "Udio", r"\budio\b"),
    _sig("topaz", "Topaz Video AI", r"\btopaz\b"),
    _sig("openai", "OpenAI", r"\bopen\s*ai\b", "sora", "dall-e", "chatgpt"),
    _sig("google-ai", "Google generative AI", r"\bimagen\b|\bgoogle\s*deepmind\b", "veo", "gemini"),
)

_BY_KEY = {signature.key: signature for signature in SIGNATURES}


def tools_in(text: str) -> list[str]:
    """Keys of the known generators named in ``text``, in signature order.

    A vendor is dropped when one of its tools is named too ("OpenAI Sora" is Sora).
    """
    found = [signature for signature in SIGNATURES if signature.pattern.search(text)]
    keys = {signature.key for signature in found}
    return [s.key for s in found if not (keys - {s.key}) & (s.covered_by - {s.key})]


def tool_name(key: str) -> str:
    signature = _BY_KEY.get(key)
    return signature.name if signature else key


def normalise_declared(tools: tuple[str, ...] | list[str]) -> frozenset[str]:
    """Declared tool names as keys: the slug itself plus any signature its text matches.

    Entrants write "Stable Diffusion", "stable-diffusion" or "Runway Gen-3"; all of them
    should account for the same evidence.
    """
    keys: set[str] = set()
    for tool in tools:
        text = str(tool).strip().lower()
        if not text:
            continue
        keys.add(re.sub(r"[\s_]+", "-", text))
        keys.update(tools_in(text))
    return frozenset(keys)


def is_declared(key: str, declared: frozenset[str]) -> bool:
    signature = _BY_KEY.get(key)
    covered_by = signature.covered_by if signature else frozenset({key})
    return bool(covered_by & declared)
