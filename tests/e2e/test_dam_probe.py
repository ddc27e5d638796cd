"""`scripts/test_connection.py --probe-dam FOLDER_ID` against the strict OTMM sandbox, in each dialect the sandbox
can speak: it names what worked and the .env setting for each open point, and leaves the test folder as it was."""
import pytest


def probe(lab, *args, env=None):
    folder = lab.otmm.folder_id("LC-2026-0050", "Final Assets")
    done = lab.run_script("test_connection", "--probe-dam", folder, *args, env=env)
    print(done.stdout)
    lines = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in ("OK", "FAIL", "SKIP", "INFO"):
            lines[parts[0]] = line
    return done, lines, folder


def test_probe_in_the_default_dialect(lab):
    done, lines, folder = probe(lab)
    assert done.returncode == 0, done.stdout
    assert " OK " in lines["auth"] and "DAM_AUTH_MODE=oauth2" in done.stdout
    assert " OK " in lines["search"] and "DAM_SEARCH_OPERATOR_ID=ARTESIA.OPERATOR.CHAR.IS" in done.stdout
    assert " OK " in lines["listing"] and "DAM_LISTING_DETAIL=full" in done.stdout
    assert " OK " in lines["lock"] and "DAM_LOCK_MODE=single" in done.stdout
    assert " SKIP " in lines["import"] and "--probe-import" in lines["import"]
    assert lab.otmm.imported_assets() == []          # nothing imported without the second flag
    assert not lab.otmm.state.folders[folder]["locked_by"]  # the folder is left as it was
    assert lab.otmm.campaign_status("LC-2026-0050") == "A5"


@pytest.mark.parametrize("shape, expected", [("job_state", "DAM_JOB_STATUS_KEY=job_state"),
                                             ("status", "DAM_JOB_STATUS_KEY=status DAM_JOB_DONE_VALUES=Done"),
                                             ("absent", "DAM_JOB_STATUS_KEY= (leave empty)")])
def test_probe_import_in_each_job_body_dialect(lab, shape, expected):
    lab.otmm.settings(job_shape=shape)
    done, lines, folder = probe(lab, "--probe-import")
    assert done.returncode == 0, done.stdout
    assert " OK " in lines["import"] and "GET /jobs/" in lines["import"]
    assert expected in done.stdout
    assert " OK " in lines["look-up"] and " OK " in lines["download"]
    imported = lab.otmm.imported_assets()
    assert len(imported) == 1 and imported[0]["parent_ids"] == [folder] and imported[0]["name"].endswith(
        "_dam-probe.txt")


def test_probe_finds_the_bulk_lock_and_session_auth(lab):
    lab.otmm.settings(single_lock=False)
    done, lines, folder = probe(lab, env={"DAM_AUTH_MODE": "session"})
    assert done.returncode == 0, done.stdout
    assert "OTMM session" in lines["auth"] and "DAM_AUTH_MODE=session" in done.stdout
    assert " OK " in lines["lock"] and "DAM_LOCK_MODE=bulk" in done.stdout and "405" in done.stdout
    assert not lab.otmm.state.folders[folder]["locked_by"]


def test_probe_names_a_working_profile_when_the_configured_one_fails(lab):
    done, lines, _ = probe(lab, env={"DAM_CLIENT_SECRET": "wrong-secret"})
    assert " OK " in lines["auth"] and "DAM_AUTH_MODE=session" in done.stdout
    assert "refused" in lines["auth"] and "wrong-secret" not in done.stdout


def test_probe_over_mtls(lab):
    done, lines, _ = probe(lab, "--auth-pfx")
    assert done.returncode == 0, done.stdout
    assert "mTLS client certificate" in lines["auth"] and " OK " in lines["lock"]


@pytest.mark.slow
def test_probe_reports_a_refused_search_operator_and_the_one_that_works(lab):
    lab.otmm.settings(refused_operators=["ARTESIA.OPERATOR.CHAR.IS"])
    done, lines, _ = probe(lab)
    assert " OK " in lines["search"] and "DAM_SEARCH_OPERATOR_ID=ARTESIA.OPERATOR.CHAR.CONTAINS" in done.stdout
    assert "refused" in lines["search"]


def test_probe_import_flag_needs_a_folder(lab):
    done = lab.run_script("test_connection", "--probe-import")
    assert done.returncode == 2 and "--probe-dam" in done.stdout
