"""Credential files checked before a campaign is claimed: Box-config.json here, the DAM's mTLS PFX with the DAM
(dam_auth.check_pfx, which reads the file through ``read_credential_file``).

A malformed file, a wrong passphrase or a missing key is a configuration error (exit 2) found in milliseconds
without the network; left to the first API call it would surface as a raw library message ("Key ID header parameter
must be a string") and count as a failed campaign attempt with a back-off. Each problem names the file, the key and
the fix.
"""
import json
import os

from .config import Problem, file_access_fix
from .errors import ConfigError

BOX_FIX = ("download the app's JSON config again from the Box Developer Console (Your app > Configuration > "
           "App Settings > Generate a public/private keypair) and save it at {path}")
BOX_KEYS = (("boxAppSettings", "clientID"), ("boxAppSettings", "clientSecret"),
            ("boxAppSettings", "appAuth", "publicKeyID"), ("boxAppSettings", "appAuth", "privateKey"),
            ("boxAppSettings", "appAuth", "passphrase"))


def read_credential_file(path, what, env_var):
    """The bytes of a credential file, or a ConfigError naming the file, why it cannot be read and the fix."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except IOError as exc:
        if not os.path.exists(path):
            reason = "{} not found".format(what)
            fix = "put the file there or set {} in .env".format(env_var)
        else:
            reason = "cannot read {} ({})".format(what, exc.strerror or exc)
            fix = file_access_fix(path)
        raise ConfigError([Problem(path, None, reason, fix)])


def check_box_config(path):
    """Raise ConfigError unless ``path`` is a Box JWT app configuration whose private key opens."""
    data = read_credential_file(path, "the Box JWT app configuration", "BOX_CONFIG_PATH")
    fix = BOX_FIX.format(path=path)
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([Problem(path, None, "is not a text (UTF-8) JSON file", fix)])
    except ValueError as exc:
        raise ConfigError([Problem(path, None, "is not valid JSON ({})".format(exc), fix)])
    problems = []
    for keys in BOX_KEYS:
        node = doc
        for part in keys:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, str) or not node.strip():
            what = "is missing" if node is None else "is empty or not text"
            if keys[-1] == "publicKeyID":
                what += " (Box needs it to know which public key signs the JWT)"
            problems.append(Problem(path, ".".join(keys), what, fix))
    if problems:
        raise ConfigError(problems)
    app = doc["boxAppSettings"]["appAuth"]
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    try:
        load_pem_private_key(app["privateKey"].encode("utf-8"), app["passphrase"].encode("utf-8"),
                             default_backend())
    except (ValueError, TypeError) as exc:
        wrong = "password" in str(exc).lower() or "decrypt" in str(exc).lower()
        reason = ("the passphrase does not open privateKey (wrong passphrase)" if wrong else
                  "privateKey is not a PEM private key that the passphrase opens ({})".format(
                      str(exc).splitlines()[0][:120]))
        raise ConfigError([Problem(path, "boxAppSettings.appAuth.passphrase", reason,
                                   "copy passphrase and privateKey together from the same download; " + fix)])

