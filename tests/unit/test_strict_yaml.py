import io

import pytest
import yaml

from scripts.shared.core import strict_yaml


def test_a_repeated_key_is_reported_with_both_lines_at_any_depth():
    data, repeated = strict_yaml.load(io.StringIO("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n"))
    assert data == {"a": 3, "b": {"x": 2}}
    assert [(r.key, r.first_line, r.line) for r in repeated] == [("x", 3, 4), ("a", 1, 5)]


def test_merge_keys_may_be_overridden_and_plain_files_read_as_safe_load():
    text = "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 5\nlist: [1, 2]\n"
    data, repeated = strict_yaml.load(io.StringIO(text))
    assert repeated == [] and data == yaml.safe_load(text)


def test_unsafe_tags_are_still_refused():
    with pytest.raises(yaml.YAMLError):
        strict_yaml.load(io.StringIO("x: !!python/object/apply:os.system ['true']\n"))
