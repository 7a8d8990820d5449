"""Signing a film with a C2PA manifest under a throw-away certificate chain (demo and tests).

Laurel only reads manifests from uploads; this exists so the demo and the test-suite can
make real signed files offline: an EC P-256 CA and a signing certificate with the
extensions c2pa requires (digitalSignature, emailProtection EKU, key identifiers). The
signer is not on any trust list, so such files read as "valid, signer not trusted" unless
the CA is configured as a trust anchor (``LAUREL_C2PA_TRUST_ANCHORS``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True)
class SigningChain:
    chain_pem: bytes  # the signing certificate, then the CA
    key_pem: bytes
    ca_pem: bytes  # the CA alone: the trust anchor to configure

    def signer(self) -> Any:
        """A c2pa ``Signer`` (ES256) for this chain; single use, like the Builder it signs with."""
        import c2pa

        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, self.chain_pem, self.key_pem, None)
        return c2pa.Signer.from_info(info)


def _key_usage(*, signing: bool) -> Any:
    from cryptography import x509

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


def throwaway_chain(*, organization: str = "Laurel Demo Studio", days: int = 30) -> SigningChain:
    """A fresh CA and signing certificate, valid from yesterday for ``days`` days."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Laurel Throw-away Root")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Test Signer"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningChain(leaf.public_bytes(serialization.Encoding.PEM) + ca_pem, key_pem, ca_pem)


def manifest_definition(
    *, generator: str = "Runway Gen-3", source_type: str = TRAINED_ALGORITHMIC_MEDIA, agent: str | None = None
) -> dict[str, Any]:
    """A manifest saying ``generator`` created the film, with the given IPTC digital source type."""
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


def sign_mp4(source: Path, dest: Path, *, definition: dict[str, Any], chain: SigningChain | None = None) -> Path:
    """Write ``source`` (an MP4) to ``dest`` with an embedded, signed C2PA manifest."""
    import c2pa

    chain = chain or throwaway_chain()
    builder = c2pa.Builder(definition)
    with source.open("rb") as src, dest.open("w+b") as dst:
        builder.sign(chain.signer(), "video/mp4", src, dst)
    return dest
