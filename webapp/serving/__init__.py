"""How the panel is served and watched: gunicorn's settings (``gunicorn_conf``: one gevent worker,
which closes the pages' live sockets on shutdown), running gunicorn from the ``pieces-admin``
command (``server``), the open-file limit (``limits``), the addresses to open (``addresses``) and
the ``/healthz`` route (``health``)."""
