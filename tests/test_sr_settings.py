"""The SR plugin's data.json (reference B1)."""

from __future__ import annotations

import json
import pickle

from vaultkit.sr.settings import DATA_JSON, SRSettings, load_sr_settings


def write(root, text):
    path = root / DATA_JSON
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")


def test_missing_file_gives_plugin_defaults(tmp_path):
    settings, problem = load_sr_settings(tmp_path)
    assert problem is None
    assert settings == SRSettings()
    assert (settings.single_line_separator, settings.multiline_separator) == ("::", "?")
    assert settings.flashcard_tags == ("#flashcards",) and settings.tags_to_review == ("#review",)
    assert (settings.base_ease, settings.maximum_interval) == (250, 36525)


def test_settings_are_read_and_missing_keys_default(tmp_path):
    write(tmp_path, json.dumps({
        "settings": {"multilineCardSeparator": "-?-", "flashcardTags": ["#srs"], "baseEase": 230},
        "buryDate": "2025-01-01", "buryList": [],
    }))
    settings, problem = load_sr_settings(tmp_path)
    assert problem is None
    assert settings.multiline_separator == "-?-"
    assert settings.flashcard_tags == ("#srs",)
    assert settings.base_ease == 230
    assert settings.single_line_separator == "::"


def test_invalid_json_names_file_and_position(tmp_path):
    write(tmp_path, '{\n  "settings": {\n    "baseEase": ,\n  }\n}')
    settings, problem = load_sr_settings(tmp_path)
    assert settings == SRSettings()
    assert problem.startswith(f"{DATA_JSON}:3:17: invalid JSON")


def test_wrong_value_type_falls_back_with_a_message(tmp_path):
    write(tmp_path, json.dumps({"settings": {"flashcardTags": "#srs", "maximumInterval": 365}}))
    settings, problem = load_sr_settings(tmp_path)
    assert settings.flashcard_tags == ("#flashcards",)
    assert settings.maximum_interval == 365
    assert 'settings.flashcardTags must be a list of strings, got "#srs"' in problem


def test_cloze_patterns_rebuilt_from_old_switches(tmp_path):
    write(tmp_path, json.dumps({"settings": {"convertHighlightsToClozes": False, "convertBoldTextToClozes": True}}))
    settings, _ = load_sr_settings(tmp_path)
    assert settings.cloze_patterns == ("**[123;;]answer[;;hint]**",)


def test_settings_hash_and_pickle_for_the_parse_cache():
    settings = SRSettings(multiline_separator="-?-")
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert hash(settings) == hash(SRSettings(multiline_separator="-?-"))
    assert settings != SRSettings()
