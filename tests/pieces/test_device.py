"""Reading the machine from ``GET /os/device/information``: leniently, unknown when unsaid."""

import pytest

from webapp.pieces.device import Device, Gpu, memory_use, unload_to_fit
from webapp.pieces.model import Model
from webapp.simulator.device import device_information

GB = 1_000_000_000


def test_reads_what_the_simulator_serves():
    device = Device.from_raw(device_information(24, (("RTX 4070", 12), ("Tiny", 2))))
    assert device.name == "simulated-workstation" and device.ram_bytes == 24 * GB
    assert device.gpus == (Gpu("RTX 4070", 12 * GB, True), Gpu("Tiny", 2 * GB, False))


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "x",
        {},
        {"hardware": None},
        {"hardware": {"ram": {"memory": "lots"}, "gpus": "none"}},
        {"hardware": {"ram": {"memory": float("nan")}}},
        {"hardware": {"ram": {"memory": -1}}},
    ],
    ids=repr,
)
def test_anything_missing_or_odd_is_unknown(raw):
    device = Device.from_raw(raw)
    assert (device.ram_bytes, device.gpus) == (None, None)


def test_a_partial_gpu_keeps_what_it_says():
    device = Device.from_raw({"hardware": {"gpus": [{"name": "A"}, "junk", {"memory": 8 * GB}]}})
    assert device.gpus == (Gpu("A", None, None), Gpu(None, 8 * GB, None))


def model(ram_gb: float, loaded: bool = False) -> Model:
    return Model.from_raw(
        {
            "id": f"m{ram_gb}{loaded}",
            "name": "m",
            "cloud": False,
            "downloaded": True,
            "loaded": loaded,
            "ram": {"value": int(ram_gb * GB), "readable": ""},
        }
    )


def test_shortfall_is_what_a_model_needs_beyond_what_is_left():
    use = memory_use(Device(ram_bytes=16 * GB), [model(10, loaded=True)])
    assert (use.used, use.left) == (10 * GB, 6 * GB)
    assert use.shortfall(model(8)) == 2 * GB
    assert use.shortfall(model(6)) is None  # fits exactly
    assert memory_use(None, [model(10, loaded=True)]).shortfall(model(80)) is None  # unknown


def test_over_is_what_the_loaded_models_take_beyond_the_ram():
    assert memory_use(Device(ram_bytes=4 * GB), [model(5.8, loaded=True)]).over == 1.8 * GB
    assert memory_use(Device(ram_bytes=16 * GB), [model(5.8, loaded=True)]).over is None
    assert memory_use(None, [model(5.8, loaded=True)]).over is None


def test_unload_to_fit_picks_the_smallest_that_frees_enough_alone():
    models = [model(6, loaded=True), model(3, loaded=True), model(2.5, loaded=True)]
    use = memory_use(Device(ram_bytes=9 * GB), models)  # 2.5 GB over
    assert [m.ram_bytes for m in unload_to_fit(use, models)] == [2.5 * GB]


def test_unload_to_fit_takes_the_largest_first_when_none_is_enough_alone():
    models = [model(3, loaded=True), model(2, loaded=True), model(1, loaded=True)]
    use = memory_use(Device(ram_bytes=1 * GB), models)  # 5 GB over
    assert [m.ram_bytes for m in unload_to_fit(use, models)] == [3 * GB, 2 * GB]
    assert unload_to_fit(memory_use(Device(ram_bytes=16 * GB), models), models) == []
