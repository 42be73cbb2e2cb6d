"""The runbook's tools and the Grafana dashboards as addresses, with the incident's time range."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path

from modulo_watch.config import GrafanaDashboard
from modulo_watch.incident.links import Link, dashboard_links, is_web_address, runbook_links
from modulo_watch.incident.runbook import load_runbook, parse_runbook
from tests.fakes import EPOCH

SEED = Path(__file__).resolve().parents[1] / "data" / "incident-response-runbook.md"


def test_the_shipped_runbook_tools_have_addresses_or_say_what_to_fill_in() -> None:
    links = runbook_links(load_runbook())
    by_name = {link.name: link for link in links}
    assert by_name["Grafana"] == Link(
        "Monitoring and Alerting", "Grafana", "https://grafana.modulo.example.com"
    )
    assert by_name["CI/CD Pipeline"].url is None and by_name["CI/CD Pipeline"].note == "Pipeline URL"
    assert (
        by_name["Incident Slack Channel"].url is None
        and by_name["Incident Slack Channel"].note == "#incidents"
    )


def test_the_seed_runbook_loads_its_tools_too() -> None:
    assert any(link.group == "Monitoring and Alerting" for link in runbook_links(load_runbook(SEED)))


def test_a_dashboard_opens_on_the_incident() -> None:
    start, end = EPOCH, EPOCH + timedelta(minutes=42)
    dashboards = [GrafanaDashboard("modulo-api", "api-red")]
    (link,) = dashboard_links("https://grafana.example.com/", dashboards, start, end)
    since = int((start - timedelta(minutes=15)).timestamp() * 1000)
    until = int(end.timestamp() * 1000)
    assert link.url == f"https://grafana.example.com/d/api-red?from={since}&to={until}"
    (open_link,) = dashboard_links("https://grafana.example.com", dashboards, start, None)
    assert open_link.url is not None and open_link.url.endswith("&to=now")


def test_without_a_grafana_address_dashboards_say_how_to_set_it() -> None:
    (link,) = dashboard_links(None, [GrafanaDashboard("modulo-api", "api-red")], EPOCH, None)
    assert link.url is None and link.note == "set [grafana] url"


def test_only_web_addresses_are_links() -> None:
    shipped = resources.files("modulo_watch.incident.runbooks").joinpath("modulo.md").read_text("utf-8")
    hostile = (
        "## Tools and Resources\n\n### Hostile\n"
        "- **A:** javascript:alert(1)\n- **B:** http://[oops\n- **C:** https://ok.example.com/x\n\n"
    )
    text = shipped.replace("## Tools and Resources\n\n", hostile, 1)
    links = [link for link in runbook_links(parse_runbook(text, "hostile.md")) if link.group == "Hostile"]
    assert [link.url for link in links] == [None, None, "https://ok.example.com/x"]
    assert not is_web_address("file:///etc/passwd")
