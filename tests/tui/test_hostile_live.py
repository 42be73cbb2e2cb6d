"""Hostile strings end to end: from the loopback API server, through the live collectors and their
decoders, to the terminal as inert text."""

from __future__ import annotations

from pathlib import Path

from modulo_watch.collectors.models import KubeEvent, Pod, SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import KubernetesSettings, Settings
from modulo_watch.widgets.table import VirtualTable
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.kube_server import FakeCluster, KubeServer
from tests.tui.support import custom_app, wait_until
from tests.tui.test_hostile import terminal_output


def hostile_cluster() -> FakeCluster:
    """A pod, a label and an event message carrying each hostile string."""
    cluster = FakeCluster.generate(pods=4, nodes=2, namespaces=["shop"], seed=7)
    for index, text in enumerate(HOSTILE_STRINGS):
        name = f"evil-{index}-{text}"
        cluster.add_pod("shop", name, health="crashloop", labels={"note": text})
        cluster.add_event(
            "shop", involved_kind="Pod", involved_name=name, reason=f"Evil{index}", message=f"{index} {text}"
        )
    return cluster


async def test_hostile_pods_and_events_from_the_api_are_inert_on_screen(tmp_path: Path) -> None:
    cluster = hostile_cluster()
    async with KubeServer(cluster) as server:
        settings = Settings(
            kubernetes=KubernetesSettings(kubeconfig=str(server.write_kubeconfig(tmp_path / "kc")))
        )
        app = custom_app(tmp_path, live_sources(settings), settings)
        async with app.run_test(size=(250, 70)) as pilot:
            pods: VirtualTable[Pod] = app.query_one("#pods-table", VirtualTable)
            events: VirtualTable[KubeEvent] = app.query_one("#events-table", VirtualTable)

            def all_shown() -> bool:
                evil_pods = [pod for pod in pods.rows if pod.name.startswith("evil-")]
                evil_events = [event for event in events.rows if event.reason.startswith("Evil")]
                return len(evil_pods) == len(evil_events) == len(HOSTILE_STRINGS)

            await wait_until(pilot, all_shown, "every hostile pod and event on screen")
            assert app.shows_data_of(SourceName.PODS)
            # The collectors keep the raw values: the API needs them as they are.
            assert {pod.name for pod in pods.rows} >= {f"evil-{i}-{t}" for i, t in enumerate(HOSTILE_STRINGS)}
            output = ""
            for key in "17":  # the pods, then the events in the pods' place
                await pilot.press(key)
                await pilot.pause()
                for _ in range(len(HOSTILE_STRINGS) // 20 + 1):  # every row passes through the screen
                    output += terminal_output(app)
                    await pilot.press("pagedown")
                    await pilot.pause()

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"
    assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"
