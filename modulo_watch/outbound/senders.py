"""Which outside systems this run can reach: one sender per configured destination, or the drill outbox."""

from __future__ import annotations

import httpx

from modulo_watch.config import Settings
from modulo_watch.outbound.delivery import Sender
from modulo_watch.outbound.drill import DrillOutbox
from modulo_watch.outbound.pagerduty import PagerDuty
from modulo_watch.outbound.pagerduty_events import PagerDutyEvents
from modulo_watch.outbound.slack_api import SlackBot
from modulo_watch.outbound.statuspage import Statuspage
from modulo_watch.outbound.webhook import WebhookSender

# Every sender's name: an outbox item's kind starts with one ("slack.post" goes to "slack").
SENDER_NAMES = ("slack", "webhook", "statuspage", "pagerduty", "pagerduty_events")


def build_senders(settings: Settings, client: httpx.AsyncClient, drill: bool) -> dict[str, Sender]:
    """The configured senders; in a drill every destination is the drill outbox and nothing leaves."""
    if drill:
        outbox = DrillOutbox()
        return dict.fromkeys(SENDER_NAMES, outbox)
    senders: dict[str, Sender] = {}
    slack, pagerduty, statuspage = settings.slack, settings.pagerduty, settings.statuspage
    if slack.bot_token is not None:
        senders["slack"] = SlackBot(client, slack.api_url, slack.bot_token)
    if slack.webhook_url is not None:
        senders["webhook"] = WebhookSender(client, slack.webhook_url)
    if statuspage.api_key is not None and statuspage.page_id is not None:
        senders["statuspage"] = Statuspage(client, statuspage.api_url, statuspage.page_id, statuspage.api_key)
    if pagerduty.api_token is not None:
        senders["pagerduty"] = PagerDuty(client, pagerduty.api_url, pagerduty.api_token, pagerduty.from_email)
    if pagerduty.routing_key is not None:
        senders["pagerduty_events"] = PagerDutyEvents(client, pagerduty.events_url, pagerduty.routing_key)
    return senders
