"""VK3xx end to end: fixture notes in a vault, exact diagnostics a user sees."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import vaultkit
from vaultkit.checks.context import Context
from vaultkit.checks.schedules import check_schedules
from vaultkit.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "sr" / "vault"
from seeds import SEEDS  # noqa: E402

SEED = SEEDS / "torch-module-flashcards.md"
TODAY = dt.date(2026, 11, 22)
DATA_JSON = ".obsidian/plugins/obsidian-spaced-repetition/data.json"


def run(vault, today=TODAY, config=None):
    """(path, line 1-based, col 1-based, code, message) for every VK3 diagnostic."""
    ctx = Context(vault, config or Config(), today)
    found = []
    for path in sorted(vault.notes):
        for d in check_schedules(vault.notes[path], ctx):
            found.append((d.path, d.span.line + 1, d.span.col + 1, d.code, d.message))
    return sorted(found)


@pytest.fixture(scope="module")
def fixture_vault():
    return vaultkit.load_vault(FIXTURES, use_cache=False)


@pytest.fixture(scope="module")
def fixture_results(fixture_vault):
    return run(fixture_vault)


def of(results, path):
    return [r[1:] for r in results if r[0] == path]


def test_overdue_cards(fixture_results):
    assert of(fixture_results, "overdue-card.md") == [
        (8, 34, "VK301", "card review overdue by 1 day (due 2026-11-21)"),
        (11, 9, "VK301", "card review overdue by 21 days (due 2026-11-01; schedule 1 of 2)"),
        (15, 14, "VK301", "card review overdue by 365 days (due 2025-11-22)"),
    ]


def test_grace_days_hide_recent_overdue_cards(fixture_vault):
    config = Config().with_options("sr", **{"grace-days": 21})
    results = run(fixture_vault, config=config)
    # 21 days late is within a 21-day grace; 365 days is not.
    assert [(r[0], r[1], r[4]) for r in results if r[3] == "VK301"] == [
        ("overdue-card.md", 15, "card review overdue by 365 days (due 2025-11-22)"),
    ]


def test_malformed_schedules(fixture_results):
    assert of(fixture_results, "malformed-schedule.md") == [
        (5, 30, "VK303", "malformed schedule: '2025-02-30' is not a calendar date "
         "(February 2025 has 28 days); the plugin treats the card as new"),
        (7, 36, "VK303", "malformed schedule: ease 'abc' is not a number"),
        (9, 39, "VK303", "malformed schedule: interval '3x' is not a number (the plugin reads it as 3)"),
        (11, 29, "VK303", "malformed schedule: schedule '2027-01-01,3' has 2 fields; expected 3 "
         "(due date, interval, ease); the plugin treats the card as new"),
        (13, 29, "VK303", "malformed schedule: unknown schedule format 'soon,3,250' "
         "(expected YYYY-MM-DD,interval,ease or fsrs,...); the plugin treats the card as new"),
        (15, 70, "VK303", "malformed schedule: state 7 is not an FSRS state "
         "(0 New, 1 Learning, 2 Review, 3 Relearning)"),
    ]


def test_out_of_range_values(fixture_results):
    assert of(fixture_results, "out-of-range.md") == [
        (5, 15, "VK304", "ease 120 is below the minimum 130"),
        (7, 20, "VK304", "interval 0 is below 1 day"),
        (9, 20, "VK304", "interval 40000 days is above the maximum interval 36525 (maximumInterval)"),
    ]


def test_schedule_count_mismatch(fixture_results):
    assert of(fixture_results, "count-mismatch.md") == [
        (5, 24, "VK305", "card needs 2 schedules (reversed card) but its comment has 1; "
         "the plugin treats the missing one as new"),
        (7, 20, "VK305", "card needs 1 schedule (basic card) but its comment has 2; "
         "the plugin drops 1 extra schedule at the next review"),
        (9, 34, "VK305", "card needs 2 schedules (cloze card) but its comment has 1; "
         "the plugin treats the missing one as new"),
    ]


def test_orphan_schedules(fixture_results):
    assert of(fixture_results, "orphan-schedule.md") == [
        (7, 1, "VK306", "schedule comment is not attached to any flashcard; the plugin never reads it"),
        (10, 1, "VK306", "schedule comment is not read: the card on line 9 already has one on line 9 "
         "(the plugin reads only the first)"),
    ]


def test_schedules_in_untagged_note_are_still_checked(fixture_results):
    # "#Flashcards" is not "#flashcards": the plugin's tag match is case-sensitive.
    assert of(fixture_results, "untagged-errors.md") == [
        (3, 34, "VK301", "card review overdue by 21 days (due 2026-11-01)"),
        (3, 34, "VK307", "1 schedule comment in a note without a flashcard tag (#flashcards): "
         "the Spaced Repetition plugin does not review these cards"),
    ]
    assert of(fixture_results, "untagged-ok.md") == []


def test_note_reviews(fixture_results):
    assert of(fixture_results, "review-overdue.md") == [
        (2, 1, "VK302", "note review overdue by 10 days (sr-due 2026-11-12)"),
    ]
    assert of(fixture_results, "review-malformed.md") == [
        (2, 1, "VK303", "malformed note review: sr-due '2026-02-30' is not a calendar date "
         "(February 2026 has 28 days)"),
        (3, 1, "VK303", "malformed note review: sr-interval 'four' is not a number"),
    ]
    assert of(fixture_results, "review-partial.md") == [
        (2, 1, "VK303", "malformed note review: sr-interval, sr-ease are missing or empty; "
         "the plugin treats the note as never reviewed"),
    ]
    assert of(fixture_results, "review-out-of-range.md") == [
        (3, 1, "VK304", "sr-interval 40000 days is above the maximum interval 36525 (maximumInterval)"),
        (4, 1, "VK304", "sr-ease 100 is below the minimum 130"),
    ]
    for quiet in ("review-ok.md", "review-true.md", "review-not-queued.md"):
        assert of(fixture_results, quiet) == [], quiet


def test_disabled_rule_is_not_reported(fixture_vault):
    results = run(fixture_vault, config=Config(ignore=("VK301",)))
    assert not [r for r in results if r[3] == "VK301"]
    assert [r for r in results if r[3] == "VK302"]


def make_vault(tmp_path, notes, settings=None, raw_json=None):
    for name, text in notes.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    if settings is not None or raw_json is not None:
        data = tmp_path / DATA_JSON
        data.parent.mkdir(parents=True)
        data.write_text(raw_json if raw_json is not None else json.dumps({"settings": settings}))
    return vaultkit.load_vault(tmp_path, use_cache=False)


@pytest.mark.skipif(not SEED.exists(), reason="seed note not on this machine")
def test_seed_flashcard_note_has_four_overdue_schedules(tmp_path):
    shutil.copy(SEED, tmp_path / SEED.name)
    vault = make_vault(tmp_path, {}, settings={"multilineCardSeparator": "-?-"})
    results = run(vault)
    assert [r[1:] for r in results if r[3] == "VK301"] == [
        (47, 11, "VK301", "card review overdue by 638 days (due 2025-02-22)"),
        (54, 31, "VK301", "card review overdue by 638 days (due 2025-02-22)"),
        (99, 684, "VK301", "card review overdue by 640 days (due 2025-02-20)"),
        (129, 1, "VK301", "card review overdue by 638 days (due 2025-02-22)"),
    ]
    # Tagged #dl #review, not #flashcards: the plugin finds no cards there.
    assert [r[3] for r in results if r[3] != "VK301"] == ["VK307"]


def test_custom_flashcard_tag_and_separator_from_data_json(tmp_path):
    vault = make_vault(
        tmp_path,
        {"deck.md": "#srs/torch\n\nQ ;; A <!--SR:!2026-11-20,3,250!2026-11-20,3,250-->\n"},
        settings={"flashcardTags": ["#srs"], "singleLineCardSeparator": ";;"},
    )
    results = run(vault)
    # A basic ";;" card with two schedules: the tag is a child of #srs, so cards are checked.
    assert sorted((r[1], r[3]) for r in results) == [(3, "VK301"), (3, "VK301"), (3, "VK305")]


def test_maximum_interval_comes_from_data_json(tmp_path):
    vault = make_vault(
        tmp_path,
        {"a.md": "#flashcards\n\nQ :: A <!--SR:!2027-01-01,400,250-->\n"},
        settings={"maximumInterval": 365},
    )
    assert [r[4] for r in run(vault)] == [
        "interval 400 days is above the maximum interval 365 (maximumInterval)"
    ]


def test_invalid_data_json_is_reported_and_defaults_used(tmp_path):
    vault = make_vault(
        tmp_path, {"a.md": "#flashcards\n\nQ :: A <!--SR:!2026-11-21,3,250-->\n"}, raw_json='{"settings": {,}}'
    )
    assert any(DATA_JSON in p.message and "invalid JSON" in p.message for p in vault.problems)
    assert [r[3] for r in run(vault)] == ["VK301"]


def test_rule_docs_follow_the_house_shape():
    from vaultkit.checks.registry import RULES

    codes = [code for code in RULES if code.startswith("VK3")]
    assert sorted(codes) == ["VK301", "VK302", "VK303", "VK304", "VK305", "VK306", "VK307"]
    for code in codes:
        doc = RULES[code].doc()
        for section in ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## Fix safety"):
            assert section in doc, (code, section)


def test_through_the_engine_when_it_is_wired(fixture_vault):
    runner = pytest.importorskip("vaultkit.runner")
    if not hasattr(runner, "check_vault"):
        pytest.skip("the engine has not landed yet")
    found = vaultkit.check_vault(fixture_vault, today=TODAY)
    found = [d for d in found if d.code.startswith("VK3")]
    assert sorted((d.path, d.span.line + 1, d.code) for d in found) == sorted(
        (path, line, code) for path, line, _col, code, _msg in run(fixture_vault)
    )


def test_unquoted_impossible_sr_due_is_a_malformed_review(tmp_path):
    vault = make_vault(tmp_path, {"a.md": "---\nsr-due: 2026-02-30\nsr-interval: 4\nsr-ease: 250\n---\n#review\n"})
    assert [(r[1], r[3]) for r in run(vault)] == [(2, "VK303")]
