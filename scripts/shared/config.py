"""Configuration: .env -> config/config.yaml (${VAR}, ${VAR:-default}) -> config/field_mappings.yaml.

Everything is validated up front and every problem is reported at once, each with the file, the key, the reason
and the fix, so an operator fixes a broken install in one pass (ConfigError, exit code 2).
"""
import logging
import os
import re
import stat

from .errors import ConfigError

log = logging.getLogger(__name__)

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

# Keys whose values are whole numbers; everything else stays a string (Box folder ids are digit strings).
NUMERIC_KEYS = {
    "dam.token_refresh_margin_seconds", "dam.connect_timeout_seconds", "dam.read_timeout_seconds",
    "dam.retry.max_attempts", "dam.retry.backoff_base_seconds", "dam.retry.backoff_max_seconds", "dam.page_size",
    "dam.job_poll_deadline_seconds",
    "box.connect_timeout_seconds", "box.read_timeout_seconds", "box.chunked_upload_threshold_mb",
    "box.max_retry_wait_seconds", "box.max_calls_per_minute", "box.max_uploads_per_minute", "box.download_attempts",
    "database.port", "database.connect_timeout_seconds", "database.pool_min", "database.pool_max",
    "transfer.concurrency", "transfer.max_file_bytes", "transfer.chunk_bytes", "transfer.lease_seconds",
    "transfer.backoff_base_seconds", "transfer.backoff_max_seconds", "transfer.alert_after_failures",
    "transfer.stuck_after_hours", "a2_a3.max_files_per_tick",
    "smtp.port", "smtp.timeout_seconds", "smtp.max_attempts", "notifications.webhook_timeout_seconds",
    "logging.max_bytes", "logging.backup_count",
}
# Keys holding file paths, made absolute against the project root.
PATH_KEYS = {"box.config_path", "dam.mtls_cert_path", "dam.ca_bundle", "box.ca_bundle", "smtp.ca_bundle",
             "transfer.temp_dir", "logging.dir", "notifications.state_dir"}
# Keys whose values are secrets: never logged, never emailed (the log redaction filter is fed from these).
SECRET_KEYS = {"dam.client_secret", "dam.password", "dam.mtls_cert_password", "database.password",
               "smtp.password", "notifications.webhook_secret",
               # these URLs usually carry a token in their path (Slack-style hooks, healthchecks.io)
               "notifications.webhook_url", "notifications.healthcheck_url"}

BOX_CONFIG_HELP = ("Box-config.json not found at {path}: it must sit one folder above the project "
                   "(../Box-config.json)")
BOX_CONFIG_FIX = ("Verify file exists at ../Box-config.json relative to Python-Version directory "
                  "(or set BOX_CONFIG_PATH in .env)")

# What each part of the suite needs configured; scripts ask only for what they use.
NEEDS_ALL = ("dam", "box", "database", "smtp")


class Problem(object):
    """One configuration problem: where (file, key), what is wrong, how to fix it."""

    def __init__(self, file, key, reason, fix):
        self.file, self.key, self.reason, self.fix = file, key, reason, fix

    def __str__(self):
        where = "{}: {}".format(self.file, self.key) if self.key else self.file
        return "{}: {}. Fix: {}".format(where, self.reason, self.fix)


def _user(uid):
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def file_access_fix(path, write=False):
    """The owner of ``path`` (or its nearest existing parent) and the chown/chmod that lets this user use it."""
    probe = path
    while probe and not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    try:
        st = os.stat(probe)
        owner, mode = _user(st.st_uid), oct(st.st_mode & 0o777)
    except OSError:
        owner, mode = "unknown", "unknown"
    me = _user(os.geteuid()) if hasattr(os, "geteuid") else "this user"
    perm = ("u+rwx" if os.path.isdir(probe) else "u+rw") if write else ("u+rx" if os.path.isdir(probe) else "u+r")
    return "{} is owned by {} (mode {}) and this run is {}: run sudo chown {} {} && chmod {} {}".format(
        probe, owner, mode, me, me, probe, perm, probe)


def _rel(path):
    try:
        return os.path.relpath(path, PROJECT_ROOT)
    except ValueError:
        return path


def load_env(env_path):
    """Values of the .env file merged under the real environment (the real environment wins)."""
    values = {}
    if env_path and os.path.exists(env_path):
        from dotenv import dotenv_values
        values.update({k: v for k, v in dotenv_values(env_path).items() if v is not None})
        warn_if_readable_by_others(env_path, ".env")
    values.update(os.environ)
    return values


def warn_if_readable_by_others(path, what):
    """Secret files must be private to their owner (chmod 600); say so when they are not."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        log.warning("%s at %s is readable by group/others (mode %s): run chmod 600 %s", what, path,
                    oct(mode & 0o777), path)


def interpolate(value, env, file, key, problems, unset):
    """Replace ${VAR} and ${VAR:-default} in a string; record unset required variables in ``unset``."""
    def repl(match):
        name, default = match.group(1), match.group(2)
        got = env.get(name)
        if got is None or got == "":
            if default is not None:
                return default
            unset.setdefault(key, name)
            return ""
        return got
    return _VAR.sub(repl, value)


def _walk(node, env, file, prefix, problems, unset):
    if isinstance(node, dict):
        return {k: _walk(v, env, file, "{}.{}".format(prefix, k) if prefix else str(k), problems, unset)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, env, file, "{}[{}]".format(prefix, i), problems, unset) for i, v in enumerate(node)]
    if isinstance(node, str):
        return interpolate(node, env, file, prefix, problems, unset)
    return node


def _get(cfg, dotted):
    node = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _set(cfg, dotted, value):
    parts = dotted.split(".")
    node = cfg
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _read_yaml(path, problems, what):
    import yaml
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except IOError as exc:
        problems.append(Problem(_rel(path), None, "cannot read {} ({})".format(what, exc.strerror),
                                "restore the file from the repository or pass --config PATH"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " at line {}, column {}".format(mark.line + 1, mark.column + 1) if mark else ""
        problems.append(Problem(_rel(path), None, "is not valid YAML{}: {}".format(
            where, getattr(exc, "problem", None) or exc), "correct the YAML syntax there"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(_rel(path), None, "must be a mapping of sections",
                                "restore the file from the repository"))
        return None
    return data


def _deep_merge(base, override):
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def load_config(path="config/config.yaml", needs=NEEDS_ALL, auth_mode="oauth2", env=None):
    """Load, interpolate and validate the configuration; raise ConfigError listing every problem.

    ``needs`` names the parts the caller will use ('dam', 'box', 'database', 'smtp'); only those must be complete.
    ``auth_mode`` 'mtls' (the --auth-pfx flag) requires the mTLS settings instead of the OAuth2 ones.
    """
    problems = []
    if not os.path.isabs(path) and not os.path.exists(path):
        path = os.path.join(PROJECT_ROOT, path)
    path = os.path.abspath(path)
    raw = _read_yaml(path, problems, "the main configuration")
    if raw is None:
        raise ConfigError(problems)
    base_dir = os.path.dirname(path)
    if raw.get("extends"):
        base = _read_yaml(os.path.join(base_dir, raw.pop("extends")), problems, "the base configuration")
        if base is None:
            raise ConfigError(problems)
        raw = _deep_merge(base, raw)
    env_file = raw.pop("env_file", None) or os.environ.get("DAM_ENV_FILE") or ".env"
    if not os.path.isabs(env_file):
        env_file = os.path.join(PROJECT_ROOT, env_file)
    if env is None:
        env = load_env(env_file)
    unset = {}
    cfg = _walk(raw, env, _rel(path), "", problems, unset)
    fields_path = cfg.pop("field_mappings", None) or os.path.join(base_dir, "field_mappings.yaml")
    if not os.path.isabs(fields_path):
        fields_path = os.path.join(base_dir, fields_path)
    fields = _read_yaml(fields_path, problems, "the field mappings")
    cfg["fields"] = fields if fields is not None else {}
    cfg["project_root"] = PROJECT_ROOT
    cfg["config_path"] = path
    cfg["env_file"] = env_file
    _convert(cfg, problems, _rel(path))
    _validate(cfg, needs, auth_mode, unset, problems, _rel(path), _rel(fields_path))
    if problems:
        raise ConfigError(problems)
    cfg["secrets"] = collect_secrets(cfg)
    return cfg


def _convert(cfg, problems, file):
    for key in sorted(NUMERIC_KEYS):
        value = _get(cfg, key)
        if value is None or value == "" or isinstance(value, int):
            continue
        try:
            _set(cfg, key, int(str(value).strip()))
        except ValueError:
            problems.append(Problem(file, key, "must be a whole number, got {!r}".format(value),
                                    "set a number (check the .env variable it refers to)"))
    for key in PATH_KEYS:
        value = _get(cfg, key)
        if value:
            _set(cfg, key, os.path.normpath(os.path.join(PROJECT_ROOT, value)))


def _unset_problem(file, key, unset):
    var = unset[key]
    return Problem(file, key, "refers to ${{{}}}, which is not set".format(var),
                   "set {} in .env (see .env.example for its meaning)".format(var))


def _require(cfg, keys, unset, problems, file):
    for key in keys:
        if key in unset:
            problems.append(_unset_problem(file, key, unset))
        elif _get(cfg, key) in (None, ""):
            problems.append(Problem(file, key, "is empty", "give it a value in {}".format(file)))


def _validate(cfg, needs, auth_mode, unset, problems, file, fields_file):
    needs = set(needs)
    if "dam" in needs:
        if auth_mode == "mtls":
            _require(cfg, ["dam.mtls_base_url", "dam.mtls_cert_path"], unset, problems, file)
            pfx = _get(cfg, "dam.mtls_cert_path")
            if pfx and not os.path.exists(pfx):
                problems.append(Problem(file, "dam.mtls_cert_path", "the mTLS certificate {} does not exist".format(
                    pfx), "put the PFX there (chmod 600) or set DAM_MTLS_CERT_PATH"))
            elif pfx:
                warn_if_readable_by_others(pfx, "mTLS certificate")
        else:
            _require(cfg, ["dam.base_url", "dam.auth_url", "dam.client_id", "dam.client_secret"], unset,
                     problems, file)
        for key in ("dam.base_url", "dam.auth_url", "dam.mtls_base_url"):
            value = _get(cfg, key)
            if value and not re.match(r"^https?://", value):
                problems.append(Problem(file, key, "must be an http(s) URL, got {!r}".format(value),
                                        "use the full URL, e.g. https://dam.example.com/otmmapi"))
        for key in ("dam.folders.master_assets", "dam.folders.final_assets", "dam.fields.campaign_status",
                    "dam.fields.campaign_id", "dam.fields.campaign_type"):
            if not _get(cfg, key):
                problems.append(Problem(file, key, "is missing", "restore it from the repository's config.yaml"))
    if "box" in needs:
        _require(cfg, ["box.roots.a1_a2", "box.roots.a5_a6", "box.roots.b1_b2", "box.roots.a2_a3"], unset,
                 problems, file)
        for name in ("a1_a2", "a5_a6", "b1_b2", "a2_a3"):
            value = _get(cfg, "box.roots." + name)
            if value and not re.match(r"^\d+$", str(value)):
                problems.append(Problem(file, "box.roots." + name, "must be a Box folder id (digits), got {!r}".format(
                    value), "copy the id from the folder's Box URL (…/folder/<id>)"))
        box_cfg = _get(cfg, "box.config_path")
        if box_cfg and not os.path.exists(box_cfg):
            problems.append(Problem(file, "box.config_path", BOX_CONFIG_HELP.format(path=box_cfg), BOX_CONFIG_FIX))
        elif box_cfg:
            warn_if_readable_by_others(box_cfg, "Box-config.json")
        if _get(cfg, "box.link_type") not in ("web_url", "shared_link"):
            problems.append(Problem(file, "box.link_type", "must be web_url or shared_link",
                                    "set BOX_LINK_TYPE to web_url or shared_link"))
    if "database" in needs:
        _require(cfg, ["database.host", "database.port", "database.name", "database.user", "database.password"],
                 unset, problems, file)
    if "smtp" in needs:
        if _get(cfg, "smtp.security") not in ("starttls", "ssl", "none"):
            problems.append(Problem(file, "smtp.security", "must be starttls, ssl or none",
                                    "set SMTP_SECURITY to starttls (Mailgun) or ssl"))
        _require(cfg, ["smtp.host", "smtp.port", "smtp.from_address"], unset, problems, file)
    for key in ("dam.ca_bundle", "box.ca_bundle", "smtp.ca_bundle"):
        value = _get(cfg, key)
        if value and not os.path.exists(value):
            problems.append(Problem(file, key, "CA bundle {} does not exist".format(value),
                                    "point it at a PEM file of trusted CAs or leave it empty for the system store"))
    concurrency = _get(cfg, "transfer.concurrency")
    if isinstance(concurrency, int) and not 1 <= concurrency <= 32:
        problems.append(Problem(file, "transfer.concurrency", "must be between 1 and 32, got {}".format(concurrency),
                                "set TRANSFER_CONCURRENCY to 4 (default)"))
    languages = _get(cfg, "a2_a3.languages")
    if not isinstance(languages, list) or not languages:
        problems.append(Problem(file, "a2_a3.languages", "must be a non-empty list of language tags",
                                "list the tags agencies may use, e.g. [it, it-IT, de-CH]"))
    _validate_fields(cfg.get("fields") or {}, problems, fields_file)


def _validate_fields(fields, problems, file):
    if not fields:
        return
    mvp = fields.get("mvp_fields")
    if not isinstance(mvp, list) or not mvp or not all(isinstance(f, str) and f.strip() for f in mvp):
        problems.append(Problem(file, "mvp_fields", "must be a non-empty list of field ids",
                                "list one DAM field id per line, e.g. - FERRERO.FIELD.BRAND"))
    elif len(set(mvp)) != len(mvp):
        dupes = sorted(set(f for f in mvp if mvp.count(f) > 1))
        problems.append(Problem(file, "mvp_fields", "lists {} more than once".format(", ".join(dupes)),
                                "remove the duplicate lines"))
    special = fields.get("special_fields") or {}
    for role in ("ecommerce_status", "description", "language", "state", "tracking_id", "source_file_id"):
        if not special.get(role):
            problems.append(Problem(file, "special_fields." + role, "is missing",
                                    "give the DAM field id that plays this role"))
    rejection = fields.get("rejection_fields")
    if not isinstance(rejection, list) or not all(isinstance(r, dict) and r.get("id") and r.get("label")
                                                  for r in rejection or [None]):
        problems.append(Problem(file, "rejection_fields", "must be a list of {id, label} entries",
                                "write each as - {id: FERRERO.FIELD.X, label: Shown name}"))
    if not isinstance(fields.get("forced_values", {}), dict):
        problems.append(Problem(file, "forced_values", "must be a mapping of field id to value",
                                "write it as FERRERO.FIELD.STATE: Local"))
    if not fields.get("not_approved_value"):
        problems.append(Problem(file, "not_approved_value", "is missing", "set it to NOT APPROVED"))


def collect_secrets(cfg):
    """Every secret value in the configuration (for log redaction), longest first."""
    values = set()
    for key in SECRET_KEYS:
        value = _get(cfg, key)
        if value and len(str(value)) >= 4:
            values.add(str(value))
    return sorted(values, key=len, reverse=True)
