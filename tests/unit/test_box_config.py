"""Box settings in the configuration: range checks on the tuning values, the two ways of acting as a user."""
import pytest

from scripts.shared.box.box_client import box_subject
from scripts.shared.box.box_upload import upload_threshold
from scripts.shared.core.config import load_config
from scripts.shared.core.errors import ConfigError, SuiteError
from tests.unit.test_config import project  # noqa: F401  (fixture)


@pytest.mark.parametrize("key, variable, value", [
    ("box.max_calls_per_minute", "BOX_MAX_CALLS_PER_MINUTE", "1500"),
    ("box.max_uploads_per_minute", "BOX_MAX_UPLOADS_PER_MINUTE", "300"),
    ("box.max_calls_per_minute", "BOX_MAX_CALLS_PER_MINUTE", "0"),
])
def test_budgets_beyond_box_limits_are_refused_with_the_fix(project, key, variable, value):  # noqa: F811
    cfg_dir, env = project
    with pytest.raises(ConfigError) as err:
        load_config(str(cfg_dir / "config.yaml"), needs=("box",), env=dict(env, **{variable: value}))
    text = str(err.value)
    assert key in text and "must be between" in text and variable in text


def test_chunked_threshold_outside_box_upload_rules_is_refused(project):  # noqa: F811
    cfg_dir, env = project
    path = cfg_dir / "config.yaml"
    path.write_text(path.read_text().replace("chunked_upload_threshold_mb: 50", "chunked_upload_threshold_mb: 19"))
    with pytest.raises(ConfigError) as err:
        load_config(str(path), needs=("box",), env=env)
    assert "box.chunked_upload_threshold_mb" in str(err.value) and "20 MB" in str(err.value)


def test_defaults_are_in_range_and_budgets_come_from_the_environment(project):  # noqa: F811
    cfg_dir, env = project
    cfg = load_config(str(cfg_dir / "config.yaml"), needs=("box",), env=dict(env, BOX_MAX_CALLS_PER_MINUTE="450"))
    assert (cfg["box"]["max_calls_per_minute"], cfg["box"]["max_uploads_per_minute"]) == (450, 200)


def test_simple_uploads_stay_within_box_50_mb():
    assert upload_threshold({"chunked_upload_threshold_mb": 50}) == 50 * 1000 * 1000  # not 50 MiB
    assert upload_threshold({"chunked_upload_threshold_mb": 20}) == 20 * 1024 * 1024


def test_subject_settings_old_name_and_conflicts(caplog):
    assert box_subject({}) == (None, None)
    assert box_subject({"jwt_user_id": "22000001"}) == ("22000001", None)
    assert box_subject({"as_user_header_id": "22000001"}) == (None, "22000001")
    assert box_subject({"as_user_id": "22000001"}) == ("22000001", None)
    assert "deprecated" in caplog.text
    with pytest.raises(SuiteError):
        box_subject({"as_user_id": "1", "jwt_user_id": "2"})
    with pytest.raises(SuiteError):
        box_subject({"jwt_user_id": "1", "as_user_header_id": "2"})
    with pytest.raises(SuiteError) as err:
        box_subject({"as_user_header_id": "marketing"})
    assert "digits" in str(err.value)
