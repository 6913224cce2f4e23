"""The Rasa SDK custom actions, split by topic; `actions.server` serves them."""
