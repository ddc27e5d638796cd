"""Configuration: .env -> config/config.yaml (${VAR}, ${VAR:-default}) -> config/field_mappings.yaml.

Both files are checked against config/schema.yaml (types, ranges, required and unknown keys, defaults: the one
place they live). Everything is validated up front and every problem is reported at once, each with the file, the
key, the reason and the fix, so an operator fixes a broken install in one pass (ConfigError, exit code 2).
"""
import logging
import os
import re
import stat

from . import config_schema
from .errors import ConfigError

log = logging.getLogger(__name__)

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

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
    """A path inside the project relative to it (config/config.yaml), anything else absolute."""
    try:
        rel = os.path.relpath(path, PROJECT_ROOT)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


ENV_FIX = "cp .env.example .env && chmod 600 .env, then fill in the values"


def load_env(env_path):
    """Values of the .env file merged under the real environment (the real environment wins).

    An .env that exists but cannot be read is a ConfigError naming its owner and the chown/chmod fix."""
    values = {}
    if env_path and os.path.exists(env_path):
        try:
            with open(env_path, encoding="utf-8") as f:
                f.read(1)
        except (IOError, OSError) as exc:
            raise ConfigError([Problem(env_path, None, "cannot read the .env file ({})".format(
                exc.strerror or exc), file_access_fix(env_path))])
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
            unset.setdefault(key, (name, got is not None))
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
    from . import strict_yaml
    try:
        with open(path, encoding="utf-8") as f:
            data, repeated = strict_yaml.load(f)
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
    for rep in repeated:
        problems.append(Problem(_rel(path), "line {}".format(rep.line), "{!r} is written twice (lines {} and {}); "
                                "only the second would count, silently".format(rep.key, rep.first_line, rep.line),
                                "merge the two into one (keep the settings you mean) and delete the other"))
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
    found = len(problems)  # keys written twice: reported with everything else at the end
    for key in ("extends", "env_file", "field_mappings"):  # file names the loader follows before the schema
        if raw.get(key) is not None and not isinstance(raw[key], str):
            problems.append(Problem(_rel(path), key, "must be a file name, got {!r}".format(raw[key]),
                                    "write the path of the file, e.g. {}: config.yaml".format(key)))
    if len(problems) > found:
        raise ConfigError(problems)
    if raw.get("extends"):
        base = _read_yaml(os.path.join(base_dir, raw.pop("extends")), problems, "the base configuration")
        if base is None:
            raise ConfigError(problems)
        raw = _deep_merge(base, raw)
    env_file = raw.pop("env_file", None) or os.environ.get("DAM_ENV_FILE") or ".env"
    if not os.path.isabs(env_file):
        env_file = os.path.join(PROJECT_ROOT, env_file)
    env_given = env is not None
    if env is None:
        env = load_env(env_file)
    unset = {}
    cfg = _walk(raw, env, _rel(path), "", problems, unset)
    fields_path = cfg.pop("field_mappings", None) or os.path.join(base_dir, "field_mappings.yaml")
    if not os.path.isabs(fields_path):
        fields_path = os.path.join(base_dir, fields_path)
    fields = _read_yaml(fields_path, problems, "the field mappings")
    _convert(cfg, "config")
    problems.extend(config_schema.problems(cfg, "config", _rel(path), Problem))
    if fields is not None:
        _convert(fields, "field_mappings")
        problems.extend(config_schema.problems(fields, "field_mappings", _rel(fields_path), Problem))
    cfg["fields"] = fields if fields is not None else {}
    cfg["project_root"] = PROJECT_ROOT
    cfg["config_path"] = path
    cfg["env_file"] = env_file
    _validate(cfg, needs, auth_mode, unset, problems, _rel(path), _rel(fields_path))
    if problems and not env_given and not os.path.exists(env_file) and any(
            not empty for _, empty in unset.values()):
        problems.insert(0, Problem(_rel(env_file), None, "not found, so the variables below are not set", ENV_FIX))
    if problems:
        raise ConfigError(problems)
    cfg["secrets"] = collect_secrets(cfg)
    return cfg


def _convert(cfg, name):
    """Defaults from the schema, digit strings of integer (number) keys to int (float), path keys made absolute (in place)."""
    config_schema.apply_defaults(cfg, config_schema.section(name))
    for key in config_schema.integer_keys(name):
        value = _get(cfg, key)
        if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
            _set(cfg, key, int(value))
    for key in config_schema.number_keys(name):
        value = _get(cfg, key)
        if isinstance(value, str) and re.match(r"^\s*-?(\d+\.?\d*|\.\d+)\s*$", value):
            _set(cfg, key, float(value))
    for key in config_schema.keys_with(name, "x-path"):
        value = _get(cfg, key)
        if value and isinstance(value, str):
            _set(cfg, key, os.path.normpath(os.path.join(PROJECT_ROOT, value)))


def _unset_problem(file, key, unset):
    var, empty = unset[key]
    if empty:
        return Problem(file, key, "refers to ${{{}}}, which is set but empty".format(var),
                       "give {} a value in .env (or the environment)".format(var))
    return Problem(file, key, "refers to ${{{}}}, which is not set".format(var),
                   "set {} in .env (see .env.example for its meaning)".format(var))


def _require(cfg, keys, unset, problems, file):
    for key in keys:
        if key in unset:
            problems.append(_unset_problem(file, key, unset))
        elif _get(cfg, key) in (None, ""):
            problems.append(Problem(file, key, "is empty", "give it a value in {}".format(file)))


def _validate(cfg, needs, auth_mode, unset, problems, file, fields_file):
    """What the schema cannot say: which keys each caller needs, files that must exist, duplicate field ids."""
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
        elif (_get(cfg, "dam.auth_mode") or "oauth2") == "session":
            _require(cfg, ["dam.base_url", "dam.username", "dam.password"], unset, problems, file)
        else:
            _require(cfg, ["dam.base_url", "dam.auth_url", "dam.client_id", "dam.client_secret"], unset,
                     problems, file)
    if "box" in needs:
        _require(cfg, ["box.roots.a1_a2", "box.roots.a5_a6", "box.roots.b1_b2", "box.roots.a2_a3"], unset,
                 problems, file)
        box_cfg = _get(cfg, "box.config_path")
        if box_cfg and not os.path.exists(box_cfg):
            problems.append(Problem(file, "box.config_path", BOX_CONFIG_HELP.format(path=box_cfg), BOX_CONFIG_FIX))
        elif box_cfg:
            warn_if_readable_by_others(box_cfg, "Box-config.json")
    if "database" in needs:
        _require(cfg, ["database.host", "database.port", "database.name", "database.user", "database.password"],
                 unset, problems, file)
    if "smtp" in needs:
        _require(cfg, ["smtp.host", "smtp.port", "smtp.from_address"], unset, problems, file)
    for key in ("dam.ca_bundle", "box.ca_bundle", "smtp.ca_bundle"):
        value = _get(cfg, key)
        if value and isinstance(value, str) and not os.path.exists(value):
            problems.append(Problem(file, key, "CA bundle {} does not exist".format(value),
                                    "point it at a PEM file of trusted CAs or leave it empty for the system store"))
    mvp = (cfg.get("fields") or {}).get("mvp_fields")
    if isinstance(mvp, list) and len(set(map(str, mvp))) != len(mvp):
        dupes = sorted(set(str(f) for f in mvp if mvp.count(f) > 1))
        problems.append(Problem(fields_file, "mvp_fields", "lists {} more than once".format(", ".join(dupes)),
                                "remove the duplicate lines"))


def check_directories(cfg, needs=NEEDS_ALL):
    """The log and state directories (and, for scripts that move files, the temp directory) exist or can be
    created and are writable: otherwise ConfigError with the path, its owner and the chown/chmod fix (exit 2, not a
    traceback). The state directory keeps the alert markers that de-duplicate alerts while the database is down:
    unwritable, every tick of an outage would alert again (issue 27.8)."""
    wanted = [("logging.dir", "LOG_DIR", "log directory"), ("notifications.state_dir", "STATE_DIR", "state directory")]
    if "box" in needs:
        wanted.append(("transfer.temp_dir", "TEMP_DIR", "temp directory"))
    problems = []
    for key, var, what in wanted:
        path = _get(cfg, key)
        if not path:
            continue
        try:
            os.makedirs(path, exist_ok=True)
            probe = os.path.join(path, ".write-test-{}".format(os.getpid()))
            with open(probe, "w"):
                pass
            os.remove(probe)
        except (IOError, OSError) as exc:
            import errno
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                fix = file_access_fix(path, write=True)
            else:
                fix = "point {} in .env at a writable directory".format(var)
            problems.append(Problem(path, key, "cannot write the {} ({})".format(what, exc.strerror or exc), fix))
    if problems:
        raise ConfigError(problems)


def collect_secrets(cfg):
    """Every secret value in the configuration (for log redaction), longest first."""
    values = set()
    for key in config_schema.keys_with("config", "x-secret"):
        value = _get(cfg, key)
        if value and len(str(value)) >= 4:
            values.add(str(value))
    return sorted(values, key=len, reverse=True)


def config_warnings(cfg):
    """Settings that work but should change, as WARNING lines for the start of every run (each names the key to
    add): an older configuration keeps running while it says what to do."""
    notify = cfg.get("notifications") or {}
    warnings = []
    if not notify.get("alert_recipients") and notify.get("default_recipients"):
        warnings.append("notifications.alert_recipients is not set, so technical alerts go to the campaign "
                        "recipients (NOTIFY_TO); fix: add ALERT_EMAIL_TO=<the operators' addresses> to .env "
                        "(alert_recipients: ${ALERT_EMAIL_TO:-} under notifications in config/config.yaml)")
    return warnings
