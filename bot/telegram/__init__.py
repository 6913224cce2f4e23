"""Telegram channel on python-telegram-bot: a bridge to Rasa's REST channel."""
