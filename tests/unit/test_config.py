"""Configuration loading: interpolation, defaults, environment precedence, every problem reported at once."""
import os
import shutil
import stat

import pytest

from scripts.shared.core.config import PROJECT_ROOT, load_config
from scripts.shared.core.errors import ConfigError

BASE_ENV = {
    "DAM_BASE_URL": "https://dam.example.com/otmmapi", "DAM_AUTH_URL": "https://dam.example.com/oauth2/token",
    "DAM_CLIENT_ID": "client", "DAM_CLIENT_SECRET": "s3cr3t-client", "DAM_MTLS_BASE_URL": "https://mtls.example.com/mm",
    "BOX_ROOT_FOLDER_A1_A2": "348304357505", "BOX_ROOT_FOLDER_A5_A6": "349441822875",
    "BOX_ROOT_FOLDER_B1_B2": "349261192115", "BOX_ROOT_FOLDER_A2_A3": "348526703108",
    "DB_PASSWORD": "ferrero_pass_2025",
}


@pytest.fixture
def project(tmp_path):
    """A copy of config/ plus a Box-config.json, in a temp dir (the real project files are never touched)."""
    cfg_dir = tmp_path / "config"
    shutil.copytree(os.path.join(PROJECT_ROOT, "config"), str(cfg_dir))
    box = tmp_path / "Box-config.json"
    box.write_text("{}")
    os.chmod(str(box), 0o600)
    env = dict(BASE_ENV, BOX_CONFIG_PATH=str(box))
    return cfg_dir, env


def test_interpolation_defaults_and_types(project):
    cfg_dir, env = project
    cfg = load_config(str(cfg_dir / "config.yaml"), env=env)
    assert cfg["dam"]["base_url"] == "https://dam.example.com/otmmapi"
    assert cfg["dam"]["grant_type"] == "client_credentials"          # ${VAR:-default}
    assert cfg["database"]["port"] == 5437 and isinstance(cfg["database"]["port"], int)
    assert cfg["box"]["roots"]["a1_a2"] == "348304357505"            # ids stay strings
    assert cfg["transfer"]["concurrency"] == 4
    assert os.path.isabs(cfg["transfer"]["temp_dir"])
    assert len(cfg["fields"]["mvp_fields"]) == 27
    assert len(cfg["fields"]["rejection_fields"]) == 10
    assert cfg["fields"]["forced_values"]["FERRERO.FIELD.STATE"] == "Local"
    assert "s3cr3t-client" in cfg["secrets"] and "ferrero_pass_2025" in cfg["secrets"]


def test_box_config_defaults_one_folder_above_project(project, tmp_path, monkeypatch):
    cfg_dir, env = project
    env.pop("BOX_CONFIG_PATH")
    # a project root of the test's own: a real ../Box-config.json above this checkout (production layout) must not
    # change the outcome
    root = tmp_path / "opt" / "Python-Version"
    root.mkdir(parents=True)
    monkeypatch.setattr("scripts.shared.core.config.PROJECT_ROOT", str(root))
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    expected = str(tmp_path / "opt" / "Box-config.json")
    text = str(err.value)
    assert "Box-config.json not found at {}".format(expected) in text
    assert "../Box-config.json relative to Python-Version directory" in text
    assert err.value.exit_code == 2
    (tmp_path / "opt" / "Box-config.json").write_text("{}")
    os.chmod(expected, 0o600)
    assert load_config(str(cfg_dir / "config.yaml"), env=env)["box"]["config_path"] == expected


def test_real_environment_wins_over_env_file(project, tmp_path, monkeypatch):
    cfg_dir, env = project
    env_file = tmp_path / ".env"
    env_file.write_text("DAM_CLIENT_ID=from-file\nDB_PORT=6000\n" +
                        "".join("{}={}\n".format(k, v) for k, v in env.items() if k != "DAM_CLIENT_ID"))
    os.chmod(str(env_file), 0o600)
    monkeypatch.setenv("DAM_ENV_FILE", str(env_file))
    monkeypatch.setenv("DAM_CLIENT_ID", "from-environment")
    cfg = load_config(str(cfg_dir / "config.yaml"))
    assert cfg["dam"]["client_id"] == "from-environment"
    assert cfg["database"]["port"] == 6000


def test_every_problem_is_reported_at_once(project):
    cfg_dir, env = project
    for key in ("DAM_CLIENT_SECRET", "BOX_ROOT_FOLDER_A2_A3", "DB_PASSWORD"):
        env.pop(key)
    env["BOX_ROOT_FOLDER_A1_A2"] = "not-a-number"
    env["TRANSFER_CONCURRENCY"] = "many"
    env["SMTP_SECURITY"] = "plaintext"
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    text = str(err.value)
    for expected in ("dam.client_secret: refers to ${DAM_CLIENT_SECRET}, which is not set",
                     "set DAM_CLIENT_SECRET in .env",
                     "box.roots.a2_a3: refers to ${BOX_ROOT_FOLDER_A2_A3}",
                     "database.password: refers to ${DB_PASSWORD}",
                     "box.roots.a1_a2: must be a Box folder id",
                     "transfer.concurrency: must be a whole number",
                     "smtp.security: must be starttls, ssl or none"):
        assert expected in text
    assert len(err.value.problems) == 6
    assert all("config.yaml" in str(p) for p in err.value.problems)


def test_mtls_mode_needs_the_certificate_not_the_client_secret(project):
    cfg_dir, env = project
    env.pop("DAM_CLIENT_SECRET")
    env["DAM_MTLS_CERT_PATH"] = "/nonexistent/dam.pfx"
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env, auth_mode="mtls")
    assert "the mTLS certificate /nonexistent/dam.pfx does not exist" in str(err.value)
    assert "client_secret" not in str(err.value)


def test_broken_yaml_names_file_and_line(project):
    cfg_dir, env = project
    (cfg_dir / "field_mappings.yaml").write_text("mvp_fields:\n  - A\n   - B: [\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    assert "field_mappings.yaml" in str(err.value) and "is not valid YAML at line" in str(err.value)


def test_field_mapping_errors(project):
    cfg_dir, env = project
    text = (cfg_dir / "field_mappings.yaml").read_text()
    text = text.replace("  tracking_id: FERRERO.FIELD.TRACKING_ID\n", "")
    text = text.replace("  - FERRERO.FIELD.BRAND\n", "  - FERRERO.FIELD.BRAND\n  - FERRERO.FIELD.BRAND\n")
    (cfg_dir / "field_mappings.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    assert "special_fields.tracking_id: is missing" in str(err.value)
    assert "mvp_fields: lists FERRERO.FIELD.BRAND more than once" in str(err.value)


def test_adding_a_field_is_a_yaml_edit(project):
    cfg_dir, env = project
    text = (cfg_dir / "field_mappings.yaml").read_text()
    (cfg_dir / "field_mappings.yaml").write_text(
        text.replace("mvp_fields:\n", "mvp_fields:\n  - FERRERO.FIELD.NEW_FIELD_NAME\n"))
    cfg = load_config(str(cfg_dir / "config.yaml"), env=env)
    assert "FERRERO.FIELD.NEW_FIELD_NAME" in cfg["fields"]["mvp_fields"]


def test_secret_file_readable_by_others_warns(project, caplog):
    cfg_dir, env = project
    os.chmod(env["BOX_CONFIG_PATH"], 0o644)
    load_config(str(cfg_dir / "config.yaml"), env=env)
    assert any("Box-config.json" in r.getMessage() and "chmod 600" in r.getMessage() for r in caplog.records)
    os.chmod(env["BOX_CONFIG_PATH"], 0o600)
    caplog.clear()
    load_config(str(cfg_dir / "config.yaml"), env=env)
    assert not any("chmod 600" in r.getMessage() for r in caplog.records)
    assert stat.S_IMODE(os.stat(env["BOX_CONFIG_PATH"]).st_mode) == 0o600


def test_every_variable_of_config_yaml_is_documented_in_env_example():
    import re
    with open(os.path.join(PROJECT_ROOT, "config", "config.yaml")) as f:
        code = "\n".join(line.split("#", 1)[0] for line in f)
    used = set(re.findall(r"\$\{([A-Z_0-9]+)", code))
    with open(os.path.join(PROJECT_ROOT, ".env.example")) as f:
        documented = set(re.findall(r"^([A-Z_0-9]+)=", f.read(), re.M))
    assert used - documented == set()
