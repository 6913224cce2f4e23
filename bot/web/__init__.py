"""The public web app on port 8080: the chat widget and its API, the Telegram
webhook, the staff app under /staff, and /healthz."""
