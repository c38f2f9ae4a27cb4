"""`GET /os/device/information`: the machine a model must fit on.

Memory figures are bytes (an inference: the SDK types them as plain numbers). A GPU is reported
able to run LLMs when it has at least `LLM_GPU_MIN_GB` of memory, and `dependencies.vulkan` is
true when there is a GPU at all (both our choices).
"""

from .wire import EMBEDDED_SCHEMA, GIGABYTE

LLM_GPU_MIN_GB = 4
DEVICE_NAME = "simulated-workstation"
OS_VERSION = "Ubuntu 24.04.1 LTS"
CPU = {
    "name": "Simulated x86-64 CPU, 8 cores",
    "cores": 8,
    "clock_cycle_speed": 3.6,
    "shared_memory": False,
}


def parse_gpu(spec: str) -> tuple[str, float]:
    """`NAME:GB` (e.g. `NVIDIA GeForce RTX 4070:12`) as (name, memory in GB)."""
    name, colon, size = spec.rpartition(":")
    try:
        memory_gb = float(size)
    except ValueError:
        memory_gb = -1.0
    if not colon or not name.strip() or not 0 < memory_gb < 10_000:
        raise ValueError(f"a GPU is NAME:GB with a positive size, e.g. 'RTX 4070:12', not {spec!r}")
    return name.strip(), memory_gb


def device_information(memory_gb: float, gpus: tuple[tuple[str, float], ...]) -> dict:
    """The `OSDeviceInformationReturnable` of a machine with this RAM and these GPUs."""
    return {
        "name": DEVICE_NAME,
        "version": OS_VERSION,
        "hardware": {
            "ram": {"memory": round(memory_gb * GIGABYTE), "schema": EMBEDDED_SCHEMA},
            "gpus": [
                {
                    "name": name,
                    "memory": round(gpu_gb * GIGABYTE),
                    "shared_memory": False,
                    "capabilities": {"llm": gpu_gb >= LLM_GPU_MIN_GB},
                }
                for name, gpu_gb in gpus
            ],
            "cpus": [CPU],
        },
        "dependencies": {"vulkan": bool(gpus)},
        "schema": EMBEDDED_SCHEMA,
    }
