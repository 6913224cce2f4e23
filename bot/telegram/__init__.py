"""Telegram channel on python-telegram-bot: a bridge to Rasa's REST channel."""

import os

# python-telegram-bot 22 deprecates durations in plain seconds; opt in to the
# timedelta ones of its next major version (bot/telegram/delivery.py takes both).
os.environ.setdefault("PTB_TIMEDELTA", "1")
