"""The data layer: the ground every other layer builds on.

One module per aggregate (projects, events, suggestions, review, inbox,
notifications, accounts, audit), plus the content files, iCalendar import,
Rasa's tracker table, models, sessions and migrations. Nothing here imports
from the layers above (see README.md, "Architecture").
"""
