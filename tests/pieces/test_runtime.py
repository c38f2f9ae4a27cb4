"""Reading ``OllamaStatus`` as the local runtime's state, with what Pieces OS says around it:
the recommendation, a required update the user must make by hand, the install or update under
way (its id, for cancelling it) and what may be asked now. Checked against the simulator's own
statuses, which the official SDK accepts (tests/simulator)."""

import pytest

from webapp.pieces.runtime import LocalRuntime
from webapp.simulator.ollama import CURRENT_VERSION, OUTDATED_VERSION, OllamaState


def read(state: str, **options) -> LocalRuntime:
    return LocalRuntime.from_raw(OllamaState(state, **options).status())


def test_ready_with_inference_not_recommended_says_so():
    runtime = read("installed", inference_recommended=False)
    assert (runtime.state, runtime.inference_recommended) == ("ready", False)
    assert runtime.state_text == (
        "ready · Pieces OS does not recommend local inference on this machine"
    )
    assert read("installed").state_text == "ready"


def test_a_user_managed_update_is_one_to_make_by_hand():
    runtime = read("update-required", user_managed=True)
    assert runtime.updates_by_hand and runtime.version == OUTDATED_VERSION
    assert runtime.state_text == "update required, by hand"
    assert runtime.explanation == (
        f"Ollama, which runs local models, must be updated to {CURRENT_VERSION} by hand: "
        "Pieces OS says it is managed by the user, so Pieces OS will not update it."
    )
    assert "update" not in runtime.available_actions
    managed_by_pieces_os = read("update-required")
    assert managed_by_pieces_os.explanation == (
        "Ollama, which runs local models, needs an update in Pieces OS."
    )
    assert managed_by_pieces_os.available_actions == ("update", "uninstall")


@pytest.mark.parametrize(
    "state, actions, running_kind",
    [
        ("installed", ("uninstall",), None),
        ("missing", ("install",), None),
        ("installing", ("cancel",), "install"),
        ("updating", ("cancel",), "update"),
    ],
)
def test_what_may_be_asked_in_each_state(state, actions, running_kind):
    runtime = read(state, percentage=10.0, running_id="d-1")
    assert runtime.available_actions == actions
    assert runtime.running_kind == running_kind
    assert runtime.running_id == ("d-1" if running_kind else None)


def test_a_deployment_under_way_without_an_id_cannot_be_cancelled():
    assert read("installing", percentage=5.0).available_actions == ()


@pytest.mark.parametrize(
    "raw",
    [
        {"installation": {"version": "1", "id": 7, "percentage": "x"}},
        {"installation": {"version": "1"}, "recommendation": {"inference": "no"}},
        {"installation": {"version": "1"}, "updateRequired": {"version": 2, "userManaged": 1}},
    ],
    ids=repr,
)
def test_odd_values_read_as_unsaid(raw):
    runtime = LocalRuntime.from_raw(raw)
    assert runtime.inference_recommended is None and not runtime.user_managed
    assert runtime.running_id is None and runtime.installed_version == "1"
