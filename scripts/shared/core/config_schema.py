"""config/schema.yaml applied: defaults filled in, numbers and paths converted, every violation turned into a
Problem (file, key, reason, fix), unknown keys refused with "did you mean".

The schema file is the single source of the configuration's shape and defaults; this module only reads it.
"""
import copy
import difflib
import os

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "config",
                           "schema.yaml")
_CACHE = {}


def load_schema():
    if "schema" not in _CACHE:
        import yaml
        with open(SCHEMA_FILE, encoding="utf-8") as f:
            _CACHE["schema"] = yaml.safe_load(f)
    return _CACHE["schema"]


def section(name):
    """The schema of one file ("config" or "field_mappings") with the shared definitions attached."""
    schema = load_schema()
    out = dict(schema[name])
    out["definitions"] = schema.get("definitions", {})
    out["$schema"] = schema.get("$schema")
    return out


def resolve(node):
    """A schema node with its $ref expanded and the node's own keys (default, x-*) layered on top."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not ref:
        return node or {}
    merged = dict(load_schema()["definitions"][ref.rsplit("/", 1)[-1]])
    merged.update((k, v) for k, v in node.items() if k != "$ref")
    return merged


def default(dotted, name="config"):
    """The schema default of a dotted key (for code handed a partial section, e.g. by a test)."""
    for key, node in leaves(section(name)):
        if key == dotted:
            return node.get("default")
    raise KeyError("{} is not declared in config/schema.yaml".format(dotted))


def _types(node):
    t = node.get("type")
    return set(t if isinstance(t, list) else [t]) if t else set()


def apply_defaults(value, node):
    """Fill missing or empty keys of ``value`` (a dict) from the schema defaults, recursively; returns value."""
    node = resolve(node)
    if not isinstance(value, dict):
        return value
    for key, child in (node.get("properties") or {}).items():
        child = resolve(child)
        if (key not in value or value[key] is None or value[key] == "") and "default" in child:
            value[key] = copy.deepcopy(child["default"])
        if isinstance(value.get(key), dict) and "object" in _types(child):
            apply_defaults(value[key], child)
    return value


def leaves(node, prefix=""):
    """(dotted key, resolved schema node) of every declared property, depth first."""
    node = resolve(node)
    for key, child in sorted((node.get("properties") or {}).items()):
        child = resolve(child)
        dotted = "{}.{}".format(prefix, key) if prefix else key
        yield dotted, child
        if "object" in _types(child):
            for item in leaves(child, dotted):
                yield item


def keys_with(name, annotation):
    """Dotted keys of schema section ``name`` carrying ``annotation`` (x-path, x-secret)."""
    return set(k for k, n in leaves(section(name)) if n.get(annotation))


def integer_keys(name):
    return set(k for k, n in leaves(section(name)) if _types(n) == {"integer"})


def number_keys(name):
    """Keys that may be decimals (``type: number``): a ``${VAR}`` gives them as text, the loader makes them floats."""
    return set(k for k, n in leaves(section(name)) if _types(n) == {"number"})


def problems(instance, name, file, problem_class):
    """Every schema violation of ``instance`` as problem_class(file, key, reason, fix), unknown keys first."""
    from jsonschema import Draft7Validator
    schema = section(name)
    found = []
    for error in sorted(Draft7Validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        found.extend(_describe(error, file, problem_class))
    seen, out = set(), []
    for p in found:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def _dotted(path):
    out = ""
    for part in path:
        out += "[{}]".format(part) if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _or_list(values):
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else "{} or {}".format(", ".join(values[:-1]), values[-1])


def _describe(error, file, problem_class):
    key = _dotted(error.absolute_path)
    node = resolve(error.schema)
    fix = node.get("x-fix")
    kind = error.validator
    if kind == "additionalProperties":
        known = sorted((error.schema.get("properties") or {}).keys())
        out = []
        for extra in sorted(set(error.instance) - set(known)):
            where = "{}.{}".format(key, extra) if key else str(extra)
            close = difflib.get_close_matches(str(extra), known, n=1, cutoff=0.6)
            hint = "did you mean '{}'? Rename it".format(close[0]) if close else "remove it"
            out.append(problem_class(file, where, "unknown key", "{} (known keys here: {})".format(
                hint, ", ".join(known) if len(known) <= 12 else ", ".join(known[:12]) + ", ...")))
        return out
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = "{}.{}".format(key, missing) if key else missing
        child = resolve((error.schema.get("properties") or {}).get(missing) or {})
        return [problem_class(file, where, "is missing", child.get("x-fix") or fix or
                              "add it (config/schema.yaml describes every key; the repository's file has it)")]
    value = error.instance
    if kind == "type":
        types = _types(node)
        if types == {"integer"}:
            reason = "must be a whole number, got {!r}".format(value)
            fix = fix or "set a number (check the .env variable it refers to)"
        else:
            names = {"object": "a mapping (key: value lines)", "array": "a list", "string": "text",
                     "integer": "a whole number", "boolean": "true or false", "number": "a number"}
            reason = "must be {}, got {!r}".format(_or_list([names.get(t, t) for t in sorted(types)]), value)
    elif kind == "enum":
        reason = "must be {}, got {!r}".format(_or_list(node["enum"]), value)
    elif kind in ("minimum", "maximum"):
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and high is not None:
            reason = "must be between {} and {}, got {!r}".format(low, high, value)
        elif low is not None:
            reason = "must be at least {}, got {!r}".format(low, value)
        else:
            reason = "must be at most {}, got {!r}".format(high, value)
    elif kind == "pattern":
        reason = "{}, got {!r}".format(node.get("x-message") or "has the wrong form", value)
    elif kind in ("minItems", "minLength"):
        reason = "must not be empty"
    else:
        reason = error.message
    return [problem_class(file, key or "(top level)", reason, fix or "correct the value (see config/schema.yaml)")]


def setting(section_cfg, dotted):
    """``section_cfg``'s value of the last part of ``dotted`` ('box.max_retry_wait_seconds'), or the schema's default
    when it is missing or empty: the code never spells a default again (a client handed a partial section, e.g. by
    a test or a probe, still gets the one default). 0 and False are values, not 'missing'."""
    value = (section_cfg or {}).get(dotted.rsplit(".", 1)[-1])
    return default(dotted) if value is None or value == "" else value
