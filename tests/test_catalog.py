"""Generated prompts and tool calls read like one person's work in one codebase."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from aibridge_mock.server.dataset import catalog
from aibridge_mock.server.dataset.details import stack_of
from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset
from aibridge_mock.server.dataset.store import Dataset

_OWNERS: dict[str, set[str]] = defaultdict(set)
for _stack, _ in catalog.STACKS:
    for _word in (*_stack.paths, *_stack.funcs, *_stack.libs, _stack.test_command, *_stack.jobs):
        _OWNERS[_word].add(_stack.name)
# Words that name one stack only (every stack has a lint job; validate_email is Python and Ruby).
STACK_WORDS = {word: next(iter(owners)) for word, owners in _OWNERS.items() if len(owners) == 1}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build_dataset(DatasetOptions(seed=3, interceptions=2_000))


def _texts(dataset: Dataset, row: int) -> list[str]:
    detail = dataset.detail(row)
    return (
        [p["prompt"] for p in detail.user_prompts]
        + [t["input"] for t in detail.tool_usages]
        + detail.thoughts
    )


def test_a_users_prompts_and_tool_calls_stay_in_one_codebase(dataset: Dataset) -> None:
    stacks: dict[str, set[str]] = defaultdict(set)
    mentions = 0
    for row in range(dataset.n_ended):
        user = dataset.facts(row).username
        for text in _texts(dataset, row):
            for word, stack in STACK_WORDS.items():
                if re.search(rf"(?<![\w/.-]){re.escape(word)}(?![\w-])", text):
                    stacks[user].add(stack)
                    mentions += 1
    assert mentions > 1_000
    mixed = {user: found for user, found in stacks.items() if len(found) > 1}
    assert not mixed
    assert len({stack_of(3, user).name for user in stacks}) >= 3


def test_refactors_use_a_library_of_the_files_language_and_renames_name_two_fields(dataset: Dataset) -> None:
    refactors = renames = 0
    for row in range(dataset.n_ended):
        for text in _texts(dataset, row):
            refactor = re.fullmatch(r"Refactor (\S+) to use (\S+)", text)
            if refactor:
                refactors += 1
                assert STACK_WORDS[refactor.group(1)] == STACK_WORDS[refactor.group(2)], text
            rename = re.fullmatch(r"Rename (\S+) to (\S+) across the codebase", text)
            if rename:
                renames += 1
                assert rename.group(1) != rename.group(2), text
    assert refactors > 5 and renames > 5


def test_language_specific_prompts_appear_only_in_their_stacks(dataset: Dataset) -> None:
    for row in range(dataset.n_ended):
        stack = stack_of(3, dataset.facts(row).username)
        for text in _texts(dataset, row):
            if "dark mode toggle" in text or "form accessible" in text:
                assert stack.name == "typescript", text
            if "add a mutex" in text:
                assert stack.name == "go", text
            if "return " in text and "when the" in text:
                assert f"return {stack.nothing} when" in text, text
