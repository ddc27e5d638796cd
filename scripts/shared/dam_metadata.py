"""OTMM metadata documents <-> flat {field_id: value} (otmm-api.md section 5).

Reading: scalar -> its value; domain (pick-list) -> its stored code (the label stays in the raw document);
tabular -> a list (one column: the values; several columns: one dict per row). Groups are walked recursively.
Writing: scalar strings (and datetime for ISO ...Z values), lists become one table column.
"""
FIELD = "com.artesia.metadata.MetadataField"
TABLE = "com.artesia.metadata.MetadataTable"
TABLE_FIELD = "com.artesia.metadata.MetadataTableField"


def _value(inner):
    if not isinstance(inner, dict):
        return inner
    if "field_value" in inner:
        return (inner.get("field_value") or {}).get("value")
    return inner.get("value")


def flatten(document):
    """Flat ``{field_id: value}`` of a ``metadata`` model object (or its element list)."""
    out = {}
    if not document:
        return out
    elements = document.get("metadata_element_list") if isinstance(document, dict) else document
    for el in elements or []:
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


def to_elements(values, domain_fields=()):
    """Elements for asset_representation / edited_folder from ``{field_id: value}`` (None values skipped).

    Fields listed in ``domain_fields`` are written in the ``DomainValue`` form (the code in ``field_value``), for
    instances that refuse the plain string form on pick-list fields (otmm-api.md section 5.2)."""
    elements = []
    domain_fields = set(domain_fields or ())
    for field_id, value in sorted(values.items()):
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            elements.append({"id": field_id, "type": TABLE_FIELD,
                             "values": [{"value": {"type": "string", "value": str(v)}} for v in value
                                        if not isinstance(v, dict)]})
            continue
        text = str(value)
        if field_id in domain_fields:
            inner = {"type": "com.artesia.metadata.DomainValue", "field_value": {"type": "string", "value": text}}
            elements.append({"id": field_id, "type": FIELD, "value": {"value": inner}})
            continue
        kind = "datetime" if len(text) >= 20 and text[:4].isdigit() and text.endswith("Z") else "string"
        elements.append({"id": field_id, "type": FIELD, "value": {"value": {"type": kind, "value": text}}})
    return elements


def as_text(value):
    """A field value as display text: None stays None, lists are joined, strings are trimmed."""
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).strip()
