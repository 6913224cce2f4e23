"""The staff review app under /staff: inbox, answers, export, dashboard, content."""
