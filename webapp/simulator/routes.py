"""Short names of the Model API routes.

The request counter, the fault table and the blueprint's endpoints all use these names, so a
test can say "delay `download`" or "no `load` reached the simulator" without spelling URLs.
"""

ROUTE_KEYS = (
    "list",
    "get",
    "download",
    "cancel",
    "load",
    "unload",
    "update",
    "progress",
    "health",
    "version",
    "delete_cache",
    "unload_all",
    "create",
    "delete",
    "identifiers",
    "device",
    "ollama_status",
    "ollama_stream",
    "ollama_install",
    "ollama_update",
    "ollama_uninstall",
    "ollama_cancel",
)

#: Counter key for requests that matched no route (wrong path or method).
UNMATCHED_KEY = "other"
