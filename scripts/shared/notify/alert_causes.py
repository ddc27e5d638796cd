"""What an operator alert says, in plain words, and which alerts are "the same problem".

A run that cannot start because something every workflow shares is down (the tracking database, the DAM, Box, their
credentials, the configuration) is one problem for the whole suite: its alert is keyed on the cause and the day,
not on the workflow, so four workflows ticking every five minutes against a stopped database send one email a
day, not four. Anything else (one workflow's own fault, a campaign that keeps failing) keeps its workflow in the
key. ``explain`` gives the three things every alert says: what is wrong, what the suite did, what a person must do.
"""
from ..core.errors import ConfigError, ServiceError

ALL_WORKFLOWS = "All workflows"

# cause -> (what is wrong, in plain words)
WRONG = {
    "database": "The tracking database cannot be reached.",
    "dam": "The DAM (OpenText Media Management) does not answer.",
    "dam_auth": "The DAM refuses the automation's login.",
    "box": "Box does not answer.",
    "box_auth": "Box refuses the automation's credentials.",
    "config": "The automation's configuration or credentials files cannot be used.",
}
SUITE_DONE = ("Every workflow stops at the start of its run, before it changes anything in the DAM, Box or the "
              "database, and tries again on its next run (every five minutes). Nothing is lost: campaigns wait "
              "where they are and move on once this is fixed.")
RUN_DONE = ("The {workflow} run stopped before it changed anything and tries again on its next run (every five "
            "minutes). Other workflows keep running.")
CAMPAIGN_DONE = ("The campaign's status stays {status}. The automation retries it with growing pauses; other "
                 "campaigns keep moving.")


def shared_cause(exc):
    """The name of the suite-wide cause of a run that could not start (a key of WRONG), or None when the failure
    is this workflow's own."""
    if isinstance(exc, ConfigError):
        return "config"
    if not isinstance(exc, ServiceError):
        return None
    service = (exc.service or "").lower()
    if service == "database":
        return "database"
    if service not in ("dam", "box"):
        return None
    if exc.status in (401, 403) or "authentication" in exc.message.lower():
        return service + "_auth"
    if exc.status is None or exc.status >= 500 or exc.status == 429:
        return service
    return None


def explain(exc, workflow_label, campaign_id=None, status=None):
    """{"scope", "wrong", "done"} of an alert: the workflow label or ALL_WORKFLOWS, what is wrong and what the
    suite did about it (the fix, what a person must do, is the error's own)."""
    if campaign_id:
        return {"scope": workflow_label, "wrong": "Campaign {} keeps failing in {}.".format(
            campaign_id, workflow_label), "done": CAMPAIGN_DONE.format(status=status or "as it is")}
    cause = shared_cause(exc)
    if cause:
        return {"scope": ALL_WORKFLOWS, "wrong": WRONG[cause], "done": SUITE_DONE}
    return {"scope": workflow_label, "wrong": "{} could not do its work.".format(workflow_label),
            "done": RUN_DONE.format(workflow=workflow_label)}


def problem_key(exc, workflow_label, campaign_id, error, day):
    """What makes two alerts the same problem: a suite-wide cause and the day (any workflow), otherwise the
    workflow, campaign, error text and day."""
    cause = None if campaign_id else shared_cause(exc)
    if cause:
        return {"outage": cause, "error": error if cause in ("database", "config") else None, "date": day}
    return {"workflow": workflow_label, "campaign": campaign_id, "error": error, "date": day}
