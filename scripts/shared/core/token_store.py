"""Access tokens kept between cron ticks, so a tick does not spend a serial round trip on a new DAM or Box token
while the last one is still good (issue 19).

One file per service and credential, 0600 in a 0700 directory under the temp dir, written whole and renamed into
place (a reader never sees half a file). A file that is missing, corrupt, unreadable or near its expiry is simply
not used: the caller asks for a fresh token as before. The token is never logged; a stale token that the service
refuses (401) is replaced the same way an expired one always was.

A bearer token is a secret, so the directory must be this user's own and writable by nobody else, and files are
opened without following symlinks, the temporary one under a random name with O_EXCL: a link planted there by
someone else can never receive the token (issue 27.8). A directory that fails the check is not used at all and
the log says why and how to fix it.
"""
import binascii
import hashlib
import json
import logging
import os
import time

log = logging.getLogger(__name__)

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_refused = set()  # directories already reported as unsafe by this process (one log line each)


def _owner(uid):
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def unsafe_reason(directory):
    """Why ``directory`` must not hold tokens (not ours, group/world writable, not a real directory), or None."""
    try:
        st = os.lstat(directory)
    except OSError:
        return None  # not there yet: save() creates it 0700
    me = os.geteuid()
    if not os.path.isdir(directory) or os.path.islink(directory):
        return "it is not a directory (a symlink or a file)"
    if st.st_uid != me:
        return "it belongs to {}, not to {} who runs the suite".format(_owner(st.st_uid), _owner(me))
    if st.st_mode & 0o022:
        return "it is writable by group or others (mode {})".format(oct(st.st_mode & 0o777))
    return None


def _usable(directory):
    reason = unsafe_reason(directory)
    if reason is None:
        return True
    if directory not in _refused:
        _refused.add(directory)
        log.error("Not keeping DAM/Box access tokens in %s: %s, so someone else could plant a file there that "
                  "receives the token. Each run asks for new tokens meanwhile. Fix: rm -rf %s (the next run "
                  "recreates it, 0700 and owned by %s)", directory, reason, directory, _owner(os.geteuid()))
    return False


class TokenFile(object):
    def __init__(self, directory, service, key):
        self.directory = directory
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        self.path = os.path.join(directory, "{}-{}.token".format(service, digest))

    def load(self, margin):
        """The kept token when it has more than ``margin`` seconds left, else None."""
        if not _usable(self.directory):
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW)
            with os.fdopen(fd) as f:
                st = os.fstat(f.fileno())
                if st.st_uid != os.geteuid() or st.st_mode & 0o077:
                    log.warning("ignoring the token cache %s: it is not private to this user (0600)", self.path)
                    return None
                data = json.load(f)
            token, expires_at = data["access_token"], float(data["expires_at"])
        except (OSError, IOError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token or time.time() >= expires_at - margin:
            return None
        return token, expires_at

    def save(self, token, expires_at):
        """Keep ``token``; a failure only costs the next tick a token request."""
        temp = "{}.{}.tmp".format(self.path, binascii.hexlify(os.urandom(8)).decode("ascii"))
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            if not _usable(self.directory):
                return
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
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
