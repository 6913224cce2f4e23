"""What more than one app needs: the gateway every channel's messages pass
(typed button labels, answers to the team, live chats), the Rasa client,
Redis state, rate limits, client addresses behind proxies, photo intake,
the expiry of live chats and photos, and the outbox's delivery (Telegram's
and e-mail's deliverers share it)."""
