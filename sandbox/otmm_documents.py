"""The documents the OTMM sandbox answers and takes (docs/otmm-api.md section 3): folder and asset JSON with the
detail a request asks for (``level_of_detail``, ``metadata_to_return``, ``preference_id``, child counts only on a
``data_load_request``), metadata documents of scalar, pick-list and tabular fields, and the check of written
elements against the declared model (a wrong value type, an unknown field or a table id where a column id belongs
is refused with 400 and ``exception_body``).
"""
import json

from sandbox.otmm_state import API, F, MODEL, OTMMError, iso, user_id

NUMBER_TYPES = ("number", "int", "integer", "long", "float", "double", "decimal")
# Display preferences a slim listing may name (preference_id): the OTMM UI's gallery view shows a few fields only.
PREFERENCES = {"ARTESIA.PREFERENCE.GALLERYVIEW.DISPLAYED_FIELDS": {F + "ASSET_TITLE", F + "DESCRIPTION"}}


# -- folder and asset documents ------------------------------------------------------------------------------------
def wanted_detail(req, single=False):
    """What an answer carries: ``metadata`` only for a load that asks for it (``load_type`` metadata, full or
    inherited_metadata, or custom with ``load_metadata``; a bare GET carries none, E23); of it ``fields`` None =
    every field, a set = only those (slim listing); ``counts`` = container_child_counts (only on request, E6/E7)."""
    level = req.values.get("level_of_detail") or ("full" if single else "slim")
    load_type = req.values.get("load_type") or ""
    wanted = req.values.get("metadata_to_return")
    fields = None if level == "full" else set(f.strip() for f in (wanted or "").split(",") if f.strip())
    if fields is not None and req.values.get("preference_id"):  # a display preference: a few fields (E9)
        fields |= PREFERENCES.get(req.values["preference_id"], set())
    counts, asked = False, {}
    raw = req.values.get("data_load_request")
    if raw:
        try:
            asked = json.loads(raw).get("data_load_request") or {}
            counts = bool(asked.get("child_count_load_type")) and asked.get("child_count_load_type") != "none"
        except (ValueError, AttributeError):
            raise OTMMError(400, "data_load_request is not valid JSON")
    metadata = load_type in ("metadata", "full", "inherited_metadata") or (
        load_type == "custom" and asked.get("load_metadata") in (True, "true"))
    if single and metadata:  # one object's read carries its whole model even when slim (E23's sample)
        fields = None
    if load_type and load_type not in ("metadata", "full", "inherited_metadata", "custom", "system"):
        raise OTMMError(400, "Invalid load_type {!r}".format(load_type))
    return {"fields": fields, "counts": counts, "metadata": metadata}


def _metadata(state, obj, detail):
    return {"metadata": metadata_doc(obj["fields"], state.model, detail["fields"])} if detail.get(
        "metadata", True) else {}


def folder_json(state, f, detail):
    doc = {"asset_id": f["asset_id"], "name": f["name"], "data_type": "CONTAINER",
           "container_type_id": f["container_type_id"], "locked": bool(f["locked_by"]),
           "asset_state": "LOCKED" if f["locked_by"] else "NORMAL",
           "asset_lock_state_user_id": user_id(f["locked_by"]), "date_imported": iso(f["created"]),
           "date_last_updated": iso(f.get("updated", f["created"]))}
    doc.update(_metadata(state, f, detail))
    if detail["counts"]:
        kids = state.children(f["asset_id"])
        n_folders = sum(1 for k in kids if k["asset_id"] in state.folders)
        doc["container_child_counts"] = {"total_child_count": len(kids), "container_count": n_folders,
                                         "asset_count": len(kids) - n_folders}
    return doc


def asset_json(state, a, detail):
    """An asset as OpenText's sample shows it (E1/E23: state, lock holder, dates in whole seconds, the master's
    content info), with metadata only when the load asked for it."""
    doc = {"asset_id": a["asset_id"], "name": a["name"], "data_type": "DATA", "mime_type": a["mime_type"],
           "content_type": "BITMAP" if a["mime_type"].startswith("image/") else "OTHER",
           "content_size": a["size"], "version": a.get("version", 1), "latest_version": True,
           "original_asset_id": a["asset_id"], "deleted": bool(a.get("deleted")), "expired": bool(a.get("expired")),
           "locked": bool(a["locked_by"]), "checked_out": False, "import_job_id": a["import_job_id"],
           "import_user_name": "dam-integration" if a["import_job_id"] else "seed",
           "asset_state": "LOCKED" if a["locked_by"] else "NORMAL", "asset_lock_state_user_id": user_id(
               a["locked_by"]), "content_state": "NORMAL", "content_editable": True,
           "date_imported": iso(a["created"]), "date_last_updated": iso(a.get("updated", a["created"])),
           "master_content_info": {"id": "c" + a["asset_id"][1:], "name": a["file_name"],
                                   "mime_type": a["mime_type"], "content_size": a["size"], "content_kind": "MASTER",
                                   "url": "{}/renditions/c{}".format(API, a["asset_id"][1:]),
                                   **({"content_checksum": a["checksum"]} if a.get("checksum") else {})},
           "metadata_model_id": "FERRERO.MODEL.MARKETING"}
    doc.update(_metadata(state, a, detail))
    return doc


def entry_json(state, obj, detail):
    if obj["asset_id"] in state.folders:
        return folder_json(state, obj, detail)
    return asset_json(state, obj, detail)


# -- metadata representation (docs/otmm-api.md section 3) ----------------------------------------------------------
# Stored values: a string or number (scalar), {"domain": code, "label": text} (pick-list) or
# {"table": {column_id: [row values]}} (tabular field, stored under the table id).
VALUE_TYPE = {"CHAR": "string", "DATE": "datetime", "NUMBER": "number", "DOMAIN": "string"}


def _scalar_element(kind, value):
    return {"type": VALUE_TYPE.get(kind, "string"), "value": value}


def _row_element(kind, value):
    """A table row's value: as a scalar, with the ``display_value`` real rows carry (E24: pyxecm reads it)."""
    return dict(_scalar_element(kind, value), display_value="" if value is None else str(value))


def element(field_id, value, model=None):
    declared = (model or MODEL).get(field_id, "CHAR")
    if isinstance(value, dict) and "table" in value:
        columns = declared[1] if isinstance(declared, tuple) else {}
        return {"id": field_id, "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": col, "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": _row_element(columns.get(col, "CHAR"), v)} for v in rows]}
            for col, rows in value["table"].items()]}
    if isinstance(value, dict) and "domain" in value:
        inner = {"type": "com.artesia.metadata.DomainValue", "field_value": {"type": "string",
                                                                            "value": value["domain"]},
                 "display_value": value.get("label") or value["domain"]}
        return {"id": field_id, "type": "com.artesia.metadata.MetadataField",
                "value": {"value": inner, "domain_value": True, "cascading_domain_value": False}}
    kind = declared if isinstance(declared, str) else "CHAR"
    return {"id": field_id, "type": "com.artesia.metadata.MetadataField", "name": field_id.split(".")[-1],
            "value": {"value": _scalar_element(kind, value), "domain_value": kind == "DOMAIN"}}


def metadata_doc(fields, model=None, only=None):
    """The model document of ``fields``; ``only`` (a set of field ids) keeps just those (a slim listing)."""
    items = sorted((k, v) for k, v in fields.items() if only is None or k in only)
    return {"type": "com.artesia.metadata.MetadataModel", "id": "FERRERO.MODEL.MARKETING", "name": "Marketing",
            "metadata_element_list": [{"id": "FERRERO.FG.MAIN", "type": "com.artesia.metadata.MetadataCategory",
                                       "metadata_element_list": [element(k, v, model) for k, v in items]}]}


def _refuse(message):
    raise OTMMError(400, message)


def _checked_scalar(field_id, kind, inner):
    """The stored value of one written scalar, refused when its type does not fit the declared field type."""
    vtype = str(inner.get("type") or "")
    value = inner.get("value")
    if "field_value" in inner:
        if kind != "DOMAIN":
            _refuse("Field {} is not a domain field; a DomainValue cannot be written to it".format(field_id))
        return {"domain": (inner.get("field_value") or {}).get("value"),
                "label": inner.get("display_value") or inner.get("displayValue")}
    if vtype in NUMBER_TYPES:
        if kind != "NUMBER":
            _refuse("Field {} is of type {}; value type {} does not match".format(field_id, kind, vtype))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value) if "." in str(value) else int(str(value))
            except ValueError:
                _refuse("Field {}: {!r} is not a number".format(field_id, value))
        return value
    if vtype in ("datetime", "date"):
        if kind != "DATE":
            _refuse("Field {} is of type {}; value type {} does not match".format(field_id, kind, vtype))
        text = str(value)
        if not (len(text) >= 10 and text[:4].isdigit() and text[4] == "-"):
            _refuse("Field {}: {!r} is not a date (expected YYYY-MM-DDTHH:MM:SSZ)".format(field_id, value))
        return text
    if vtype == "string":
        if kind not in ("CHAR", "DOMAIN"):
            _refuse("Field {} is of type {}; value type string does not match (expected {})".format(
                field_id, kind, VALUE_TYPE.get(kind)))
        return value
    _refuse("Field {}: unknown value type {!r}".format(field_id, vtype))


def parse_elements(elements, model):
    """{field id: stored value} of written elements; every element is checked against the declared model
    (unknown field, wrong value type, table id where a column id belongs -> 400 with exception_body)."""
    columns = {}
    for table_id, declared in model.items():
        if isinstance(declared, tuple):
            for col in declared[1]:
                columns[col] = (table_id, declared[1][col])
    out = {}
    for el in elements or []:
        field_id, kind = el.get("id"), el.get("type")
        if kind == "com.artesia.metadata.MetadataTableField":
            if field_id not in columns:
                if isinstance(model.get(field_id), tuple):
                    _refuse("{} is a tabular field: write its columns (MetadataTableField) under their column ids "
                            "({})".format(field_id, ", ".join(sorted(model[field_id][1]))))
                _refuse("{} is not a column of any tabular field of the metadata model".format(field_id))
            table_id, col_kind = columns[field_id]
            rows = [_checked_scalar(field_id, col_kind, (v or {}).get("value") or {}) for v in el.get("values") or []]
            out.setdefault(table_id, {"table": {}})["table"][field_id] = rows
        elif kind == "com.artesia.metadata.MetadataTable":
            for col in el.get("metadata_element_list") or []:
                out.update(parse_elements([col], model))
        else:
            if field_id not in model:
                _refuse("Metadata field {} is not part of the metadata model".format(field_id))
            declared = model[field_id]
            if isinstance(declared, tuple):
                _refuse("{} is a tabular field: write its columns (MetadataTableField) under their column ids "
                        "({})".format(field_id, ", ".join(sorted(declared[1]))))
            out[field_id] = _checked_scalar(field_id, declared, (el.get("value") or {}).get("value") or {})
    return out


def lookup_domain_json(domain_id, values):
    """``lookup_domain`` as pyxecm reads it (E1 l.280-489): display_value, field_value, description, expiry."""
    return {"domainId": domain_id, "datatype": "CHAR", "cacheable": True, "domainValues": [
        {"display_value": label, "description": label, "expired_value": False, "active_from": "", "active_to": "",
         "field_value": {"type": "string", "value": code}} for code, label in values]}
