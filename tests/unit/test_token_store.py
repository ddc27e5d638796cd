"""The token cache between ticks (issue 19): private on disk, and anything doubtful means a fresh token."""
import json
import os
import stat
import time

from scripts.shared.core.token_store import TokenFile, token_file


def test_a_kept_token_is_private_and_reused_until_near_expiry(tmp_path):
    kept = TokenFile(str(tmp_path / "tokens"), "dam", "https://dam/token|client")
    kept.save("secret-token", time.time() + 3600)
    assert stat.S_IMODE(os.stat(str(tmp_path / "tokens")).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(kept.path).st_mode) == 0o600
    assert kept.load(margin=120)[0] == "secret-token"
    assert kept.load(margin=3700) is None  # too close to its expiry: a fresh one is asked for
    assert "secret-token" not in kept.path


def test_corrupt_foreign_readable_or_missing_caches_are_not_used(tmp_path):
    kept = TokenFile(str(tmp_path / "tokens"), "box", "key")
    assert kept.load(60) is None  # nothing kept yet
    kept.save("t", time.time() + 3600)
    with open(kept.path, "w") as f:
        f.write("{half a fi")
    assert kept.load(60) is None
    with open(kept.path, "w") as f:
        json.dump({"access_token": "t", "expires_at": time.time() + 3600}, f)
    os.chmod(kept.path, 0o644)  # readable by others: not trusted
    assert kept.load(60) is None
    os.chmod(kept.path, 0o600)
    assert kept.load(60)[0] == "t"


def test_an_unwritable_cache_directory_costs_only_the_reuse(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    kept = TokenFile(str(blocker / "tokens"), "dam", "key")
    kept.save("t", time.time() + 3600)  # no exception: the next tick asks for a token
    assert kept.load(60) is None


def test_other_credentials_get_other_files_and_no_directory_means_no_cache(tmp_path):
    a = token_file({"token_cache_dir": str(tmp_path)}, "dam", "url", "client-a")
    b = token_file({"token_cache_dir": str(tmp_path)}, "dam", "url", "client-b")
    assert a.path != b.path
    assert token_file({}, "dam", "url") is None
