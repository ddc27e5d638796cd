"""OTMM metadata documents <-> flat {field_id: value} (docs/otmm-api.md section 3).

Two readings of one document:
- ``flatten`` for decisions and display: scalar -> its value; domain (pick-list) -> its stored code; tabular -> a
  list (one column: the values; several columns: one dict per row). Groups are walked recursively.
- ``typed_values`` for copying fields onto another asset without losing what the DAM's model says (evidence E7,
  E10): numbers stay numbers, dates become ``{"datetime": v}``, pick-lists ``{"domain": code}``, tables
  ``{"table": {column_id: [rows]}}`` under the table id. These forms are JSON, so they survive the database.
Writing (``to_elements``) keeps those types: ``number``, ``datetime``, the ``DomainValue`` wrapper, and tabular
fields as one ``MetadataTableField`` per column id (never under the table id).
"""
FIELD = "com.artesia.metadata.MetadataField"
TABLE = "com.artesia.metadata.MetadataTable"
TABLE_FIELD = "com.artesia.metadata.MetadataTableField"
DOMAIN = "com.artesia.metadata.DomainValue"
NUMBER_TYPES = ("number", "int", "integer", "long", "float", "double", "decimal")
DATE_TYPES = ("datetime", "date")


def _value(inner):
    if not isinstance(inner, dict):
        return inner
    if "field_value" in inner:
        return (inner.get("field_value") or {}).get("value")
    return inner.get("value")


def _elements(document):
    if not document:
        return []
    return (document.get("metadata_element_list") if isinstance(document, dict) else document) or []


def flatten(document):
    """Flat ``{field_id: value}`` of a ``metadata`` model object (or its element list)."""
    out = {}
    for el in _elements(document):
        kind = el.get("type")
        if kind == TABLE:
            columns = [(c.get("id"), [_value((v or {}).get("value")) for v in c.get("values") or []])
                       for c in el.get("metadata_element_list") or []]
            if len(columns) == 1:
                out[el["id"]] = columns[0][1]
            else:
                rows = max([len(v) for _, v in columns] or [0])
                out[el["id"]] = [{cid: (vals[i] if i < len(vals) else None) for cid, vals in columns}
                                 for i in range(rows)]
        elif kind == TABLE_FIELD:
            out[el["id"]] = [_value((v or {}).get("value")) for v in el.get("values") or []]
        elif "metadata_element_list" in el:
            out.update(flatten(el))
        elif "id" in el:
            out[el["id"]] = _value((el.get("value") or {}).get("value"))
    return out


def _typed_scalar(inner):
    """One read value in the typed form (see the module docstring)."""
    if not isinstance(inner, dict):
        return inner
    if "field_value" in inner:
        return {"domain": (inner.get("field_value") or {}).get("value")}
    vtype = str(inner.get("type") or "").lower()
    value = inner.get("value")
    if value is None:
        return None
    if vtype in NUMBER_TYPES:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return float(value) if "." in str(value) else int(str(value))
        except ValueError:
            return value
    if vtype in DATE_TYPES:
        return {"datetime": value}
    return value


def typed_values(document):
    """``{field_id: typed value}`` of a ``metadata`` model object, keeping types, domain codes and column ids."""
    out = {}
    for el in _elements(document):
        kind = el.get("type")
        if kind == TABLE:
            out[el["id"]] = {"table": dict((c.get("id"), [_typed_scalar((v or {}).get("value"))
                                                          for v in c.get("values") or []])
                                           for c in el.get("metadata_element_list") or [])}
        elif kind == TABLE_FIELD:
            out[el["id"]] = {"table": {el["id"]: [_typed_scalar((v or {}).get("value"))
                                                  for v in el.get("values") or []]}}
        elif "metadata_element_list" in el:
            out.update(typed_values(el))
        elif "id" in el:
            out[el["id"]] = _typed_scalar((el.get("value") or {}).get("value"))
    return out


def _inner(value, domain=False):
    """The ``value.value`` object written for one scalar in its typed form."""
    if isinstance(value, dict) and "domain" in value:
        return {"type": DOMAIN, "field_value": {"type": "string", "value": str(value["domain"])}}
    if isinstance(value, dict) and "datetime" in value:
        return {"type": "datetime", "value": str(value["datetime"])}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"type": "number", "value": value}
    text = str(value)
    if domain:
        return {"type": DOMAIN, "field_value": {"type": "string", "value": text}}
    # an untyped ISO ...Z string (a value stored before typed reads existed) is most likely a DATE field
    kind = "datetime" if len(text) >= 20 and text[:4].isdigit() and text.endswith("Z") else "string"
    return {"type": kind, "value": text}


def to_elements(values, domain_fields=()):
    """Elements for asset_representation / edited_folder from ``{field_id: value}`` (None values skipped).

    Typed forms (``typed_values``) are written in their own type. Plain strings are written as ``string`` (or in
    the ``DomainValue`` form for the fields listed in ``domain_fields``, dam.domain_fields). A plain list (a table
    read before column ids were kept) is written as one column under the field id."""
    elements = []
    domain_fields = set(domain_fields or ())
    for field_id, value in sorted(values.items()):
        if value is None:
            continue
        if isinstance(value, dict) and "table" in value:
            for column_id, rows in sorted((value["table"] or {}).items()):
                elements.append({"id": column_id, "type": TABLE_FIELD,
                                 "values": [{"value": _inner(v)} for v in rows or [] if v is not None]})
            continue
        if isinstance(value, (list, tuple)):
            elements.append({"id": field_id, "type": TABLE_FIELD,
                             "values": [{"value": _inner(v)} for v in value if not isinstance(v, dict)]})
            continue
        elements.append({"id": field_id, "type": FIELD,
                         "value": {"value": _inner(value, domain=field_id in domain_fields)}})
    return elements


def as_text(value):
    """A field value (flat or typed) as display text: None stays None, lists and tables are joined, strings are
    trimmed, a pick-list shows its code and a date its ISO text."""
    if value is None:
        return None
    if isinstance(value, dict):
        if "domain" in value:
            return as_text(value["domain"])
        if "datetime" in value:
            return as_text(value["datetime"])
        if "table" in value:
            rows = [as_text(v) for col in sorted(value["table"]) for v in value["table"][col] or []]
            return ", ".join(r for r in rows if r is not None)
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(as_text(v)) for v in value)
    return str(value).strip()
