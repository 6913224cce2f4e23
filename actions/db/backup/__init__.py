"""Backups of the city's database and Rasa's conversations, and restores.

One compressed file (optionally encrypted for age public keys) holds each
database and a manifest (manifest.py); archive.py writes and reads it,
sqlite.py and postgres.py copy a database out and back in, make.py is
`smartcity backup` and restore.py `smartcity restore` (and its --check).
docs/operations.md tells the operator how to use them.
"""


class BackupError(RuntimeError):
    """Why a backup or a restore cannot go on, in one line for the operator."""
