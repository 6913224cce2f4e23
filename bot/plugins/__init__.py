"""Plugins that Rasa loads by name: tracker store, lock store, REST channel, graph runner."""
