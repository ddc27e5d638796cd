"""The `make demo` scenario, end to end, as part of the test suite."""
import pytest

from sandbox.demo import run


@pytest.mark.slow
def test_demo_lifecycle_ends_where_it_should(tmp_path, db_config, capsys):
    settings = {k: db_config[k] for k in ("host", "port", "name", "user", "password")}
    assert run(str(tmp_path / "demo"), db_settings=settings) == 0
    out = capsys.readouterr().out
    assert "Demo finished: every campaign ended where it should." in out
    for line in ("LC-2026-0042         A1      A6", "LC-2026-0043         A1      A3",
                 "GM-2026-0007         B1      B2", "LC-2026-0044         A1      A1"):
        assert line in out
    # the operator's view at the end of the day, without SQL: the badly named file is what needs attention
    assert "NEEDS ATTENTION" in out and "1 moved to '_Needs attention' in the last 24 h" in out
    assert "Campaign LC-2026-0043: Kinder Back to School" in out and "A2→A3 status_changed: A2 -> A3" in out
