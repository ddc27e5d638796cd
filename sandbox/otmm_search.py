"""The OTMM sandbox's text search (``POST``/``GET /search/text``, docs/otmm-api.md section 4.4), in the forms public
clients send: scalar conditions (E1, E10, E11), tabular ones (``SearchTabularCondition`` with column conditions,
E15), full-text conditions and keyword-only searches (E15, E21), paged with ``after``/``limit``.

Operators: the ids of ``State.known_operators``; an unknown one is refused with 500 and ``exception_body`` as a
failed search is (E10), or, per the ``unknown_operators`` switch, ignored (no hits: an instance the probe must not
misread) or flagged. A condition on a field the model does not have is answered 200 with
``contains_invalid_conditions: true`` and no hits (E15: a 200 can carry that flag). The index may lag behind an
object (``State.index_lag``): its hits then match and carry the fields it had when the lag began.
"""
import json

from sandbox.otmm_documents import entry_json, wanted_detail
from sandbox.otmm_state import OTMMError, scalar

TABULAR = "com.artesia.search.SearchTabularCondition"
FULLTEXT = "com.artesia.search.SearchFulltextCondition"


def search_answer(state, req):
    """The ``search_result_resource`` of one search request."""
    params = req.values
    conditions = _conditions(params.get("search_condition_list"))
    keyword = (params.get("keyword_query") or "").strip()
    if not conditions and not keyword:
        raise OTMMError(500, "A search needs a keyword_query or a search_condition_list")
    checks, invalid = [], [False]
    for cond in conditions:
        checks.extend(_checks(state, cond, invalid))
    if keyword and keyword != "*":
        checks.append(lambda obj, word=keyword.strip("*").lower(): _has_word(obj, word))
    after, limit = int(params.get("after", 0) or 0), int(params.get("limit", 100) or 100)
    scope, scope_type = params.get("folder_filter"), params.get("folder_filter_type") or "direct"
    hits = []
    if not invalid[0]:
        # what the index has: the live object, or its fields as they were when the index last saw it (index_lag)
        objects = [dict(o, fields=state.index_lag[o["asset_id"]]) if o["asset_id"] in state.index_lag else o
                   for o in list(state.folders.values()) + list(state.assets.values())]
        for obj in sorted(objects, key=lambda o: o["created"]):
            if scope and not _inside(state, obj, scope, scope_type == "all"):
                continue
            if all(check(obj) for check in checks):
                hits.append(obj)
    page = hits[after:after + limit]
    detail = wanted_detail(req)
    return {"search_result_resource": {
        "search_result": {"hit_count": len(page), "total_hit_count": len(hits), "offset": after,
                          "asset_id_list": [h["asset_id"] for h in page], "contains_invalid_conditions": invalid[0],
                          "facet_field_response_list": []},
        "asset_list": [entry_json(state, h, detail) for h in page]}}


def _conditions(raw):
    if not raw:
        return []
    try:
        found = json.loads(raw)["search_condition_list"]["search_condition"]
    except (ValueError, KeyError, TypeError):
        raise OTMMError(500, "search_condition_list is not a valid search condition list")
    return found if isinstance(found, list) else [found]


def _operator(state, cond, invalid):
    """The condition's operator id; None when this instance ignores it (no hits)."""
    op = cond.get("relational_operator_id") or ""
    if op in state.refused_operators or (op not in state.known_operators and state.unknown_operators == "refuse"):
        raise OTMMError(500, "Invalid search condition: unknown relational operator {}".format(op or "(none)"))
    if op not in state.known_operators:
        if state.unknown_operators == "flag":
            invalid[0] = True
        return None
    return op


def _checks(state, cond, invalid):
    """Predicates of one condition (several for a tabular one); ``invalid[0]`` set for an unknown field."""
    kind = cond.get("type") or ""
    if kind == FULLTEXT:
        return [lambda obj, word=str(cond.get("keyword") or "").strip("*").lower(): _has_word(obj, word)]
    if kind == TABULAR:
        declared = state.model.get(cond.get("metadata_table_id"))
        out = []
        for column in cond.get("tabular_field_list") or []:
            op = _operator(state, column, invalid)
            if not isinstance(declared, tuple) or column.get("metadata_field_id") not in declared[1]:
                invalid[0] = True
                continue
            out.append(lambda obj, t=cond["metadata_table_id"], c=column, o=op: _row_matches(obj, t, c, o))
        return out
    op = _operator(state, cond, invalid)
    field = cond.get("metadata_field_id")
    if field not in state.model or isinstance(state.model.get(field), tuple):
        invalid[0] = True
        return []
    return [lambda obj: op is not None and _matches(scalar(obj["fields"].get(field)), op, cond.get("value"))]


def _matches(value, op, wanted):
    if value is None:
        return False
    if op.endswith("CONTAINS"):
        return str(wanted).lower() in str(value).lower()
    return str(value) == str(wanted)


def _row_matches(obj, table_id, column, op):
    rows = ((obj["fields"].get(table_id) or {}).get("table") or {}).get(column["metadata_field_id"]) or []
    return op is not None and any(_matches(row, op, column.get("value")) for row in rows)


def _has_word(obj, word):
    texts = [obj["name"]]
    for value in obj["fields"].values():
        if isinstance(value, dict) and "table" in value:
            texts += [str(v) for rows in value["table"].values() for v in rows]
        elif isinstance(value, dict):
            texts += [str(value.get("domain")), str(value.get("label"))]
        else:
            texts.append(str(value))
    return any(word in t.lower() for t in texts)


def _inside(state, obj, scope, deep):
    """``folder_filter``: a direct child of ``scope``, or (``folder_filter_type=all``, E21) anywhere below it."""
    if scope in obj["parent_ids"]:
        return True
    if not deep:
        return False
    seen, level = set(), list(obj["parent_ids"])
    while level:
        parent = level.pop()
        if parent == scope:
            return True
        if parent not in seen and parent in state.folders:
            seen.add(parent)
            level.extend(state.folders[parent]["parent_ids"])
    return False
