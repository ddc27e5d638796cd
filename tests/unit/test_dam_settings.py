"""The DAM settings of the OTMM open points (docs/otmm-api.md section 4): session mode needs a user, not an OAuth
client; a misspelt value is reported with the values that work."""
import pytest

from scripts.shared.core.config import load_config
from scripts.shared.dam.dam_client import DAMClient
from scripts.shared.core.errors import ConfigError
from tests.unit.test_config import project  # noqa: F401  (fixture)


def test_session_mode_needs_user_and_password_not_the_client_secret(project):  # noqa: F811
    cfg_dir, env = project
    env.pop("DAM_CLIENT_SECRET")
    env["DAM_AUTH_MODE"] = "session"
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    text = str(err.value)
    assert "dam.username" in text and "dam.password" in text and "client_secret" not in text
    env.update(DAM_USERNAME="svc-dam", DAM_PASSWORD="pw")
    cfg = load_config(str(cfg_dir / "config.yaml"), env=env)
    assert DAMClient(cfg["dam"]).auth_mode == "session"


def test_defaults_and_misspelt_values(project):  # noqa: F811
    cfg_dir, env = project
    cfg = load_config(str(cfg_dir / "config.yaml"), env=env)["dam"]
    assert (cfg["auth_mode"], cfg["lock_mode"], cfg["listing_detail"], cfg["import_lookup"]) == (
        "oauth2", "auto", "full", "search")
    env.update(DAM_LOCK_MODE="query", DAM_LISTING_DETAIL="slim")
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), env=env)
    text = str(err.value)
    assert "dam.lock_mode: must be" in text and "'query'" in text and "DAM_LOCK_MODE to auto, single or bulk" in text
    assert "dam.listing_detail: must be" in text and "'slim'" in text and "full or fields" in text
