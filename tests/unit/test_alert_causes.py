"""Issue #24.6: which alerts are one problem for the whole suite, and what each says in plain words."""
from scripts.shared.core.errors import ConfigError, ServiceError, SuiteError
from scripts.shared.notify.alert_causes import ALL_WORKFLOWS, explain, problem_key, shared_cause


def test_shared_outages_are_named_and_keyed_without_the_workflow():
    cases = [(ServiceError("Database", "cannot connect to PostgreSQL"), "database"),
             (ServiceError("DAM", "network error", method="POST", path="/otmmapi/v6/search/text"), "dam"),
             (ServiceError("DAM", "refused", status=401, method="POST", path="/token"), "dam_auth"),
             (ServiceError("Box", "authentication failed: invalid_grant", status=400), "box_auth"),
             (ServiceError("Box", "server error", status=503, method="GET", path="/folders/1"), "box"),
             (ConfigError(["Box-config.json: is not valid JSON"]), "config")]
    for exc, cause in cases:
        assert shared_cause(exc) == cause, exc
        keys = [problem_key(exc, label, None, "text of " + label, "2026-11-24") for label in ("A1→A2", "B1→B2")]
        assert keys[0]["outage"] == cause and (cause in ("database", "config") or keys[0] == keys[1])
        told = explain(exc, "A1→A2")
        assert told["scope"] == ALL_WORKFLOWS and told["wrong"].endswith(".") and "next run" in told["done"]


def test_a_workflows_own_fault_and_a_failing_campaign_keep_their_workflow():
    own = ServiceError("DAM", "folder not found", status=404, method="GET", path="/folders/x")
    plain = SuiteError("the A2→A3 inbox folder is not shared")
    for exc in (own, plain):
        assert shared_cause(exc) is None
        assert problem_key(exc, "A1→A2", None, "e", "d") != problem_key(exc, "B1→B2", None, "e", "d")
    outage = ServiceError("Database", "cannot connect")
    key = problem_key(outage, "A1→A2", "LC-2026-0042", "e", "d")   # charged to a campaign: that campaign's alert
    assert key["campaign"] == "LC-2026-0042" and "outage" not in key
    told = explain(outage, "A1→A2", "LC-2026-0042", "A1")
    assert told["scope"] == "A1→A2" and "LC-2026-0042" in told["wrong"] and "stays A1" in told["done"]
