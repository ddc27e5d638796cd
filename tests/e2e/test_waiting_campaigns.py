"""A tick's DAM requests do not grow with the campaigns waiting in A1 (issue 26.5), and the search's index is not the
truth: a hit whose folder has moved on is skipped for the next one. Real scripts against the sandboxes, counted on
the OTMM sandbox's request counters."""
import pytest

from sandbox.lab import Lab
from tests.e2e.helpers import box_files, db_rows

SEARCH = "POST /otmmapi/v6/search/text"


@pytest.fixture
def empty_lab(tmp_path, db_config, sandbox_pki_dir):
    settings = {k: db_config[k] for k in ("host", "port", "name", "user", "password")}
    with Lab(str(tmp_path / "lab"), db_settings=settings, pki_dir=sandbox_pki_dir, seed={"campaigns": []}) as lab:
        yield lab


def add_waiting(lab, first, count):
    """``count`` A1 campaigns of one small master each, numbered from ``first``, oldest first; their numbers."""
    numbers = []
    for n in range(first, first + count):
        number = "LC-2031-{:04d}".format(n)
        lab.otmm.add_campaign({"number": number, "name": "Waiting {}".format(n), "status": "A1", "type": "Local comm",
                               "agency": "agency@example.com",
                               "folders": {"Master Assets": {"assets": [{"name": "m.jpg", "size": 2048}]}}})
        numbers.append(number)
    return numbers


def one_tick(lab):
    """The DAM requests of one A1->A2 cron tick (no --campaign): {endpoint: count}."""
    lab.otmm.middleware.reset_counters()
    result = lab.run_script("a1_to_a2_download")
    assert result.returncode == 0, result.stdout
    return lab.otmm.middleware.snapshot()["by_endpoint"], result.stdout


def test_one_tick_makes_as_many_dam_requests_with_fifty_waiting_as_with_one(empty_lab):
    lab = empty_lab
    alone = add_waiting(lab, 1, 1)
    with_one, _ = one_tick(lab)
    assert lab.otmm.campaign_status(alone[0]) == "A2"
    crowd = add_waiting(lab, 100, 50)
    with_fifty, _ = one_tick(lab)
    # the oldest of the fifty was taken, and only it
    assert [lab.otmm.campaign_status(n) for n in crowd] == ["A2"] + ["A1"] * 49
    extra_pages = with_fifty.get(SEARCH, 0) - with_one.get(SEARCH, 0)
    assert sum(with_fifty.values()) - sum(with_one.values()) <= extra_pages, (with_one, with_fifty)
    assert with_fifty.get("GET /otmmapi/v6/folders/{id}", 0) == with_one.get("GET /otmmapi/v6/folders/{id}", 0)
    # every waiting campaign is still counted as waiting (the backlog), though only one folder was read
    rows = db_rows(lab, "SELECT campaign_id, state FROM workflow_state WHERE workflow = 'a1_a2'")
    assert sorted(r["campaign_id"] for r in rows if r["state"] == "idle") == crowd[1:]


def test_a_hit_the_index_still_shows_in_a1_is_skipped_for_the_next_campaign(empty_lab):
    lab = empty_lab
    moved, waiting = add_waiting(lab, 1, 2)
    lab.otmm.lag_index(moved)  # the search keeps seeing A1 ...
    lab.otmm.set_campaign_status(moved, "A2")  # ... after a person moved the folder on
    dry = lab.run_script("a1_to_a2_download", "--dry-run")
    assert dry.returncode == 0, dry.stdout
    assert "DRY RUN: would claim campaign {}".format(waiting) in dry.stdout
    _, log = one_tick(lab)
    assert "Campaign {}".format(moved) in log and "its status is A2" in log and "skipped" in log
    assert lab.otmm.campaign_status(waiting) == "A2"
    tree = lab.box.tree(lab.box.roots["a1_a2"])
    assert sorted(tree["folders"]) == ["{} - Waiting 2".format(waiting)] and len(box_files(tree)) == 1
    states = {r["campaign_id"]: r["state"] for r in db_rows(lab, "SELECT campaign_id, state FROM workflow_state")}
    assert states == {waiting: "completed"}  # no row left waiting for the campaign that was never in A1
    # with nothing else waiting, the lagging hit alone: skipped, nothing claimed, a quiet exit
    _, log = one_tick(lab)
    assert "None of the 1 campaign(s) the search found is still eligible when read" in log
    assert lab.otmm.campaign_status(moved) == "A2" and len(lab.smtp.messages()) == 1
