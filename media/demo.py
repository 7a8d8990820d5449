"""Demo films: a dozen generated clips (ffmpeg lavfi) taken through the real pipeline.

1-2 minutes each, small frames, with cuts; one vertical, one square, one without sound, one
carrying a C2PA manifest (signed with a throw-away certificate made on the spot), and one
that breaks the edition's runtime rule. ``seed_demo_films`` stores each through the
storage API and registers it with ``media.services.register_film``; the demo's worker
does the rest.
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from media.models import Film
from media.rules import DeclaredAIUse, FilmRules
from media.services import register_film

SOURCES = (
    "testsrc2",
    "smptebars",
    "rgbtestsrc",
    "testsrc",
    "mandelbrot",
    "cellauto=rule=30",
    "life=mold=10:ratio=0.1:death_color=#2a1a05:life_color=#f0c040",
)
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True)
class DemoFilm:
    slug: str
    title: str
    seconds: int
    shape: str = "wide"  # wide (16:9), vertical (9:16), square
    audio: bool = True
    c2pa: bool = False
    breaks_rule: bool = False  # too short for the edition
    shot_seconds: int = 12


DEMO_FILMS: tuple[DemoFilm, ...] = (
    DemoFilm("tide-engine", "The Tide Engine", 95),
    DemoFilm("paper-moons", "Paper Moons", 72, shot_seconds=8),
    DemoFilm("vertical-city", "Vertical City", 64, shape="vertical"),
    DemoFilm("quiet-orbit", "Quiet Orbit", 80, audio=False),
    DemoFilm("latent-garden", "Latent Garden", 66, c2pa=True),
    DemoFilm("too-short", "Too Short", 30, breaks_rule=True),
    DemoFilm("glass-harvest", "Glass Harvest", 110, shot_seconds=15),
    DemoFilm("square-dance", "Square Dance", 61, shape="square"),
    DemoFilm("night-ferry", "Night Ferry", 88),
    DemoFilm("signal-lost", "Signal Lost", 75, shot_seconds=6),
    DemoFilm("salt-and-static", "Salt and Static", 100),
    DemoFilm("last-frame", "The Last Frame", 118, shot_seconds=20),
)


def _size(shape: str, short: int) -> tuple[int, int]:
    long = (short * 16 // 9) // 2 * 2
    return {"vertical": (short, long), "square": (short, short)}.get(shape, (long, short))


def generate_clip(film: DemoFilm, dest: Path, *, short_side: int, seconds: int, index: int = 0) -> Path:
    """One demo clip: a cut every ``shot_seconds`` between test pictures, a tone per shot."""
    width, height = _size(film.shape, short_side)
    shots = max(1, -(-seconds // film.shot_seconds))
    parts, labels = [], []
    for i in range(shots):
        length = min(film.shot_seconds, seconds - i * film.shot_seconds)
        source = SOURCES[(index + i) % len(SOURCES)]
        options = ":" if "=" in source else "="
        parts.append(f"{source}{options}size={width}x{height}:rate=25,trim=duration={length},setpts=PTS-STARTPTS[v{i}]")
        labels.append(f"[v{i}]")
    graph = ";".join(parts) + ";" + "".join(labels) + f"concat=n={shots}:v=1:a=0,format=yuv420p[v]"
    argv = [settings.FFMPEG_BINARY, "-nostdin", "-v", "error", "-y", "-filter_complex", graph]
    if film.audio:
        tones = "+".join(
            f"sin(2*PI*{220 + 55 * (i % 5)}*t)*between(t\\,{i * film.shot_seconds}\\,{(i + 1) * film.shot_seconds})"
            for i in range(shots)
        )
        argv += ["-f", "lavfi", "-i", f"aevalsrc=0.2*({tones}):s=48000:d={seconds}"]
    argv += ["-map", "[v]"] + (["-map", "0:a", "-c:a", "aac", "-b:a", "96k"] if film.audio else [])
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-movflags", "+faststart"]
    argv += ["-metadata", f"title={film.title}", str(dest)]
    subprocess.run(argv, check=True, timeout=600)
    return dest


def _throwaway_signer() -> object:
    """A c2pa signer with a self-made CA and signing certificate (demo only, never trusted)."""
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def usage(signing: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=signing,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not signing,
            crl_sign=not signing,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Laurel Demo Root")])
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=365)
    ca = (
        x509.CertificateBuilder()
        .not_valid_before(start)
        .not_valid_after(end)
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .not_valid_before(start)
        .not_valid_after(end)
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo Generative Studio")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key_pem, None))


def sign_with_manifest(source: Path, dest: Path, *, generator: str = "Runway Gen-3") -> Path:
    import c2pa

    definition = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": source.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {"action": "c2pa.created", "digitalSourceType": TRAINED, "softwareAgent": {"name": generator}}
                    ]
                },
            }
        ],
    }
    builder = c2pa.Builder(definition)
    with source.open("rb") as src, dest.open("w+b") as dst:
        builder.sign(_throwaway_signer(), "video/mp4", src, dst)
    return dest


def seed_demo_films(
    *,
    group_key: str,
    rules: FilmRules,
    films: tuple[DemoFilm, ...] = DEMO_FILMS,
    declared_ai: DeclaredAIUse | None = None,
    short_side: int = 180,
) -> list[tuple[DemoFilm, Film]]:
    """Generate, store and register the demo films; returns each spec with its registered film.

    Frames are small (``short_side``, raised to the rules' minimum so only the rule-breaking
    film fails); the rule-breaking film is made shorter than the rules allow.
    """
    short = max(short_side, rules.min_short_side_px)
    short += short % 2
    seeded: list[tuple[DemoFilm, Film]] = []
    with tempfile.TemporaryDirectory(prefix="laurel-demo-") as folder:
        for index, spec in enumerate(films):
            seconds = spec.seconds
            if spec.breaks_rule:  # shorter than allowed, or (when short films are allowed) too long
                too_short = rules.runtime_min_seconds // 2
                seconds = too_short if too_short >= 5 else rules.runtime_max_seconds + 5
            else:
                seconds = min(max(seconds, rules.runtime_min_seconds + 1), rules.runtime_max_seconds - 1)
            path = generate_clip(
                spec, Path(folder) / f"{spec.slug}.mp4", short_side=short, seconds=seconds, index=index
            )
            if spec.c2pa:
                path = sign_with_manifest(path, Path(folder) / f"{spec.slug}-signed.mp4")
            data = path.read_bytes()
            with path.open("rb") as handle:
                name = default_storage.save(f"uploads/demo/{spec.slug}.mp4", File(handle, name=f"{spec.slug}.mp4"))
            film = register_film(
                source_name=name,
                original_filename=f"{spec.slug}.mp4",
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                group_key=group_key,
                rules=rules,
                declared_ai=declared_ai,
            )
            seeded.append((spec, film))
    return seeded
