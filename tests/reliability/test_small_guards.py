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
