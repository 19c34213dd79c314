"""The browser app: `create_app()` returns a Dash app; `explorer serve` (or gunicorn) serves it.

    from explorer.app import create_app
    create_app().run(host="127.0.0.1", port=8050)

    gunicorn -w 4 -b 127.0.0.1:8050 explorer.app.wsgi:server      # several workers: no shared state

Every script and style is served from this machine (serve_locally, assets/ from explorer.assets): the page
needs no network. The state of a session lives in the browser (dcc.Store, the URL), never in the server.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


def create_app(*, title: str = "Autograd Explorer", warm: bool = False, url_base_pathname: str | None = None,
               limits: Any = None, **dash_options: Any):
    """A new Dash app. `warm=True` starts the sandbox's workers in the background, so the first run is quick.
    `limits` (an explorer.Limits or a dict) bound every run; by default they come from EXPLORER_* environment
    variables (see explorer.config.limits_from_env), else the defaults.

    Other keyword arguments go to dash.Dash (e.g. requests_pathname_prefix behind a proxy)."""
    import dash

    from explorer.app import browser, callbacks
    from explorer.app.layout import build_layout
    from explorer.assets import assets_folder

    def on_error(err: Exception) -> None:  # whatever a callback raises, the page keeps working
        log.error("callback failed: %s: %s", type(err).__name__, err, exc_info=err)

    options: dict[str, Any] = {
        "title": title,
        "update_title": None,
        "serve_locally": True,
        "assets_folder": str(assets_folder()),
        "assets_ignore": r".*\.map$",
        "suppress_callback_exceptions": False,
        "on_error": on_error,
        "meta_tags": [{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                      {"name": "description", "content": "See the autograd graph of a small PyTorch program."}],
    }
    if url_base_pathname:
        options["url_base_pathname"] = url_base_pathname
    options.update(dash_options)
    app = dash.Dash(__name__, **options)
    from explorer.config import Limits, limits_from_env

    limits = limits_from_env() if limits is None else Limits.from_any(limits)
    browser.install(app, limits)  # the page learns the limits too: the editor refuses an over-long paste
    app.layout = build_layout()
    callbacks.set_limits(limits)
    callbacks.register(app)
    if warm:
        threading.Thread(target=_warm, name="explorer-warm", daemon=True).start()
    return app


def _warm() -> None:
    try:
        from explorer.sandbox import default_pool

        default_pool().wait_ready(timeout=60)
    except Exception:
        log.exception("could not start the sandbox workers ahead of time")


def server(*args: Any, **kwargs: Any):
    """A Flask server factory for gunicorn: `gunicorn 'explorer.app:server()'`."""
    return create_app(warm=True).server


__all__ = ["create_app", "server"]
