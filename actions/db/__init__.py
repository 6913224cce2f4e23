"""The data layer, on the ground of core/.

One module per aggregate (projects, events, suggestions, supports, review,
inbox, board, similar, notifications, threads, live chats, callbacks,
ratings, photos, accounts, audit, personal data, the NLU review, stats),
plus the import of the content files, iCalendar import, Rasa's tracker
table, models, sessions and migrations. Nothing here imports from the
layers above (see README.md, "Architecture").
"""
