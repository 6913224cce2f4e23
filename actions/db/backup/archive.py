"""The backup file: a gzip-compressed tar of manifest.json and the database
copies, optionally encrypted with age (public keys, pyrage).

Written to a temporary file beside the target, synced and renamed: a backup
is either whole or not there. Read back, every member must be one the
manifest names, with the sha256 the manifest gives.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import tarfile
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyrage

from actions.db.backup import BackupError
from actions.db.backup.manifest import NAME as MANIFEST
from actions.db.backup.manifest import Manifest
from core.files import fsync_dir

# Photos (JPEG) do not compress; level 6 is gzip's default and twice as fast as 9.
COMPRESS_LEVEL = 6
AGE_MAGIC = b"age-encryption.org/"
FILE_NAME = re.compile(r"^smartcity-backup-(\d{8}T\d{6}Z)\.tar\.gz(\.age)?$")
STAMP = "%Y%m%dT%H%M%SZ"


def file_name(at: datetime, encrypted: bool) -> str:
    stamp = at.astimezone(timezone.utc).strftime(STAMP)
    return f"smartcity-backup-{stamp}.tar.gz" + (".age" if encrypted else "")


@contextlib.contextmanager
def _temporary_beside(target: Path, suffix: str) -> Iterator[Path]:
    """A new private file next to `target`, removed unless renamed."""
    path = target.with_name(f".{target.name}.{os.getpid()}{suffix}.tmp")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _recipients(keys: tuple[str, ...]) -> list:
    try:
        return [pyrage.x25519.Recipient.from_str(key) for key in keys]
    except pyrage.RecipientError as error:
        raise BackupError(f"BACKUP_RECIPIENT: not an age public key: {error}") from None


def write(
    target: Path,
    manifest: Manifest,
    members: dict[str, Path],
    recipients: tuple[str, ...] = (),
) -> None:
    """The backup file at `target` (0600): the manifest first, then `members`
    (name in the archive -> file), encrypted for `recipients` if any."""
    keys = _recipients(recipients)
    try:
        with _temporary_beside(target, ".tar") as plain:
            _pack(plain, manifest.to_json(), members)
            if not keys:
                plain.replace(target)
            else:
                with _temporary_beside(target, ".age") as sealed:
                    pyrage.encrypt_file(str(plain), str(sealed), keys)
                    with sealed.open("rb") as written:
                        os.fsync(written.fileno())
                    sealed.replace(target)
        fsync_dir(target.parent)
    except pyrage.EncryptError as error:
        raise BackupError(f"cannot encrypt the backup: {error}") from None
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror or error}") from None


def _pack(plain: Path, manifest: bytes, members: dict[str, Path]) -> None:
    with plain.open("wb") as out:
        packed = gzip.GzipFile(
            fileobj=out, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0
        )
        with packed, tarfile.open(fileobj=packed, mode="w|") as tar:
            _add(tar, MANIFEST, manifest)
            for name, path in members.items():
                with path.open("rb") as source:
                    tar.addfile(_info(name, path.stat().st_size), source)
        out.flush()
        os.fsync(out.fileno())


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    return info


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


# Reading ----------------------------------------------------------------------


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as source:
        return source.read(len(AGE_MAGIC)) == AGE_MAGIC


def read_identities(path: Path) -> list:
    """The age private keys in an identity file (as age-keygen writes it)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BackupError(f"cannot read the identity file {path}: {error}") from None
    keys = [
        line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")
    ]
    try:
        identities = [pyrage.x25519.Identity.from_str(key) for key in keys]
    except pyrage.IdentityError:
        identities = []
    if not identities:
        raise BackupError(f"{path} holds no age private key (AGE-SECRET-KEY-1...)")
    return identities


def open_backup(
    path: Path, workdir: Path, identity: Path | None
) -> tuple[Manifest, dict[str, Path]]:
    """Decrypt (if need be) and unpack `path` into `workdir`; the manifest
    and the database files, each checked against its sha256."""
    try:
        encrypted = is_encrypted(path)
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror or error}") from None
    source = path
    if encrypted:
        if identity is None:
            raise BackupError(
                f"{path} is encrypted: give the private key with --identity FILE"
            )
        source = workdir / "backup.tar.gz"
        try:
            pyrage.decrypt_file(str(path), str(source), read_identities(identity))
        except pyrage.DecryptError as error:
            raise BackupError(
                f"{path} cannot be decrypted with {identity}: {error} "
                "(another key, or a damaged file)"
            ) from None
    try:
        return _unpack(source, workdir)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(f"{path} is damaged: {error or 'cut short'}") from None
    except OSError as error:
        raise BackupError(f"cannot unpack {path}: {error.strerror or error}") from None
    finally:
        if encrypted:
            source.unlink(missing_ok=True)


def _unpack(source: Path, workdir: Path) -> tuple[Manifest, dict[str, Path]]:
    with gzip.open(source, "rb") as packed:
        manifest, found = _unpack_tar(packed, workdir)
        while packed.read(1 << 20):
            pass  # to the end: gzip checks its CRC of the whole file there
    return manifest, found


def _unpack_tar(packed, workdir: Path) -> tuple[Manifest, dict[str, Path]]:
    with tarfile.open(fileobj=packed, mode="r|") as tar:
        first = tar.next()
        if first is None or first.name != MANIFEST or not first.isfile():
            raise BackupError("the file is not a smartcity backup (no manifest)")
        manifest = Manifest.from_json(tar.extractfile(first).read())
        wanted = {d.member: d for d in manifest.databases}
        found: dict[str, Path] = {}
        while (member := tar.next()) is not None:
            stored = wanted.get(member.name)
            if stored is None or not member.isfile() or member.name in found:
                raise BackupError(
                    f"the backup holds an unexpected entry {member.name!r}"
                )
            target = workdir / member.name  # a name from the manifest: no path
            digest = hashlib.sha256()
            with tar.extractfile(member) as data, target.open("wb") as out:
                while chunk := data.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != stored.sha256:
                raise BackupError(
                    f"{member.name} in the backup does not match its checksum: "
                    "the file is damaged"
                )
            found[member.name] = target
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise BackupError(f"the backup lacks {', '.join(missing)}: it is incomplete")
    return manifest, found


# Keeping no more than BACKUP_KEEP_DAYS ----------------------------------------


def made_at(path: Path) -> datetime | None:
    match = FILE_NAME.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc)


def remove_older(directory: Path, keep_days: int, now: datetime) -> list[Path]:
    """Delete this tool's backups in `directory` older than `keep_days`, by
    the time in their name (a copy keeps the name, not always the mtime)."""
    cutoff = now - timedelta(days=keep_days)
    removed = []
    for path in sorted(directory.iterdir()):
        at = made_at(path)
        if at is not None and at < cutoff and path.is_file():
            path.unlink()
            removed.append(path)
    return removed
