"""For WSGI servers: `gunicorn -w 4 -b 127.0.0.1:8050 explorer.app.wsgi:server`.

Each worker process builds its own app (and its own sandbox workers); they share nothing, so any worker
can answer any request: a session's state travels with the browser's requests.
"""
from __future__ import annotations

from explorer.app import create_app

app = create_app(warm=True)
server = app.server
