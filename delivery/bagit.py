"""BagIt (RFC 8493) bags for partner packages: write the tag files, verify a bag, name files.

Pure file-system code (no database, no Flask). A bag is a folder with the payload under ``data/``
and tag files beside it: ``bagit.txt``, ``bag-info.txt``, ``manifest-sha256.txt`` and
``tagmanifest-sha256.txt``. Manifest lines are ``<sha256>  data/<path>`` (two spaces), exactly the
form ``sha256sum -c manifest-sha256.txt`` checks when run inside the bag, so a partner can verify
a package with nothing but coreutils.

File names must be printable ASCII (docs/standards.md "Delivery file names", VTV festival
rules), and never contain ``%`` or ``\\``: RFC 8493 percent-encodes ``%`` in manifests while
``sha256sum`` escapes ``\\``, so either would make the two tools disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from station.errors import ValidationError
from station.messages import Message
from station.text import fold

log = logging.getLogger(__name__)

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
PAYLOAD_DIR = "data"
SOURCE_ORGANIZATION = "Dai Phat thanh va Truyen hinh Lai Chau"
# Delivery names: long enough for a real title, short enough for old playout servers.
DELIVERY_STEM_MAX = 80
_CHUNK = 1024 * 1024
_SAFE_NAME = re.compile(r"^[\x20-\x7e]+$")
_EXT = re.compile(r"^[a-z0-9]{1,8}$")
_LINE = re.compile(r"^([0-9a-fA-F]{64})[ \t]+\*?(.+)$")


def check_name(relative: str) -> None:
    """Refuse a bag path that is not printable ASCII (or holds % or \\), naming the file."""
    if not _SAFE_NAME.match(relative):
        raise ValidationError("File name is not ASCII: {name}", name=relative)
    if "%" in relative or "\\" in relative:
        raise ValidationError("File name contains % or \\: {name}", name=relative)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks so multi-gigabyte renditions stay cheap."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _payload_files(bag_dir: Path) -> list[str]:
    """Every file under data/, as sorted POSIX paths relative to the bag ("data/a.mp4")."""
    payload = bag_dir / PAYLOAD_DIR
    found: list[str] = []
    for root, dirs, files in os.walk(payload):
        dirs.sort()
        for name in files:
            found.append((Path(root) / name).relative_to(bag_dir).as_posix())
    return sorted(found)


def _tag_files(bag_dir: Path) -> list[str]:
    """Tag files the tag manifest covers: every file outside data/ but the tag manifests."""
    found: list[str] = []
    for root, dirs, files in os.walk(bag_dir):
        rel_root = Path(root).relative_to(bag_dir)
        if rel_root == Path("."):
            dirs[:] = sorted(d for d in dirs if d != PAYLOAD_DIR)
        for name in files:
            rel = (rel_root / name).as_posix()
            if not (rel_root == Path(".") and name.startswith("tagmanifest-")):
                found.append(rel)
    return sorted(found)


def _write_text(path: Path, text: str) -> None:
    """Write UTF-8 with LF line ends through a temporary name, so a crash leaves no torn file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _manifest_text(bag_dir: Path, names: list[str]) -> str:
    """Manifest lines in sha256sum's own format."""
    return "".join(f"{sha256_file(bag_dir / name)}  {name}\n" for name in names)


def write_manifest(
    bag_dir: Path,
    *,
    organization: str = SOURCE_ORGANIZATION,
    bagging_date: dt.date | None = None,
    info: Mapping[str, str] | None = None,
) -> Path:
    """Make bag_dir a complete bag around the files already under data/ and return the
    manifest's path. Refuses (before writing anything) non-ASCII names and symbolic links,
    which could point outside the bag."""
    bag_dir = Path(bag_dir)
    payload_dir = bag_dir / PAYLOAD_DIR
    if not payload_dir.is_dir():
        raise ValidationError("The bag has no data folder: {path}", path=str(bag_dir))
    names = _payload_files(bag_dir)
    for name in names:
        check_name(name)
        if (bag_dir / name).is_symlink():
            raise ValidationError("File is a symbolic link: {name}", name=name)
    octets = sum((bag_dir / name).stat().st_size for name in names)
    _write_text(bag_dir / "bagit.txt", BAGIT_TXT)
    fields = {
        "Source-Organization": organization,
        "Bagging-Date": (bagging_date or dt.date.today()).isoformat(),
        "Payload-Oxum": f"{octets}.{len(names)}",
        **(info or {}),
    }
    _write_text(bag_dir / "bag-info.txt",
                "".join(f"{key}: {' '.join(str(value).split())}\n"
                        for key, value in fields.items()))
    manifest = bag_dir / MANIFEST
    _write_text(manifest, _manifest_text(bag_dir, names))
    tags = _tag_files(bag_dir)
    for name in tags:
        check_name(name)
    _write_text(bag_dir / TAG_MANIFEST, _manifest_text(bag_dir, tags))
    log.info("bagged %s: %d files, %d bytes", bag_dir, len(names), octets)
    return manifest


def _read_manifest(bag_dir: Path, name: str, problems: list[str]) -> dict[str, str]:
    """Path -> checksum from a manifest, noting malformed lines and paths leaving the bag."""
    entries: dict[str, str] = {}
    text = (bag_dir / name).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(Message("{manifest} line {line} is malformed",
                                       manifest=name, line=number))
            continue
        checksum, path = match.group(1).lower(), match.group(2)
        parts = Path(path).parts
        if path.startswith("/") or ".." in parts:
            problems.append(Message("{manifest} names a file outside the bag: {name}",
                                       manifest=name, name=path))
            continue
        entries[path] = checksum
    return entries


def _check_entries(bag_dir: Path, manifest: str, entries: dict[str, str],
                   present: list[str], problems: list[str]) -> None:
    """Missing, changed and (against ``present``) unlisted files for one manifest."""
    for name, expected in sorted(entries.items()):
        path = bag_dir / name
        if not path.is_file():
            problems.append(Message("Missing file: {name}", name=name))
        elif sha256_file(path) != expected:
            problems.append(Message("Changed file (checksum differs): {name}", name=name))
    for name in present:
        if name not in entries:
            problems.append(Message("File not in {manifest}: {name}",
                                       manifest=manifest, name=name))


def verify(bag_dir: Path) -> list[str]:
    """Every problem with a bag (missing, extra or changed files, bad tag files); empty when the
    bag is complete and valid. Problems are :class:`Message` strings."""
    bag_dir = Path(bag_dir)
    problems: list[str] = []
    for required in ("bagit.txt", MANIFEST):
        if not (bag_dir / required).is_file():
            problems.append(Message("Missing tag file: {name}", name=required))
    if problems:
        return problems
    if (bag_dir / "bagit.txt").read_text(encoding="utf-8", errors="replace") != BAGIT_TXT:
        problems.append(Message("bagit.txt does not declare BagIt 1.0 in UTF-8"))
    payload = _payload_files(bag_dir) if (bag_dir / PAYLOAD_DIR).is_dir() else []
    entries = _read_manifest(bag_dir, MANIFEST, problems)
    for name in entries:
        if not name.startswith(f"{PAYLOAD_DIR}/"):
            problems.append(Message("{manifest} names a file outside the bag: {name}",
                                       manifest=MANIFEST, name=name))
    _check_entries(bag_dir, MANIFEST, entries, payload, problems)
    oxum = _bag_info(bag_dir).get("Payload-Oxum")
    if oxum is not None:
        octets = sum((bag_dir / n).stat().st_size for n in payload)
        if oxum != f"{octets}.{len(payload)}":
            problems.append(Message("Payload-Oxum is {declared}; the payload is {actual}",
                                       declared=oxum, actual=f"{octets}.{len(payload)}"))
    if (bag_dir / TAG_MANIFEST).is_file():
        tag_entries = _read_manifest(bag_dir, TAG_MANIFEST, problems)
        _check_entries(bag_dir, TAG_MANIFEST, tag_entries, _tag_files(bag_dir), problems)
    for problem in problems:
        log.warning("bag %s: %s", bag_dir, problem)
    return problems


def _bag_info(bag_dir: Path) -> dict[str, str]:
    """bag-info.txt as a dict (first value wins; continuation lines are joined)."""
    path = bag_dir / "bag-info.txt"
    if not path.is_file():
        return {}
    fields: dict[str, str] = {}
    last: str | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line[:1] in (" ", "\t") and last is not None:
            fields[last] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            fields.setdefault(last, value.strip())
    return fields


def _name_words(text: str, what: str) -> list[str]:
    """One part of a delivery name as ASCII capital words ("Phóng sự" -> ["PHONG", "SU"])."""
    words = re.sub(r"[^a-z0-9]+", " ", fold(text)).upper().split()
    if not words:
        raise ValidationError("The {part} has no letters or digits for a file name: {text}",
                              part=what, text=text)
    return words


def delivery_name(unit: str, genre: str, title: str, ext: str,
                  *, max_stem: int = DELIVERY_STEM_MAX) -> str:
    """``UNIT_GENRE_TITLE.ext`` in ASCII capitals without diacritics (VTV festival rules, see
    docs/standards.md): "Lai Châu", "Phóng sự", "Mùa đào" -> "LAI_CHAU_PHONG_SU_MUA_DAO.mp4".
    The title is cut at a word boundary so the stem stays within max_stem characters."""
    extension = ext.lower().lstrip(".")
    if not _EXT.match(extension):
        raise ValidationError("File extension must be 1-8 ASCII letters or digits: {ext}",
                              ext=ext)
    head = "_".join(_name_words(unit, "unit") + _name_words(genre, "genre"))
    if len(head) + 2 > max_stem:
        raise ValidationError("Unit and genre leave no room for the title in {limit} characters",
                              limit=max_stem)
    stem = head
    for word in _name_words(title, "title"):
        if len(stem) + 1 + len(word) > max_stem:
            if stem == head:  # one very long first word: cut it rather than drop the title
                stem = f"{stem}_{word}"[:max_stem]
            break
        stem = f"{stem}_{word}"
    return f"{stem}.{extension}"
