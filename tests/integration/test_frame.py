"""scripts/shared/workflows/frame.py on a real database: the claim/charge skeleton both engines share, and the unfinished
campaigns the engines finish themselves."""
import argparse

import pytest

from scripts.shared.store import leases
from scripts.shared.workflows import frame
from scripts.shared.core.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK
from scripts.shared.core.errors import ServiceError
from scripts.shared.dam.dam_types import Campaign
from scripts.shared.workflows.runtime import Runtime
from scripts.shared.workflows.workflow_specs import A1_TO_A2


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
SPEC = A1_TO_A2


def test_a_failure_inside_claimed_is_charged_to_the_campaign_and_alerted_once(rt, database):
    lease, code = frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting")
    assert lease is not None and code is None
    alerts = []
    job = frame.Job(SPEC, rt, lease, CAMPAIGN[0])
    with frame.Claimed(job, lambda job, exc, state: alerts.append((job.campaign_id, str(exc), state.attempts))) as got:
        assert got is job and got.campaign.name == "One" and got.spec is SPEC
        raise ServiceError("DAM", "the DAM is down", retryable=True)
    assert job.code == EXIT_FAILED
    assert len(alerts) == 1 and alerts[0][0] == "LC-2026-0001" and "the DAM is down" in alerts[0][1]
    assert alerts[0][2] == 1
    row = frame_row(database, "LC-2026-0001")
    assert row["attempts"] == 1 and "the DAM is down" in row["last_error"] and row["next_attempt_at"]
    with database.cursor() as cur:
        cur.execute("SELECT workflow, campaign_id, event_type, level FROM asset_events")
        assert [tuple(r.values()) for r in cur.fetchall()] == [("a1_a2", "LC-2026-0001", "campaign_failed", "error")]


def test_job_events_carry_the_claimed_workflow_and_campaign_and_tick_events_none(rt, database):
    lease, _ = frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting")
    with frame.Claimed(frame.Job(SPEC, rt, lease, CAMPAIGN[0]), lambda job, exc, state: None) as job:
        job.event("asset_delivered", "a.jpg -> Box", tracking_id="K7Q2XM", opentext_id="o1")
        job.finish("released", total=1, done=1)
    rt.event("file_quarantined", "bad name", level="warning")
    with database.cursor() as cur:
        cur.execute("SELECT workflow, campaign_id, event_type, tracking_id, opentext_id FROM asset_events ORDER BY id")
        assert [tuple(r.values()) for r in cur.fetchall()] == [
            ("a1_a2", "LC-2026-0001", "asset_delivered", "K7Q2XM", "o1"),
            ("a1_a2", None, "file_quarantined", None, None)]


def test_claim_says_busy_while_another_run_holds_the_campaign_and_waiting_during_the_back_off(rt, database):
    held, _ = leases.claim_campaign(database, "a1_a2", CAMPAIGN, "other-run")
    assert held is not None
    assert frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting") == (None, EXIT_BUSY)
    leases.finish_campaign(database, held, "failed", error="boom")
    assert frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting") == (None, EXIT_OK)


def test_unfinished_campaigns_come_back_claimed_and_a_failure_to_finish_keeps_them_finishing(rt, database):
    lease, _ = frame.claim(rt, CAMPAIGN, busy="busy", waiting="waiting")
    with frame.Claimed(frame.Job(SPEC, rt, lease, CAMPAIGN[0]), lambda job, exc, state: None) as job:
        job.mark_finishing()
    assert job.code == EXIT_OK
    job.finish("notify_pending", error="mail down")
    found = list(frame.unfinished(rt, SPEC))
    assert [(job.campaign_id, job.campaign.folder_id, job.campaign.name) for job in found] == \
        [("LC-2026-0001", "f1", "One")]
    with frame.finishing(found[0]):
        raise ServiceError("SMTP", "mail still down")
    assert leases.unfinished_campaigns(database, "a1_a2")[0].campaign_id == "LC-2026-0001"
    assert list(frame.unfinished(rt, SPEC))  # still owed: the next run tries again


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


THREE = [Campaign(campaign_id="LC-2026-00{:02d}".format(n), folder_id="f{}".format(n), name="N{}".format(n))
         for n in (1, 2, 3)]


def test_a_confirmed_claim_reads_only_what_it_tries_and_passes_by_what_another_run_takes_meanwhile(rt, database):
    """claim_confirmed (issue 26.5): in order, one confirm per candidate tried; a candidate another run claims
    between the look and the claim, or one its confirm rejects, is passed by; the rejected one's row (never claimed)
    is dropped, the claimed one's carries what its folder said."""
    read = []

    def confirm(campaign):
        read.append(campaign.campaign_id)
        if campaign.campaign_id == "LC-2026-0001":  # another host claims the first while this run reads its folder
            assert leases.claim_campaign(database, "a1_a2", [campaign], "other-run")[0] is not None
        if campaign.campaign_id == "LC-2026-0002":  # its folder has moved on: the search's index lagged
            return None
        return campaign._replace(name=campaign.name + " (read)")

    lease, campaign, code = frame.claim_confirmed(rt, THREE, ("busy", "waiting"), confirm)
    assert code is None and lease.campaign_id == "LC-2026-0003" and campaign.name == "N3 (read)"
    assert read == ["LC-2026-0001", "LC-2026-0002", "LC-2026-0003"]
    with database.cursor() as cur:
        cur.execute("SELECT campaign_id, campaign_name FROM workflow_state ORDER BY campaign_id")
        assert [tuple(r.values()) for r in cur.fetchall()] == [("LC-2026-0001", "N1 (read)"),
                                                              ("LC-2026-0003", "N3 (read)")]
    # with the third taken too, nothing is left to read: busy, and no folder read for what the leases exclude
    read[:] = []
    assert frame.claim_confirmed(rt, THREE, ("busy", "waiting"), confirm) == (None, None, EXIT_BUSY)
    assert read == ["LC-2026-0002"]
    assert frame.preview_confirmed(rt, THREE, lambda c: None) == (None, "leased")
