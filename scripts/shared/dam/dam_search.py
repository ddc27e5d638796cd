"""Finding campaign folders: ``POST /search/text`` for a field value (E1, E10, E11, E15), or a walk of the folder
tree where the search config does not index folders. DAMClient takes these from DamSearch; the operator id and the
search config are settings (docs/otmm-api.md section 4), and a search the DAM does not take is a configuration
error naming them, never "no campaigns".
"""
import json

from .dam_metadata import as_text, flatten
from ..core.config import Problem
from ..core.config_schema import setting
from ..core.errors import ConfigError, ServiceError


class DamSearch(object):
    """The search half of DAMClient: it uses the client's ``_read_json``, ``_get_json``, ``_children``,
    ``_is_folder``, ``listing_params``, ``cfg`` and ``page_size``."""

    def _search(self, field_id, value):
        """Every search hit (all pages) whose field matches ``value`` per the configured operator; with
        ``dam.search.mode: walk`` the folder tree is read instead (for instances whose search config does not
        index folders, docs/otmm-api.md section 4): slower, but needs no search at all."""
        search = self.cfg.get("search") or {}
        if setting(search, "dam.search.mode") == "walk":
            return [f for f in self._walk_folders(search)
                    if as_text(flatten(f.get("metadata")).get(field_id)) == str(value).strip()]
        condition = {"search_condition_list": {"search_condition": [{
            "type": "com.artesia.search.SearchScalarCondition", "metadata_field_id": field_id,
            "relational_operator_id": setting(search, "dam.search.operator_id"), "value": value}]}}
        after, hits = 0, []
        while True:
            # the hits carry the fields find_campaigns orders and filters on, as listings do (E1, E7, E9)
            data = dict(self.listing_params(), search_condition_list=json.dumps(condition),
                        search_config_id=setting(search, "dam.search.search_config_id"), after=after,
                        limit=self.page_size)
            doc = self.search_text(data)
            page = doc.get("asset_list") or []
            hits.extend(page)
            result = doc.get("search_result") or {}
            after += int(result.get("hit_count", len(page)) or 0)
            if not page or after >= int(result.get("total_hit_count", 0) or 0):
                return hits

    def search_text(self, data):
        """``POST /search/text`` (form, E1): its ``search_result_resource``. A condition the instance does not take
        is a configuration error naming the setting, never "nothing found": a 200 that flags
        ``contains_invalid_conditions`` (E15) or a 500 with the DAM's ``exception_body`` after the retries (E10)."""
        try:
            doc = self._read_json("POST", "/search/text", data=data)["search_result_resource"]
        except ServiceError as exc:
            if exc.status != 500:
                raise
            raise search_config_error("the DAM refused the search ({})".format(exc))
        if (doc.get("search_result") or {}).get("contains_invalid_conditions") in (True, "true"):
            raise search_config_error("the DAM flagged the search condition as invalid "
                                      "(search_result.contains_invalid_conditions)")
        return doc

    def _walk_folders(self, search):
        """Every folder down to ``walk_depth`` levels below ``walk_root`` (default: the root folders), with its
        metadata; callers re-check each one exactly, as they do with search hits."""
        root = search.get("walk_root")
        depth = int(setting(search, "dam.search.walk_depth"))
        if root:
            level = [root]
        else:
            doc = self._get_json("/folders/rootfolders", {"load_type": "system", "limit": 0})
            level = [f["asset_id"] for f in (doc.get("folders_resource") or {}).get("folder_list") or []]
        seen, found = set(level), []
        for _ in range(depth):
            following = []
            for folder_id in level:
                for item in self._children(folder_id):
                    if self._is_folder(item) and item["asset_id"] not in seen:
                        seen.add(item["asset_id"])
                        found.append(item)
                        following.append(item["asset_id"])
            level = following
        return found


def search_config_error(reason):
    """The configuration error of a search the DAM does not take: the operator id or the search config."""
    return ConfigError([Problem(".env", "DAM_SEARCH_OPERATOR_ID (dam.search.operator_id)", reason,
                                "set DAM_SEARCH_OPERATOR_ID to an operator this OTMM knows (OpenText's own clients "
                                "send ARTESIA.OPERATOR.CHAR.CONTAINS), check DAM_SEARCH_CONFIG_ID and the field "
                                "ids in config (dam.fields, special_fields); python scripts/test_connection.py "
                                "--probe-dam FOLDER_ID compares the operators")])
