"""Guards every request and response passes: the key that signs sessions (``secret``), allowed
host names (``hosts``), a trusted reverse proxy's headers (``proxy``), the origin of a live
socket's handshake (``origin``), the CSRF token of every change (``csrf``), and the security
headers of every answer (``headers``)."""
