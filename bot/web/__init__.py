"""The public web app on port 8080: health, the Telegram webhook, and more to come."""
