"""Fixtures for the AI-usage tests: tiny generated clips, a throw-away C2PA signing chain,
and ``AnalysisInputs`` built the way the pipeline's analysing stage builds them.

Import the fixtures a test module uses from here (mpipe owns tests/media/conftest.py).
"""

from __future__ import annotations

import datetime
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from media.analysis import AnalysisInputs

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


@dataclass(frozen=True)
class SigningChain:
    chain_pem: bytes  # leaf then CA, as c2pa wants it
    key_pem: bytes
    ca_path: Path  # the CA alone: the trust anchor a test may configure

    def signer(self) -> c2pa.Signer:
        return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, self.chain_pem, self.key_pem, None))


def _key_usage(*, signing: bool) -> x509.KeyUsage:
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


@pytest.fixture(scope="session")
def c2pa_chain(tmp_path_factory: pytest.TempPathFactory) -> SigningChain:
    """An EC P-256 CA and a signing certificate with the extensions c2pa requires (made offline)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Laurel Test Root")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "Test Signer"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Generative Studio"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    ca_path = tmp_path_factory.mktemp("c2pa") / "ca.pem"
    ca_path.write_bytes(ca_pem)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningChain(leaf.public_bytes(serialization.Encoding.PEM) + ca_pem, key_pem, ca_path)


def manifest_definition(
    *, generator: str = "Runway Gen-3", source_type: str = TRAINED, agent: str | None = None
) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "film.mp4",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": source_type,
                            "softwareAgent": {"name": agent or generator},
                        }
                    ]
                },
            }
        ],
    }


def sign_clip(chain: SigningChain, source: Path, dest: Path, definition: dict[str, Any]) -> Path:
    builder = c2pa.Builder(definition)
    with source.open("rb") as src, dest.open("w+b") as dst:
        builder.sign(chain.signer(), "video/mp4", src, dst)
    return dest


def make_clip(
    ffmpeg: str,
    dest: Path,
    *,
    sources: tuple[str, ...] = ("testsrc", "smptebars", "rgbtestsrc"),
    size: str = "160x90",
    seconds_each: float = 1.0,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A tiny MP4 made of one lavfi source per shot (so the cuts are real), optionally tagged."""
    argv = [ffmpeg, "-nostdin", "-v", "error", "-y"]
    for source in sources:
        argv += ["-f", "lavfi", "-t", str(seconds_each), "-i", f"{source}=size={size}:rate=10"]
    concat = "".join(f"[{i}:v]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=1:a=0[v]"
    argv += ["-filter_complex", concat, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    for key, value in (metadata or {}).items():
        argv += ["-metadata", f"{key}={value}"]
    argv.append(str(dest))
    subprocess.run(argv, check=True, timeout=60)
    return dest


def reencode(ffmpeg: str, source: Path, dest: Path, *, size: str = "128x72") -> Path:
    w, h = size.split("x")
    argv = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-vf", f"scale={w}:{h}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-pix_fmt", "yuv420p", str(dest)]
    subprocess.run(argv, check=True, timeout=60)
    return dest


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def analysis_inputs(
    film_id: int, source: Path, workdir: Path, *, scene_cuts: list[float], fps: float = 4.0
) -> AnalysisInputs:
    """What the analysing stage hands over: probe JSON, cuts, and frames sampled every 1/fps s."""
    frames_dir = workdir / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-vf",
            f"fps={fps}",
            str(frames_dir / "%04d.jpg"),
        ],
        check=True,
        timeout=60,
    )
    # fps filter frame n (1-based) stands for the interval starting at (n - 1) / fps.
    frames = [((int(p.stem) - 1) / fps, p) for p in sorted(frames_dir.glob("*.jpg"))]
    return AnalysisInputs(
        film_id=film_id,
        source=source,
        probe=probe(source),
        scene_cuts=scene_cuts,
        sampled_frames=frames,
        workdir=workdir,
    )


@pytest.fixture
def ai_storage(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Generated files go to a folder of this test's own, through the storage API."""
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    yield root
