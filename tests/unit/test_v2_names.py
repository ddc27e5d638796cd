"""V2 names: what is accepted, and the rename each refusal suggests."""
import pytest

from scripts.shared.core.errors import InputError
from scripts.shared.workflows.v2_names import parse_v2_name

LANGS = ["it", "it-IT", "de-CH"]


def test_valid_name_with_underscores_and_spaces():
    v = parse_v2_name("K7Q2XM_it-IT_Nutella B-ready_banner 300x250.jpg", LANGS)
    assert (v.tracking_id, v.language, v.description, v.extension) == (
        "K7Q2XM", "it-IT", "Nutella B-ready_banner 300x250", ".jpg")


def test_lowercase_tid_and_language_are_normalised():
    v = parse_v2_name("k7q2xm_DE-ch_Plakat.png", LANGS)
    assert v.tracking_id == "K7Q2XM" and v.language == "de-CH"


@pytest.mark.parametrize("name,reason,fix", [
    ("banner.jpg", "is not a V2 name", "rename to <TID>_<lang>_<description>.jpg"),
    ("K7Q2X_it_banner.jpg", "is not 6 characters", "rename to <TID>_<lang>_<description>.jpg"),
    ("K7Q2XI_it_banner.jpg", "is not 6 characters", "<TID>_<lang>_<description>.jpg"),
    ("K7Q2XM__banner.jpg", "has no language tag", "rename to K7Q2XM_<lang>_<description>.jpg"),
    ("K7Q2XM_fr_banner.jpg", "language 'fr' is not allowed", "rename to K7Q2XM_<lang>_<description>.jpg"),
    ("K7Q2XM_it_ .jpg", "has an empty description", "rename to K7Q2XM_it_<description>.jpg"),
    ("K7Q2XM_it_banner", "has no file extension", "keeping the file's real extension"),
    ("K7Q2XM_banner.jpg", "is not a V2 name", "rename to K7Q2XM_<lang>_<description>.jpg"),
])
def test_refusals_say_how_to_rename(name, reason, fix):
    with pytest.raises(InputError) as err:
        parse_v2_name(name, LANGS)
    assert reason in err.value.message and fix in err.value.fix
