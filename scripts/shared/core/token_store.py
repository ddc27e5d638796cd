"""Access tokens kept between cron ticks, so a tick does not spend a serial round trip on a new DAM or Box token
while the last one is still good (issue 19).

One file per service and credential, 0600 in a 0700 directory under the temp dir, written whole and renamed into
place (a reader never sees half a file). A file that is missing, corrupt, unreadable or near its expiry is simply
not used: the caller asks for a fresh token as before. The token is never logged; a stale token that the service
refuses (401) is replaced the same way an expired one always was.
"""
import hashlib
import json
import logging
import os
import time

log = logging.getLogger(__name__)


class TokenFile(object):
    def __init__(self, directory, service, key):
        self.directory = directory
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        self.path = os.path.join(directory, "{}-{}.token".format(service, digest))

    def load(self, margin):
        """The kept token when it has more than ``margin`` seconds left, else None."""
        try:
            st = os.stat(self.path)
            if st.st_uid != os.getuid() or st.st_mode & 0o077:
                log.warning("ignoring the token cache %s: it is not private to this user (0600)", self.path)
                return None
            with open(self.path) as f:
                data = json.load(f)
            token, expires_at = data["access_token"], float(data["expires_at"])
        except (OSError, IOError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token or time.time() >= expires_at - margin:
            return None
        return token, expires_at

    def save(self, token, expires_at):
        """Keep ``token``; a failure only costs the next tick a token request."""
        temp = "{}.{}.tmp".format(self.path, os.getpid())
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            os.chmod(self.directory, 0o700)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump({"access_token": token, "expires_at": expires_at}, f)
            os.rename(temp, self.path)
        except (OSError, IOError) as exc:
            log.warning("could not keep the access token for the next run in %s (%s); the next run asks for a new "
                        "one", self.directory, exc.strerror or exc)
            try:
                os.remove(temp)
            except OSError:
                pass


def token_file(cfg, service, *key):
    """The TokenFile for this credential when the caller gave a cache directory (``token_cache_dir``), else None."""
    directory = cfg.get("token_cache_dir")
    return TokenFile(directory, service, "|".join(str(k or "") for k in key)) if directory else None
