"""How the panel is served and watched: gunicorn's settings (``gunicorn_conf``), running
gunicorn from the ``pieces-admin`` command (``server``), and the ``/healthz`` route (``health``)."""
