"""YAML that refuses a key written twice in one mapping.

PyYAML keeps the last of two equal keys without a word, so a second `transfer:` section pasted at the end of
config.yaml silently replaced the first (issue 27.8). This loader reads like ``yaml.safe_load`` and records every
repeated key with both line numbers; the configuration loader turns each into a problem naming file, line and key.
Merge keys (``<<:``) may be overridden as YAML intends. Works with the PyYAML that Python 3.6 installs.
"""
import yaml

MERGE_TAG = "tag:yaml.org,2002:merge"


class RepeatedKey(object):
    def __init__(self, key, first_line, line):
        self.key, self.first_line, self.line = key, first_line, line


class _CheckingLoader(yaml.SafeLoader):
    def __init__(self, stream):
        yaml.SafeLoader.__init__(self, stream)
        self.repeated = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = {}
            for key_node, _value in node.value:
                if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=False)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:
                    continue
                if first is not key_node:
                    self.repeated.append(RepeatedKey(key, first.start_mark.line + 1, key_node.start_mark.line + 1))
        return yaml.SafeLoader.construct_mapping(self, node, deep=deep)


def load(stream):
    """(data, [RepeatedKey]) of one YAML document; raises yaml.YAMLError like ``yaml.safe_load``."""
    loader = _CheckingLoader(stream)
    try:
        data = loader.get_single_data()
        return data, sorted(loader.repeated, key=lambda r: r.line)
    finally:
        loader.dispose()
