"""The benchmark's lab: the OTMM and Box sandboxes each in a process of their own, steered over /_sandbox/ HTTP.
A real A1->A2 run against it delivers the campaign, the counters see its requests, injected latency slows it,
and stopping the lab ends both server processes."""
from sandbox.lab import Lab
from tests.e2e.helpers import box_files, db_rows


def test_servers_in_their_own_processes_serve_a_real_run(tmp_path, db_config):
    settings = {k: db_config[k] for k in ("host", "port", "name", "user", "password")}
    lab = Lab(str(tmp_path / "lab"), db_settings=settings, seed={"campaigns": []}, servers_in_subprocess=True)
    with lab:
        procs = [lab.otmm.proc, lab.box.proc]
        assert all(p.poll() is None for p in procs)
        lab.otmm.add_campaign({"number": "LC-2099-0001", "name": "Remote", "status": "A1", "type": "Local comm",
                               "agency": "agency@example.com",
                               "folders": {"Master Assets": {"assets": [{"name": "a.jpg", "size": 5000},
                                                                        {"name": "b.jpg", "size": 7000}]},
                                           "Final Assets": {}}})
        lab.box.set_faults([{"latency_ms": 50, "path": "/"}])
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2099-0001")
        assert result.returncode == 0, result.stdout
        assert lab.otmm.campaign_status("LC-2099-0001") == "A2"
        files = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
        assert sorted(name.split("_", 1)[1] for name in files) == ["a.jpg", "b.jpg"]
        box_requests = lab.box.counters()["total"]
        assert box_requests >= 4
        assert lab.box.control("GET", "/_sandbox/faults")["rules"][0]["hits"] == box_requests  # each one delayed
        assert lab.otmm.counters()["by_endpoint"].get("GET /otmmapi/v6/assets/{id}/contents") == 2
        tracked = db_rows(lab, "SELECT count(*) AS n FROM master_assets WHERE local_campaign_id = 'LC-2099-0001'")
        assert tracked[0]["n"] == 2
    assert all(p.wait(5) is not None for p in procs)
