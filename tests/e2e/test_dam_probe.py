"""`scripts/test_connection.py --probe-dam FOLDER_ID` against the strict OTMM sandbox, in each dialect the sandbox
can speak: it names what worked and the .env setting for each open point, and leaves the test folder as it was."""
import pytest


def probe(lab, *args, env=None, folder=None):
    folder = folder or lab.otmm.folder_id("LC-2026-0050", "Final Assets")
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
    assert " OK " in lines["search"] and "DAM_SEARCH_OPERATOR_ID=ARTESIA.OPERATOR.CHAR.CONTAINS" in done.stdout
    assert "CONTAINS 3 folder hit(s), 3 with status A1" in lines["search"]  # both operators run, hits compared
    assert "IS 3 folder hit(s), 3 with status A1" in lines["search"]
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
    assert "one value per field type from master" in lines["import"]
    assert "domain" in lines["import"] and "table" in lines["import"] and "text" in lines["import"]
    assert expected in done.stdout
    assert " OK " in lines["look-up"] and " OK " in lines["download"]
    imported = lab.otmm.imported_assets()
    assert len(imported) == 1 and imported[0]["parent_ids"] == [folder] and imported[0]["name"].endswith(
        "_dam-probe.txt")
    assert imported[0]["asset_id"] in lines["cleanup"] and "by hand" in lines["cleanup"]
    assert imported[0]["fields"]["FERRERO.FIELD.ASSET_TYPE"]["domain"] == "BANNER"  # copied from a real master
    assert imported[0]["fields"]["FERRERO.FIELD.KEYWORDS"] == {"table": {"FERRERO.COLUMN.KEYWORD": ["spring",
                                                                                                 "breakfast"]}}


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


def test_probe_tells_an_ignored_operator_from_an_unindexed_folder(lab):
    """An instance that answers an operator it does not know with no hits: the probe compares both operators' hit
    sets and does not blame the search index."""
    lab.otmm.settings(unknown_operators="ignore", known_operators=["ARTESIA.OPERATOR.CHAR.CONTAINS"])
    done, lines, _ = probe(lab)
    assert done.returncode == 0, done.stdout
    assert "IS misses 3 folder(s) CONTAINS finds" in lines["search"] and "not an index problem" in lines["search"]
    assert "DAM_SEARCH_OPERATOR_ID=ARTESIA.OPERATOR.CHAR.CONTAINS" in done.stdout


def test_probe_on_a_campaign_folder_writes_its_status_back_and_refuses_an_import(lab):
    campaign = lab.otmm.folder_id("LC-2026-0050")
    done, lines, _ = probe(lab, "--probe-import", folder=campaign)
    assert done.returncode == 1, done.stdout
    assert " OK " in lines["lock"] and "wrote status A5 back to itself" in lines["lock"]
    assert "the test folder is among the hits" in lines["search"]
    assert " FAIL " in lines["import"] and "campaign status A5" in lines["import"]
    assert lab.otmm.imported_assets() == [] and lab.otmm.campaign_status("LC-2026-0050") == "A5"
    assert not lab.otmm.is_locked("LC-2026-0050")


def test_probe_retries_a_refused_write_under_the_other_profile(lab):
    lab.otmm.settings(bearer_writes=False)  # this DAM takes Bearer tokens for reads only
    done, lines, _ = probe(lab, folder=lab.otmm.folder_id("LC-2026-0050"))
    assert done.returncode == 0, done.stdout
    assert " OK " in lines["lock"] and "works under DAM_AUTH_MODE=session, not under oauth2" in lines["lock"]
    assert "DAM_AUTH_MODE=session" in done.stdout.split("Suggested .env lines:")[1]
    assert lab.otmm.campaign_status("LC-2026-0050") == "A5" and not lab.otmm.is_locked("LC-2026-0050")
