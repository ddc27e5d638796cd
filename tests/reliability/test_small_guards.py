"""Issue 27.8: small guards, each played at the moment it matters against the real stand-ins and database.

The token cache cannot be made to hand the bearer token to a planted link; an unusable STATE_DIR stops the run
before it can alert without de-duplication; a cut-short preflight answer is asked again; a section written twice
in a YAML file is refused; a person's DAM lock is named in the alert."""
import os
import subprocess

from sandbox.lab import ROOT
from tests.reliability.harness import fresh_lab

CAMPAIGN = "LC-2026-0043"


def _popen(lab, script, *args):
    env = dict(os.environ)
    env.update(lab.env())
    env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "no-such.env")
    return subprocess.Popen([lab.product_python, os.path.join("scripts", script + ".py")] + list(args), cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)


def _tokens_dir(lab):
    return os.path.join(lab.workdir, "temp", "tokens")


def test_a_link_planted_at_the_token_cache_never_receives_the_token(pg_server, tmp_path, pki_dir):
    """The temporary file was `<name>.<pid>.tmp`, opened following links: a link planted there (the pid is
    visible in ps) while the run asks for its token received the bearer token."""
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.set_campaign_status("LC-2026-0042", "A0")
        assert lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN).returncode == 0
        tokens = _tokens_dir(lab)
        names = sorted(os.listdir(tokens))
        assert [n.split("-")[0] for n in names] == ["box", "dam"], names
        for name in names:
            os.remove(os.path.join(tokens, name))
        proc = {}

        def plant(method, path, total):  # the attacker, the moment the run asks for its tokens
            if method == "POST" and "token" in path and "p" in proc:
                for name in names:
                    link = os.path.join(tokens, "{}.{}.tmp".format(name, proc["p"].pid))
                    if not os.path.lexists(link):
                        os.symlink(str(stolen / name), link)
        lab.otmm.middleware.on_request.append(plant)
        lab.box.middleware.on_request.append(plant)
        lab.otmm.set_campaign_status(CAMPAIGN, "A1")
        proc["p"] = _popen(lab, "a1_to_a2_download", "--campaign", CAMPAIGN)
        out = proc["p"].communicate(timeout=120)[0]
        assert proc["p"].returncode == 0, out[-2000:]
        assert os.listdir(str(stolen)) == [], "a planted link received a bearer token"
        for name in names:
            st = os.lstat(os.path.join(tokens, name))
            assert not os.path.islink(os.path.join(tokens, name)) and st.st_mode & 0o777 == 0o600


def test_a_token_directory_that_is_not_ours_or_is_world_writable_is_not_used(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.set_campaign_status("LC-2026-0042", "A0")
        tokens = _tokens_dir(lab)
        os.makedirs(tokens)
        os.chown(tokens, 65534, 65534)  # a directory someone else made (the tests run as root)
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0, result.stdout[-2000:]
        assert os.listdir(tokens) == []
        log = lab.log_text("a1_to_a2")
        assert "Not keeping DAM/Box access tokens in {}: it belongs to".format(tokens) in log, log[-2000:]
        assert "Fix: rm -rf {}".format(tokens) in log
        os.chown(tokens, os.geteuid(), os.getegid())
        os.chmod(tokens, 0o777)
        lab.otmm.set_campaign_status(CAMPAIGN, "A1")
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert result.returncode == 0 and os.listdir(tokens) == []
        assert "it is writable by group or others (mode 0o777)" in lab.log_text("a1_to_a2")


def _config_copy(tmp_path, config_tail="", fields_tail=""):
    """config.yaml and field_mappings.yaml copied into tmp_path with text appended (what an operator's edit adds)."""
    folder = tmp_path / "config"
    folder.mkdir()
    for name, tail in (("config.yaml", config_tail), ("field_mappings.yaml", fields_tail)):
        with open(os.path.join(ROOT, "config", name), encoding="utf-8") as f:
            (folder / name).write_text(f.read() + tail, encoding="utf-8")
    return folder


def test_a_yaml_section_written_twice_is_refused_with_file_line_and_key(pg_server, tmp_path, pki_dir):
    """An operator pastes a second `transfer:` section at the end of config.yaml: PyYAML kept the second one
    silently (the first section's settings were gone); the run must stop before doing anything."""
    with open(os.path.join(ROOT, "config", "config.yaml"), encoding="utf-8") as f:
        first = next(i for i, line in enumerate(f.read().splitlines(), 1) if line.startswith("transfer:"))
    folder = _config_copy(tmp_path, config_tail="\ntransfer:\n  concurrency: 2\n",
                          fields_tail="\nnot_approved_value: REJECTED\n")
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN, "--config", str(folder / "config.yaml"))
        assert result.returncode == 2, result.stdout[-2000:]
        assert "config.yaml: line " in result.stdout and "'transfer' is written twice (lines {} and".format(
            first) in result.stdout, result.stdout[-2000:]
        assert "field_mappings.yaml: line " in result.stdout and "'not_approved_value' is written twice" in \
            result.stdout
        assert "merge the two into one" in result.stdout
        assert lab.otmm.campaign_status(CAMPAIGN) == "A1"
        assert lab.box.tree(lab.box.roots["a1_a2"])["folders"] == {}


def test_an_unusable_state_dir_stops_the_run_before_alerts_repeat(pg_server, tmp_path, pki_dir):
    """With the database down, alerts are de-duplicated through marker files in STATE_DIR; when STATE_DIR cannot
    be written every tick alerted again (three ticks, three alerts). It is now checked at start: exit 2."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with fresh_lab(pg_server, tmp_path, pki_dir, DB_PORT="1", STATE_DIR=str(blocker / "state")) as lab:
        runs = [lab.run_script("a1_to_a2_download") for _ in range(3)]
        alerts = [s for s in (str(m["Subject"]) for m in lab.smtp.messages()) if "ACTION NEEDED" in s]
        assert len(alerts) <= 1, alerts
        assert [r.returncode for r in runs] == [2, 2, 2], runs[0].stdout[-2000:]
        assert "cannot write the state directory" in runs[0].stdout and "STATE_DIR" in runs[0].stdout


def test_a_cut_short_preflight_answer_is_asked_again(pg_server, tmp_path, pki_dir):
    """The preflight (OPTIONS /files/content) changes nothing in Box, so a cut-short answer is asked again like
    every other read; it used to fail its asset (partial email, exit 1) until the next tick."""
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        # the answer a proxy cut short: status 200, the JSON ends in the middle (the SDK retries only a dropped
        # connection itself)
        lab.box.middleware.set_faults([{"method": "OPTIONS", "path": "/files/content$", "status": 200,
                                        "body": '{"upload_url": "https://upload.bo', "count": 1}])
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        assert [r.hits for r in lab.box.middleware.rules] == [1], "the fault must have fired"
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        assert lab.otmm.campaign_status(CAMPAIGN) == "A2"
        mails = [str(m["Subject"]) for m in lab.smtp.messages()]
        assert not any("failed" in s for s in mails) and any("delivered" in s for s in mails), mails
        assert "preflight answer unusable" in lab.log_text("a1_to_a2"), lab.log_text("a1_to_a2")


def test_a_person_locking_the_campaign_folder_is_named_in_the_alert(pg_server, tmp_path, pki_dir):
    """Every asset is in Box; as the run locks the campaign folder to move its status, a person in the DAM has just
    locked it. The alert said only 'HTTP 409, see the log'; it names the lock and who holds it."""
    from tests.e2e.helpers import html_of
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        folder = lab.otmm.folder_id(CAMPAIGN)

        def person_locks(method, path, total):
            if method == "PUT" and path.endswith("/assets/{}/state".format(folder)):
                lab.otmm.lock_as(CAMPAIGN, "anna.rossi")
        lab.otmm.middleware.on_request.append(person_locks)
        result = lab.run_script("a1_to_a2_download", "--campaign", CAMPAIGN)
        lab.otmm.middleware.on_request.remove(person_locks)
        assert result.returncode == 1
        assert lab.otmm.campaign_status(CAMPAIGN) == "A1" and lab.otmm.is_locked(CAMPAIGN) == "anna.rossi"
        mails = [m for m in lab.smtp.messages() if CAMPAIGN in str(m["Subject"])]
        assert mails, [str(m["Subject"]) for m in lab.smtp.messages()]
        text = " ".join(str(m["Subject"]) + html_of(m) for m in mails)
        assert "locked in the DAM by anna.rossi" in text, text[-3000:]
        assert "see the log" not in text
