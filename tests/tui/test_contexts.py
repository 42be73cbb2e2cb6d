"""Switching the Kubernetes context with ``k``: two loopback API servers behind one kubeconfig."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Pod, SourceName, SourceState
from modulo_watch.collectors.sources import Sources, live_sources
from modulo_watch.config import KubernetesSettings, Settings
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.contexts import ContextScreen
from modulo_watch.tui.top_bar import TopBar
from modulo_watch.widgets.table import VirtualTable
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.kube_server import FakeCluster, KubeContext, KubeServer, write_kubeconfig_contexts
from tests.tui.support import custom_app, drill_app, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

SIZE = (160, 48)


@dataclass
class TwoClusters:
    alpha: FakeCluster
    bravo: FakeCluster
    kubeconfig: Path


def small_cluster(name: str, seed: int) -> FakeCluster:
    cluster = FakeCluster.generate(pods=12, nodes=2, namespaces=["shop"], seed=seed)
    cluster.add_pod("shop", f"{name}-api")  # a pod only this cluster has, easy to look for
    return cluster


@pytest.fixture
async def clusters(tmp_path: Path) -> AsyncIterator[TwoClusters]:
    alpha, bravo = small_cluster("alpha", 1), small_cluster("bravo", 2)
    async with KubeServer(alpha) as alpha_server, KubeServer(bravo) as bravo_server:
        contexts = [
            KubeContext("alpha", alpha_server.url, alpha_server.token),
            KubeContext("bravo", bravo_server.url, bravo_server.token),
        ]
        yield TwoClusters(alpha, bravo, write_kubeconfig_contexts(tmp_path / "kubeconfig", contexts))


def live_app(tmp_path: Path, kubernetes: KubernetesSettings) -> WarRoomApp:
    settings = Settings(kubernetes=kubernetes)
    return custom_app(tmp_path, live_sources(settings), settings)


def pod_keys(app: WarRoomApp) -> set[str]:
    table: VirtualTable[Pod] = app.query_one("#pods-pane").query_one(VirtualTable)
    return {pod.key for pod in table.rows}


def server_pods(cluster: FakeCluster) -> set[str]:
    return {f"{namespace}/{name}" for namespace, name in cluster.keys("pods")}


def top_bar(app: WarRoomApp) -> str:
    return app.query_one(TopBar).text.plain


async def pick(pilot: Pilot[int], app: WarRoomApp, *keys: str) -> None:
    """Press ``k``; once the picker is up, press ``keys`` in it."""
    await pilot.press("k")
    await wait_until(pilot, lambda: isinstance(app.screen, ContextScreen), "the context picker")
    await pilot.press(*keys)


async def test_k_switches_every_kubernetes_pane_to_the_chosen_context(
    clusters: TwoClusters, tmp_path: Path
) -> None:
    app = live_app(tmp_path, KubernetesSettings(kubeconfig=str(clusters.kubeconfig), interval=0.2))
    alpha, bravo = server_pods(clusters.alpha), server_pods(clusters.bravo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pod_keys(app) == alpha, "alpha's pods")
        await wait_until(pilot, lambda: "context alpha" in top_bar(app), "the kubeconfig's current context")
        alpha_inspector = app.sources.pod_inspector()

        await pilot.press("k")
        await wait_until(pilot, lambda: "bravo" in screen_text(app), "the context picker")
        assert isinstance(app.screen, ContextScreen)
        lines = screen_text(app).splitlines()
        assert any("● alpha current" in " ".join(line.split()) for line in lines), "the current one marked"
        await pilot.press("down", "enter")

        await wait_until(pilot, lambda: pod_keys(app) == bravo, "bravo's pods")
        assert not pod_keys(app) & alpha
        assert "context bravo" in top_bar(app)
        assert "shop/bravo-api" in pod_keys(app) and "shop/alpha-api" not in pod_keys(app)
        kube = [runner.source for runner in app.sources.runners]  # the only sources configured here
        assert SourceName.NODES in kube
        await wait_until(pilot, lambda: all(app.shows_data_of(s) for s in kube), "every Kubernetes pane")
        collectors = [w.name for w in app.workers if w.group == "collectors" and w.is_running]
        assert sorted(collectors) == sorted(f"collector:{source}" for source in kube), "the old ones stopped"
        inspector = app.sources.pod_inspector()
        assert inspector is not None and inspector is not alpha_inspector
        assert (await inspector.describe("shop", "bravo-api")).name == "bravo-api"
        await inspector.aclose()


async def test_the_configured_contexts_are_offered_and_a_bad_one_is_the_panes_error(
    clusters: TwoClusters, tmp_path: Path
) -> None:
    kubernetes = KubernetesSettings(
        kubeconfig=str(clusters.kubeconfig), context="alpha", contexts=("bravo", "typo"), interval=0.2
    )
    app = live_app(tmp_path, kubernetes)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pod_keys(app) == server_pods(clusters.alpha), "alpha's pods")

        await pick(pilot, app, "down", "down", "enter")  # alpha (current, off the list), bravo, typo

        await wait_until(pilot, lambda: "context typo" in top_bar(app), "the top bar")

        def failed() -> bool:
            return "Invalid kube-config file" in str(app.query_one("#pods-pane").border_subtitle)

        await wait_until(pilot, failed, "the kubeconfig's error on the pods pane")
        status = app.sources.hub.status(SourceName.PODS)
        assert status is not None and "typo" in (status.last_error or "")
        assert pod_keys(app) == set(), "nothing of alpha's stays"
        assert app.sources.hub.snapshot(SourceName.PODS) is None

        await pick(pilot, app, "up", "enter")  # back to bravo
        await wait_until(pilot, lambda: pod_keys(app) == server_pods(clusters.bravo), "bravo's pods")
        status = app.sources.hub.status(SourceName.PODS)
        assert status is not None and status.state is SourceState.LIVE


async def test_escape_keeps_the_current_context(clusters: TwoClusters, tmp_path: Path) -> None:
    app = live_app(tmp_path, KubernetesSettings(kubeconfig=str(clusters.kubeconfig), interval=0.2))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pod_keys(app) == server_pods(clusters.alpha), "alpha's pods")
        runners = list(app.sources.runners)

        await pick(pilot, app, "escape")

        await wait_until(pilot, lambda: not isinstance(app.screen, ContextScreen), "the war room")
        assert app.sources.kube_context == "alpha"
        assert app.sources.runners == runners
        assert pod_keys(app) == server_pods(clusters.alpha)


async def test_a_missing_kubeconfig_says_so_instead_of_a_picker(tmp_path: Path) -> None:
    app = live_app(tmp_path, KubernetesSettings(kubeconfig=str(tmp_path / "absent"), interval=0.2))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")
        [notification] = app._notifications
        assert notification.title == "No contexts to switch to"
        assert notification.message.endswith("absent: no such kubeconfig")
        assert not isinstance(app.screen, ContextScreen)


@pytest.mark.parametrize("drill", [True, False])
async def test_without_a_cluster_the_key_is_hidden_and_does_nothing(tmp_path: Path, drill: bool) -> None:
    app = drill_app(tmp_path) if drill else live_app(tmp_path, KubernetesSettings())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await pilot.pause()

        assert not isinstance(app.screen, ContextScreen)
        assert all(active.binding.id != "switch-context" for active in app.active_bindings.values())
        assert " context " not in top_bar(app)


@pytest.mark.parametrize("start", range(0, len(HOSTILE_STRINGS), 10))
async def test_hostile_context_names_are_inert_in_the_top_bar_and_the_picker(
    tmp_path: Path, start: int
) -> None:
    names = HOSTILE_STRINGS[start : start + 10]  # context names come from a kubeconfig file
    sources = Sources(hub=Hub(), clock=SystemClock())
    app = custom_app(tmp_path, sources)
    output = ""
    async with app.run_test(size=(120, 30)) as pilot:
        for name in names:
            sources.kube_context = name
            app._tick()  # the top bar's once-a-second repaint, now
            await pilot.pause()
            output += terminal_output(app)
        app.push_screen(ContextScreen(names, names[0]))
        await wait_until(pilot, lambda: isinstance(app.screen, ContextScreen), "the picker")
        await pilot.pause()
        output += terminal_output(app)

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal from a context name"
