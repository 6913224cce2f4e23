"""What the apps share: the Rasa client, Redis state, rate limits, proxy addresses."""
