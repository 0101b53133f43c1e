"""`/__sandbox/hold`: the chosen call is processed and counted, its answer kept until the test releases it.

The crash tests kill a connector while the sandbox holds the answer to a committed write (hold.py says
why); these tests pin the contract they rely on, on the credential-free Autotask zone lookup.
"""

from __future__ import annotations

import threading

import requests
from sandbox.launcher import RunningSandbox

ZONE = "/atservicesrest/v1.0/zoneInformation"


def _zone(sandbox: RunningSandbox) -> int:
    url = f"{sandbox.autotask_root}{ZONE}"
    return requests.get(url, params={"user": sandbox.autotask["username"]}, timeout=60).status_code


def _hold_status(sandbox: RunningSandbox, wait: float = 0) -> dict[str, object]:
    url = f"{sandbox.autotask_root}/__sandbox/hold"
    status: dict[str, object] = requests.get(url, params={"wait": wait}, timeout=60).json()
    return status


def _zone_calls(sandbox: RunningSandbox) -> int:
    stats = sandbox.admin("autotask", "stats")
    return sum(int(c["count"]) for c in stats["calls"] if c["path"].endswith("zoneInformation"))


def _in_thread(sandbox: RunningSandbox) -> tuple[threading.Thread, list[int]]:
    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(_zone(sandbox)), daemon=True)
    thread.start()
    return thread, answers


def test_the_nth_matching_call_is_answered_only_when_released(sandbox: RunningSandbox) -> None:
    armed = sandbox.admin("autotask", "hold", {"after": 2, "methods": ["GET"], "path_prefix": ZONE})
    assert armed["armed"] and not armed["holding"]
    assert _zone(sandbox) == 200  # the first one goes through
    thread, answers = _in_thread(sandbox)
    status = _hold_status(sandbox, wait=30)
    assert status["holding"] and status["held"] == f"GET {ZONE}"
    assert thread.is_alive() and not answers, "the held call must not be answered yet"
    assert _zone_calls(sandbox) == 2, "the held call is already processed and counted"
    assert _zone(sandbox) == 200, "only one call is held; others go on"
    sandbox.admin("autotask", "hold", {"release": True})
    thread.join(30)
    assert answers == [200]
    assert _hold_status(sandbox) == {"armed": False, "holding": False}


def test_reset_releases_a_held_call(sandbox: RunningSandbox) -> None:
    sandbox.admin("autotask", "hold", {"after": 1, "methods": ["GET"], "path_prefix": ZONE})
    thread, answers = _in_thread(sandbox)
    assert _hold_status(sandbox, wait=30)["holding"]
    sandbox.reset()
    thread.join(30)
    assert answers == [200]
    assert not _hold_status(sandbox)["armed"]


def test_a_forgotten_hold_lets_go_after_max_seconds(sandbox: RunningSandbox) -> None:
    rule = {"after": 1, "methods": ["GET"], "path_prefix": ZONE, "max_seconds": 0.2}
    sandbox.admin("autotask", "hold", rule)
    assert _zone(sandbox) == 200


def test_non_matching_calls_are_not_counted(sandbox: RunningSandbox) -> None:
    sandbox.admin("autotask", "hold", {"after": 1, "methods": ["POST"], "path_prefix": ZONE})
    assert _zone(sandbox) == 200
    assert _hold_status(sandbox)["seen"] == 0


def test_a_bad_rule_is_a_400(sandbox: RunningSandbox) -> None:
    url = f"{sandbox.autotask_root}/__sandbox/hold"
    assert requests.post(url, json={"after": 0}, timeout=30).status_code == 400
    assert requests.post(url, json={}, timeout=30).status_code == 400
