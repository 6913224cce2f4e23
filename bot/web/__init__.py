"""The public web app on port 8080: the demo pages and the chat widget with
its API (chat, photos, news, the live stream, deletion), the public board
(/vorschlaege), the unsubscribe page for news by e-mail, the Telegram
webhook, the staff app under /staff, and /healthz."""
