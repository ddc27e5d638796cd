"""config/schema.yaml: one schema for config.yaml and field_mappings.yaml: types, ranges, required and unknown keys
("did you mean"), defaults in one place, .env problems named first (issue #16)."""
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from scripts.shared.core.config import PROJECT_ROOT, check_directories, load_config
from scripts.shared.core.errors import ConfigError
from tests.unit.test_config import BASE_ENV


@pytest.fixture
def project(tmp_path):
    cfg_dir = tmp_path / "config"
    shutil.copytree(os.path.join(PROJECT_ROOT, "config"), str(cfg_dir))
    box = tmp_path / "Box-config.json"
    box.write_text("{}")
    os.chmod(str(box), 0o600)
    return cfg_dir, dict(BASE_ENV, BOX_CONFIG_PATH=str(box))


def _edit(path, change):
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


def _problems(cfg_dir, env, **kw):
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env, **kw)
    assert err.value.exit_code == 2
    return str(err.value)


def test_a_misspelt_key_is_refused_with_did_you_mean(project):
    cfg_dir, env = project
    _edit(cfg_dir / "config.yaml", lambda d: d["transfer"].update(concurency=8))
    text = _problems(cfg_dir, env)
    assert "transfer.concurency: unknown key. Fix: did you mean 'concurrency'?" in text
    _edit(cfg_dir / "config.yaml", lambda d: (d["transfer"].pop("concurency"), d.update(smpt={"host": "x"})))
    assert "smpt: unknown key. Fix: did you mean 'smtp'?" in _problems(cfg_dir, env)


@pytest.mark.parametrize("key,value,expected", [
    ("transfer.lease_seconds", 0, "transfer.lease_seconds: must be at least 1, got 0"),
    ("box.chunked_upload_threshold_mb", 10, "box.chunked_upload_threshold_mb: must be between 20 and 50, got 10"),
    ("transfer.max_file_bytes", -5, "transfer.max_file_bytes: must be at least 0, got -5"),
    ("transfer.chunk_bytes", 0, "transfer.chunk_bytes: must be at least 1, got 0"),
    ("dam.page_size", "lots", "dam.page_size: must be a whole number, got 'lots'"),
    ("dam.search.mode", "grep", "dam.search.mode: must be search or walk, got 'grep'"),
    ("dam", 5, "dam: must be a mapping (key: value lines), got 5"),
    ("transfer", [1, 2], "transfer: must be a mapping"),
    ("a2_a3.languages", "it", "a2_a3.languages: must be a list, got 'it'"),
])
def test_types_and_ranges(project, key, value, expected):
    cfg_dir, env = project

    def change(doc):
        node = doc
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    _edit(cfg_dir / "config.yaml", change)
    assert expected in _problems(cfg_dir, env)


def test_field_mappings_are_checked_by_the_same_schema(project):
    cfg_dir, env = project
    _edit(cfg_dir / "field_mappings.yaml", lambda d: (d.pop("not_approved_value"), d.update(
        rejection_fields={"a": "b"}, mvp_feilds=["X"])))
    text = _problems(cfg_dir, env)
    assert "field_mappings.yaml: not_approved_value: is missing" in text
    assert "field_mappings.yaml: rejection_fields: must be a list" in text
    assert "mvp_feilds: unknown key. Fix: did you mean 'mvp_fields'?" in text


def test_defaults_live_in_the_schema(project):
    cfg_dir, env = project
    _edit(cfg_dir / "config.yaml", lambda d: (d["dam"].pop("page_size"), d["dam"].pop("retry"),
                                              d["transfer"].pop("alert_after_failures")))
    cfg = load_config(str(cfg_dir / "config.yaml"), env=env)
    assert cfg["dam"]["page_size"] == 100 and cfg["dam"]["retry"]["max_attempts"] == 5
    assert cfg["transfer"]["alert_after_failures"] == 5 and cfg["notifications"]["state_dir"].endswith("var/state")


def test_missing_env_file_is_named_first_and_empty_values_say_so(project, tmp_path, monkeypatch):
    cfg_dir, env = project
    for name in list(os.environ):
        if name in BASE_ENV or name.startswith(("DAM_", "BOX_", "DB_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DAM_ENV_FILE", str(tmp_path / "missing.env"))
    monkeypatch.setenv("DB_PASSWORD", "")
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"))
    first = str(err.value.problems[0])
    assert first.startswith(str(tmp_path / "missing.env")) and "not found" in first
    assert "cp .env.example .env && chmod 600 .env" in first
    assert "database.password: refers to ${DB_PASSWORD}, which is set but empty" in str(err.value)
    assert "dam.client_secret: refers to ${DAM_CLIENT_SECRET}, which is not set" in str(err.value)


def test_unwritable_log_directory_is_a_configuration_error(project, tmp_path):
    cfg_dir, env = project
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cfg = load_config(str(cfg_dir / "config.yaml"), env=dict(env, LOG_DIR=str(blocker / "logs")))
    with pytest.raises(ConfigError) as err:
        check_directories(cfg)
    assert "cannot write the log directory" in str(err.value) and str(blocker / "logs") in str(err.value)


def _script(tmp_path, env_file, **extra):
    env = dict(os.environ, DAM_ENV_FILE=str(env_file), **extra)
    return subprocess.run([sys.executable, "scripts/a1_to_a2_download.py"], cwd=PROJECT_ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)


def test_unreadable_env_file_and_bad_shapes_exit_2_never_unexpected_error(tmp_path):
    unreadable = tmp_path / "env-dir"
    unreadable.mkdir()
    result = _script(tmp_path, unreadable)
    assert result.returncode == 2, result.stdout
    assert "cannot read the .env file" in result.stdout and "chown" in result.stdout
    assert "Traceback" not in result.stdout and "Unexpected error" not in result.stdout
    bad = tmp_path / "config.yaml"
    bad.write_text("extends: {}\ntransfer: 7\n".format(os.path.join(PROJECT_ROOT, "config", "config.yaml")))
    shaped = subprocess.run([sys.executable, "scripts/a1_to_a2_download.py", "--config", str(bad)], cwd=PROJECT_ROOT,
                            env=dict(os.environ, DAM_ENV_FILE=str(tmp_path / "none.env")), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert shaped.returncode == 2 and "transfer: must be a mapping" in shaped.stdout, shaped.stdout
    assert "Unexpected error" not in shaped.stdout and "Traceback" not in shaped.stdout


@pytest.mark.parametrize("text,expected", [
    ("extends: 5\n", "extends: must be a file name, got 5"),
    ("extends: config.yaml\nfield_mappings: [a]\n", "field_mappings: must be a file name"),
    ("extends: config.yaml\ndam: {folders: {master_assets: 7}}\n", "dam.folders.master_assets: must be text"),
    ("- just\n- a list\n", "must be a mapping of sections"),
])
def test_no_configuration_shape_is_an_unexpected_error(project, text, expected):
    cfg_dir, env = project
    (cfg_dir / "odd.yaml").write_text(text)
    assert expected in _problems_of(cfg_dir / "odd.yaml", env)


def _problems_of(path, env):
    with pytest.raises(ConfigError) as err:
        load_config(str(path), env=env)
    return str(err.value)


def test_code_handed_a_partial_section_takes_the_schema_default():
    from scripts.shared.core.config_schema import default
    from scripts.shared.core.http_retry import RetryPolicy
    policy = RetryPolicy.from_config({"max_attempts": 2})
    assert policy.max_attempts == 2 and policy.deadline == default("dam.retry.deadline_seconds") == 900
    with pytest.raises(KeyError):
        default("dam.retry.no_such_key")
