"""How the panel is served and watched: gunicorn's settings (``gunicorn_conf``) and its worker
with a deadline for request headers (``worker``), running gunicorn from the ``pieces-admin``
command (``server``), and the ``/healthz`` route (``health``)."""
