"""Downloading the official list files from their publishers (or a mirror) before importing them."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from proscribe.registry.errors import RegistryError

# The publishers' own addresses. Each can be replaced with $PROSCRIBE_<SOURCE>_URL
# (for OFAC: PROSCRIBE_OFAC_URL, PROSCRIBE_OFAC_ALT_URL, PROSCRIBE_OFAC_ADD_URL).
OFFICIAL = {
    "ofac": {
        "sdn.csv": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV",
        "alt.csv": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ALT.CSV",
        "add.csv": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADD.CSV",
    },
    "un": {"consolidated.xml": "https://scsanctions.un.org/resources/xml/en/consolidated.xml"},
    # The EU's Financial Sanctions Files (every EU regime; the terrorist list is programme TERR).
    "eu": {"eu.xml": "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"},
}
# Where each file sits under a mirror given with --base-url (the layout of a plain folder copy).
MIRROR = {
    "ofac": {"sdn.csv": "ofac/sdn.csv", "alt.csv": "ofac/alt.csv", "add.csv": "ofac/add.csv"},
    "un": {"consolidated.xml": "un/consolidated.xml"},
    "eu": {"eu.xml": "eu/32001R2580.csv"},
}
_ENV = {
    ("ofac", "sdn.csv"): "PROSCRIBE_OFAC_URL",
    ("ofac", "alt.csv"): "PROSCRIBE_OFAC_ALT_URL",
    ("ofac", "add.csv"): "PROSCRIBE_OFAC_ADD_URL",
    ("un", "consolidated.xml"): "PROSCRIBE_UN_URL",
    ("eu", "eu.xml"): "PROSCRIBE_EU_URL",
}
SOURCES = ("ofac", "un", "eu")
MAX_BYTES = 512 * 1024 * 1024  # no list file is near this; a bigger answer is not a list


@dataclass(frozen=True)
class Fetched:
    source: str
    files: dict[str, Path]  # file role ("sdn.csv") -> downloaded path
    urls: dict[str, str]


def urls_for(source: str, base_url: str | None = None) -> dict[str, str]:
    if source not in OFFICIAL:
        raise RegistryError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    out = {}
    for role, official in OFFICIAL[source].items():
        if base_url:
            out[role] = base_url.rstrip("/") + "/" + MIRROR[source][role]
        else:
            out[role] = os.environ.get(_ENV[(source, role)]) or official
    return out


def fetch(
    source: str,
    folder: Path,
    *,
    base_url: str | None = None,
    timeout: float = 60.0,
    on_bytes: Callable[[int], None] | None = None,
) -> Fetched:
    """Downloads every file of `source` into `folder`; any HTTP error or timeout raises RegistryError."""
    import httpx

    urls = urls_for(source, base_url)
    files: dict[str, Path] = {}
    headers = {"User-Agent": "proscribe (designation list update)"}
    with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
        for role, url in urls.items():
            target = folder / source / (Path(MIRROR[source][role]).name if base_url else role)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with client.stream("GET", url) as response:
                    if response.status_code != 200:
                        raise RegistryError(f"{source}: {url} answered HTTP {response.status_code} {response.reason_phrase}; nothing was imported")
                    size = 0
                    with target.open("wb") as out:
                        for chunk in response.iter_bytes(1 << 16):
                            size += len(chunk)
                            if size > MAX_BYTES:
                                raise RegistryError(f"{source}: {url} sent more than {MAX_BYTES // (1 << 20)} MB; refused, nothing was imported")
                            out.write(chunk)
                            if on_bytes:
                                on_bytes(len(chunk))
            except httpx.TimeoutException:
                raise RegistryError(f"{source}: {url} did not answer within {timeout:g} s; nothing was imported (try --timeout)") from None
            except httpx.HTTPError as exc:
                raise RegistryError(f"{source}: cannot download {url}: {exc}; nothing was imported") from None
            files[role] = target
    return Fetched(source, files, urls)


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="proscribe-lists-")
