"""The ground of all three processes (web app, Rasa, action server): settings,
secrets, private files, logging, German formatting, and the protocol between
the actions and the channels. It imports nothing of the project's own."""
