# -*- coding: utf-8 -*-
"""OTMM metadata flattening and writing, and names made safe for the local disk (Python 3.6 compatible)."""
import unicodedata

from scripts.shared.dam.dam_metadata import as_text, flatten, to_elements, typed_values
from scripts.shared.core.safe_names import safe_component

DOC = {"type": "com.artesia.metadata.MetadataModel", "id": "M", "metadata_element_list": [
    {"id": "G1", "type": "com.artesia.metadata.MetadataCategory", "metadata_element_list": [
        {"id": "F.SCALAR", "type": "com.artesia.metadata.MetadataField",
         "value": {"value": {"type": "string", "value": "plain"}, "domain_value": False}},
        {"id": "F.NUMBER", "type": "com.artesia.metadata.MetadataField",
         "value": {"value": {"type": "number", "value": 42}}},
        {"id": "F.DOMAIN", "type": "com.artesia.metadata.MetadataField",
         "value": {"value": {"type": "com.artesia.metadata.DomainValue",
                             "field_value": {"type": "string", "value": "NOT APPROVED"},
                             "display_value": "Not approved"}, "domain_value": True}},
        {"id": "F.EMPTY", "type": "com.artesia.metadata.MetadataField", "value": {}},
        {"id": "G2", "type": "com.artesia.metadata.MetadataCategory", "metadata_element_list": [
            {"id": "F.NESTED DATE", "type": "com.artesia.metadata.MetadataField",
             "value": {"value": {"type": "datetime", "value": "2026-11-20T00:00:00Z"}}}]}]},
    {"id": "G3", "metadata_element_list": [
        {"id": "T.PRODUCTS", "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": "C.CODE", "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": {"type": "string", "value": "P1"}},
                        {"value": {"type": "com.artesia.metadata.DomainValue",
                                   "field_value": {"type": "string", "value": "P2"}, "display_value": "Prod 2"}}]},
            {"id": "C.QTY", "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": {"type": "number", "value": 3}}]}]},
        {"id": "T.KEYWORDS", "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": "C.KEYWORD", "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": {"type": "string", "value": "spring"}},
                        {"value": {"type": "string", "value": "breakfast"}}]}]},
        {"id": "C.LOOSE", "type": "com.artesia.metadata.MetadataTableField",
         "values": [{"value": {"type": "string", "value": "x"}}]}]}]}


def test_flatten_every_kind_and_every_depth():
    flat = flatten(DOC)
    assert flat == {"F.SCALAR": "plain", "F.NUMBER": 42, "F.DOMAIN": "NOT APPROVED", "F.EMPTY": None,
                    "F.NESTED DATE": "2026-11-20T00:00:00Z",
                    "T.PRODUCTS": [{"C.CODE": "P1", "C.QTY": 3}, {"C.CODE": "P2", "C.QTY": None}],
                    "T.KEYWORDS": ["spring", "breakfast"], "C.LOOSE": ["x"]}


def test_flatten_empty_inputs():
    assert flatten(None) == {} and flatten({}) == {} and flatten([]) == {}


def test_to_elements_shapes():
    elements = to_elements({"F.A": "A2", "F.DATE": "2026-11-20T00:00:00Z", "F.LIST": ["a", "b"], "F.NONE": None,
                            "F.NUM": 7})
    by_id = dict((e["id"], e) for e in elements)
    assert sorted(by_id) == ["F.A", "F.DATE", "F.LIST", "F.NUM"]
    assert by_id["F.A"] == {"id": "F.A", "type": "com.artesia.metadata.MetadataField",
                            "value": {"value": {"type": "string", "value": "A2"}}}
    assert by_id["F.DATE"]["value"]["value"]["type"] == "datetime"
    assert by_id["F.LIST"] == {"id": "F.LIST", "type": "com.artesia.metadata.MetadataTableField",
                               "values": [{"value": {"type": "string", "value": "a"}},
                                          {"value": {"type": "string", "value": "b"}}]}
    assert by_id["F.NUM"]["value"]["value"] == {"type": "number", "value": 7}  # numbers stay numbers (E7)


def test_typed_values_round_trip_keeps_types_domains_and_column_ids():
    """What a master says (NUMBER, DATE, domain, a table's column ids) is what the copy writes (E7, E10)."""
    master = {"metadata_element_list": [{"id": "G", "type": "com.artesia.metadata.MetadataCategory",
                                         "metadata_element_list": [
        {"id": "F.NUM", "type": "com.artesia.metadata.MetadataField", "value": {"value": {"type": "number",
                                                                                          "value": 12}}},
        {"id": "F.DATE", "type": "com.artesia.metadata.MetadataField",
         "value": {"value": {"type": "datetime", "value": "2026-11-20T00:00:00Z"}}},
        {"id": "F.BRAND", "type": "com.artesia.metadata.MetadataField",
         "value": {"value": {"type": "com.artesia.metadata.DomainValue", "field_value": {"type": "string",
                                                                                        "value": "NUTELLA"},
                             "display_value": "Nutella"}}},
        {"id": "T.KEYWORDS", "type": "com.artesia.metadata.MetadataTable", "metadata_element_list": [
            {"id": "C.KEYWORD", "type": "com.artesia.metadata.MetadataTableField",
             "values": [{"value": {"type": "string", "value": "spring"}}]}]}]}]}
    typed = typed_values(master)
    assert typed == {"F.NUM": 12, "F.DATE": {"datetime": "2026-11-20T00:00:00Z"}, "F.BRAND": {"domain": "NUTELLA"},
                     "T.KEYWORDS": {"table": {"C.KEYWORD": ["spring"]}}}
    by_id = dict((e["id"], e) for e in to_elements(typed))
    assert sorted(by_id) == ["C.KEYWORD", "F.BRAND", "F.DATE", "F.NUM"]  # the table under its column id
    assert by_id["F.NUM"]["value"]["value"] == {"type": "number", "value": 12}
    assert by_id["F.DATE"]["value"]["value"]["type"] == "datetime"
    assert by_id["F.BRAND"]["value"]["value"]["field_value"]["value"] == "NUTELLA"
    assert by_id["C.KEYWORD"]["type"] == "com.artesia.metadata.MetadataTableField"
    assert [as_text(typed[k]) for k in sorted(typed)] == ["NUTELLA", "2026-11-20T00:00:00Z", "12",
                                                          "spring"]


def test_round_trip_of_written_scalars():
    doc = {"metadata_element_list": to_elements({"X.FIELD ONE": "é ü", "X.TWO": "v"})}
    assert flatten(doc) == {"X.FIELD ONE": u"é ü", "X.TWO": "v"}


def test_safe_component_blocks_traversal_and_control_characters():
    assert safe_component("../../etc/passwd") == ".._.._etc_passwd"
    assert safe_component("..") == "unnamed" and safe_component(".") == "unnamed"
    assert safe_component("...") == "unnamed" and safe_component("") == "unnamed"
    assert safe_component(None, fallback="x") == "x"
    assert safe_component("a\\b\x00c\x1fd\x7f.jpg") == "a_bcd.jpg"
    assert safe_component("  name.  ") == "name"
    assert "/" not in safe_component("/abs/path") and not safe_component("/abs").startswith(".")


def test_safe_component_normalises_to_nfc_and_limits_bytes():
    decomposed = unicodedata.normalize("NFD", u"Café.jpg")
    assert safe_component(decomposed) == u"Café.jpg"
    long_name = u"è" * 300 + ".jpeg"
    safe = safe_component(long_name)
    assert len(safe.encode("utf-8")) <= 255 and safe.endswith(".jpeg")
    assert safe_component("x" * 400, max_length=50) == "x" * 50


def test_domain_fields_written_as_domain_values():
    element = to_elements({"F.STATUS": "A2", "F.OTHER": "x"}, domain_fields=["F.STATUS"])[1]
    assert element == {"id": "F.STATUS", "type": "com.artesia.metadata.MetadataField",
                       "value": {"value": {"type": "com.artesia.metadata.DomainValue",
                                           "field_value": {"type": "string", "value": "A2"}}}}
    assert flatten({"metadata_element_list": [element]}) == {"F.STATUS": "A2"}
