"""scripts/shared/workflows/frame.py on a real database: the claim/charge skeleton both engines share, and the unfinished
campaigns the engines finish themselves."""
import argparse

import pytest

from scripts.shared.workflows import frame
from scripts.shared.core.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK
from scripts.shared.core.errors import ServiceError
from scripts.shared.dam.dam_types import Campaign
from scripts.shared.workflows.runtime import Runtime


@pytest.fixture
def rt(db_config, database, tmp_path):
    config = {"database": db_config, "transfer": {"lease_seconds": 60, "backoff_base_seconds": 60,
                                                  "backoff_max_seconds": 3600, "temp_dir": str(tmp_path)}}
    runtime = Runtime(config, argparse.Namespace(campaign_id=None, dry_run=False), "a1_a2")
    runtime.db = database
    yield runtime


def frame_row(database, campaign_id):
    from scripts.shared.store import report_store
    return next(r for r in report_store.failing_campaigns(database) if r["campaign_id"] == campaign_id)


CAMPAIGN = [Campaign(campaign_id="LC-2026-0001", folder_id="f1", name="One")]


def test_a_failure_inside_claimed_is_charged_to_the_campaign_and_alerted_once(rt, database):
    lease, code = frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting")
    assert lease is not None and code is None
    alerts = []
    with frame.Claimed(rt, lease, lambda exc, row: alerts.append((str(exc), row["attempts"]))) as work:
        raise ServiceError("DAM", "the DAM is down", retryable=True)
    assert work.code == EXIT_FAILED
    assert len(alerts) == 1 and "the DAM is down" in alerts[0][0] and alerts[0][1] == 1
    row = frame_row(database, "LC-2026-0001")
    assert row["attempts"] == 1 and "the DAM is down" in row["last_error"] and row["next_attempt_at"]


def test_claim_says_busy_while_another_run_holds_the_campaign_and_waiting_during_the_back_off(rt, database):
    held, _ = database.claim_campaign("a1_a2", CAMPAIGN, "other-run")
    assert held is not None
    assert frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting") == (None, EXIT_BUSY)
    database.finish_campaign(held, "failed", error="boom")
    assert frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting") == (None, EXIT_OK)


def test_unfinished_campaigns_come_back_claimed_and_a_failure_to_finish_keeps_them_finishing(rt, database):
    lease, _ = frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting")
    with frame.Claimed(rt, lease, lambda exc, row: None) as work:
        database.mark_finishing(lease)
    assert work.code == EXIT_OK
    database.finish_campaign(lease, "notify_pending", error="mail down")
    found = list(frame.unfinished(rt))
    assert [row["campaign_id"] for _, row in found] == ["LC-2026-0001"]
    again, row = found[0]
    with frame.finishing(rt, again, row):
        raise ServiceError("SMTP", "mail still down")
    assert database.unfinished_campaigns("a1_a2")[0]["campaign_id"] == "LC-2026-0001"
    assert list(frame.unfinished(rt))  # still owed: the next run tries again


# -- the tick frame: the one alert, through the collaborators the engine names; no ping (cli.run_main pings the job,
# tests/unit/test_cli.py, so a tick is never pinged twice) -----------------------------------------------------------
class Mailbox(object):
    """A notifier class as an engine names it (Clients): records what the tick sent."""
    sent = []

    @classmethod
    def for_tick(cls, rt):
        return cls()

    def send_email(self, template, campaign_id, context, extra_recipients=(), dedupe_key=None):
        Mailbox.sent.append((template, context["error"]))
        return "sent"


@pytest.fixture
def tick_config(db_config, tmp_path):
    from sandbox.webhook_receiver import WebhookReceiver
    receiver = WebhookReceiver().start()
    Mailbox.sent = []
    yield {"database": db_config, "transfer": {"lease_seconds": 60, "backoff_base_seconds": 60,
                                               "backoff_max_seconds": 3600, "temp_dir": str(tmp_path / "tmp")},
           "notifications": {"healthcheck_url": receiver.server.url + "/ping/{job}", "channel_failure_ticks": 3,
                             "state_dir": str(tmp_path / "state")}}, receiver
    receiver.server.stop()


def tick(config, dry_run=False):
    from scripts.shared.workflows.runtime import Clients
    return frame.Frame(config, argparse.Namespace(campaign=None, dry_run=dry_run), "a1_a2",
                       Clients(dam=None, box=None, notifier=Mailbox))


def test_a_tick_ends_with_the_code_the_engine_set_and_sends_no_ping_of_its_own(tick_config):
    config, receiver = tick_config
    with tick(config) as t:
        t.start()
        t.code = EXIT_BUSY
    assert t.code == EXIT_BUSY and Mailbox.sent == []
    assert receiver.events == []  # the job's pings are cli.run_main's (one owner)


def test_a_tick_that_cannot_do_its_work_alerts_once_and_pings_exit_1(tick_config):
    config, receiver = tick_config
    with tick(config) as t:
        t.start()
        raise ServiceError("DAM", "the DAM is down", retryable=True)
    assert t.code == EXIT_FAILED and receiver.events == []
    assert len(Mailbox.sent) == 1 and Mailbox.sent[0][0] == "run_error" and "the DAM is down" in Mailbox.sent[0][1]


def test_an_interrupted_tick_lets_the_interrupt_go_on_to_run_main(tick_config):
    config, receiver = tick_config
    with pytest.raises(KeyboardInterrupt):
        with tick(config) as t:
            t.start()
            raise KeyboardInterrupt()
    assert Mailbox.sent == [] and receiver.events == []


def test_a_dry_run_tick_sends_no_ping(tick_config):
    config, receiver = tick_config
    with tick(config, dry_run=True) as t:
        t.start()
    assert receiver.events == [] and t.code == EXIT_OK
