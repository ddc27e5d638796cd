"""Bad input, each with the message an operator sees and what happens; nothing is ever deleted."""
import os
import subprocess
import sys

import pytest

from scripts.shared.dam.dam_auth import MTLSFiles
from scripts.shared.dam.dam_metadata import flatten
from scripts.shared.core.errors import ConfigError, InputError, SuiteError
from scripts.shared.core.safe_names import safe_component
from scripts.shared.workflows.v2_names import parse_v2_name
from tests.e2e.helpers import box_files, subjects
from tests.reliability.harness import fresh_lab

LANGS = ["it", "it-IT", "de-CH"]


@pytest.mark.parametrize("raw,check", [
    ("../../etc/passwd", lambda s: "/" not in s and s != ".."),
    ("a\x00b\x07c.jpg", lambda s: s == "abc.jpg"),
    ("x" * 300 + ".jpg", lambda s: len(s.encode()) <= 255 and s.endswith(".jpg")),
    (".", lambda s: s == "unnamed"),
    ("..", lambda s: s == "unnamed"),
    ("e\u0301te\u0301.jpg", lambda s: s == "\u00e9t\u00e9.jpg"),
    ("poster final . ", lambda s: s == "poster final"),
    ("a\\b.jpg", lambda s: s == "a_b.jpg"),
    ("\u00e8" * 200 + ".png", lambda s: len(s.encode()) <= 255 and s.endswith(".png")),
])
def test_unsafe_dam_names_are_made_safe(raw, check):
    assert check(safe_component(raw))


@pytest.mark.parametrize("name,reason", [
    ("K7Q2X_it_banner.jpg", "is not 6 characters"),
    ("K7Q2XO_it_banner.jpg", "is not 6 characters"),
    ("K7Q2XM__banner.jpg", "has no language tag"),
    ("K7Q2XM_fr_banner.jpg", "language 'fr' is not allowed"),
    ("K7Q2XM_it_ .jpg", "has an empty description"),
    ("K7Q2XM_it_banner", "has no file extension"),
    ("banner.jpg", "is not a V2 name"),
    ("K7Q2XM-it-banner.jpg", "is not a V2 name"),
])
def test_bad_v2_names_are_refused_with_the_rename(name, reason):
    with pytest.raises(InputError) as err:
        parse_v2_name(name, LANGS)
    assert reason in err.value.message and "rename to" in err.value.fix


def test_lowercase_tid_is_accepted():
    assert parse_v2_name("k7q2xm_it_banner.jpg", LANGS).tracking_id == "K7Q2XM"


@pytest.mark.parametrize("document", [None, {}, {"metadata_element_list": None},
                                      {"metadata_element_list": [{"type": "odd"}, {"id": "X", "value": None}]},
                                      [{"id": "A", "type": "com.artesia.metadata.MetadataTable",
                                        "metadata_element_list": [{"id": "C1", "values": [{"value": {"value": 1}}]},
                                                                  {"id": "C2", "values": []}]}]])
def test_missing_or_odd_metadata_does_not_break_reading(document):
    values = flatten(document)
    assert isinstance(values, dict)
    if isinstance(document, list):
        assert values["A"] == [{"C1": 1, "C2": None}]


def test_pfx_problems_are_explained(tmp_path, pki_dir):
    from sandbox.pki import make_pki
    pki = make_pki(pki_dir)
    with pytest.raises(SuiteError) as wrong:
        MTLSFiles(pki["client_pfx"], "not-the-password")
    assert "wrong password" in str(wrong.value) and "not-the-password" not in str(wrong.value)
    with pytest.raises(SuiteError) as expired:
        MTLSFiles(pki["client_expired_pfx"], pki["client_pfx_password"])
    assert "expired on" in str(expired.value) and "renewed certificate" in str(expired.value)
    with pytest.raises(SuiteError) as missing:
        MTLSFiles(str(tmp_path / "nope.pfx"), "x")
    assert "not found" in str(missing.value)


@pytest.mark.parametrize("content,expected", [
    ("not json", "not a usable JWT app configuration"),
    ('{"enterpriseID": "1"}', "not a usable JWT app configuration"),
])
def test_corrupt_box_config(tmp_path, content, expected):
    from scripts.shared.box.box_client import BoxClient
    path = tmp_path / "Box-config.json"
    path.write_text(content)
    with pytest.raises(SuiteError) as err:
        BoxClient({"config_path": str(path)})
    assert expected in str(err.value)


def _run(lab, *args, **env):
    return lab.run_script("a1_to_a2_download", *args, env=env)


def test_bad_environment_and_infrastructure(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        campaign = ["--campaign", "LC-2026-0043"]
        cases = [
            (campaign, {"DB_PORT": "1"}, 1, "cannot connect to PostgreSQL at 127.0.0.1:1"),
            (campaign, {"DB_PORT": "many"}, 2, "database.port: must be a whole number"),
            (campaign, {"DAM_BASE_URL": "dam.example.com"}, 2, "dam.base_url: must be an http(s) URL"),
            (campaign, {"DAM_CLIENT_SECRET": "wrong-secret"}, 1, "Client authentication failed"),
            # a server certificate from a CA we do not trust is refused: verification is never switched off
            (["--auth-pfx"], {"DAM_CA_BUNDLE": lab.otmm.pki["other_ca_cert"]}, 1, "TLS error"),
            (campaign, {"TRANSFER_CONCURRENCY": "0"}, 2, "transfer.concurrency: must be between 1 and 32"),
        ]
        for args, env, code, message in cases:
            result = _run(lab, *args, **env)
            assert result.returncode == code and message in result.stdout, (env, result.stdout[-1500:])
            assert "wrong-secret" not in result.stdout
        assert lab.otmm.campaign_status("LC-2026-0043") == "A1"


def test_temp_dir_unusable_and_file_over_limit(pg_server, tmp_path, pki_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        bad_temp = _run(lab, "--campaign", "LC-2026-0043", TEMP_DIR=str(blocker / "temp"))
        # issue #16: an unusable temp directory is a configuration error (exit 2) found before anything is claimed
        assert bad_temp.returncode == 2 and "cannot write the temp directory" in bad_temp.stdout
        assert "point TEMP_DIR in .env at a writable directory" in bad_temp.stdout
        too_big = _run(lab, "--campaign", "LC-2026-0042", MAX_FILE_BYTES="100000")
        assert too_big.returncode == 1
        partial = [s for s in subjects(lab) if "LC-2026-0042" in s and "failed" in s]
        assert partial and lab.otmm.campaign_status("LC-2026-0042") == "A1"
        assert "over the 97.7 KiB limit" in lab.log_text("a1_to_a2") and "raise MAX_FILE_BYTES" in \
            lab.log_text("a1_to_a2")
        assert len(lab.otmm.snapshot()["LC-2026-0042"]["assets"]) == 5  # nothing deleted in the DAM


def test_empty_and_clashing_dam_files_are_delivered(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir) as lab:
        lab.otmm.add_campaign({"number": "LC-2026-0777", "name": "Odd names", "status": "A1", "type": "Local comm",
                               "folders": {"Master Assets": {"assets": [
                                   {"name": "empty.txt", "size": 0}, {"name": "a/b.jpg", "size": 10},
                                   {"name": "a_b.jpg", "size": 20}, {"name": "../escape.jpg", "size": 30},
                                   {"name": "x" * 300 + ".jpg", "size": 40}]}}})
        result = _run(lab, "--campaign", "LC-2026-0777")
        assert result.returncode == 0, result.stdout
        files = box_files(lab.box.tree(lab.box.roots["a1_a2"]))
        assert len(files) == 5
        sizes = sorted(f["size"] for f in files.values())
        assert sizes == [0, 10, 20, 30, 40]
        assert all("/" not in name.split("/", 1)[1] for name in files)
        assert not os.path.exists(os.path.join(lab.workdir, "escape.jpg"))


def test_broken_yaml_and_missing_env_exit_2(tmp_path):
    from scripts.shared.core.config import load_config
    bad = tmp_path / "config.yaml"
    bad.write_text("dam: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(bad), env={})
    assert "is not valid YAML at line" in str(err.value) and err.value.exit_code == 2
    result = subprocess.run([sys.executable, "scripts/a5_to_a6_download.py", "--config", str(bad)],
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                            env=dict(os.environ, DAM_ENV_FILE=str(tmp_path / "none.env")))
    assert result.returncode == 2 and "config.yaml: is not valid YAML" in result.stdout
