"""Anonymised recordings: deterministic fakes, secrets dropped, what the API orders and sums kept."""

from __future__ import annotations

import json
import re

from aibridge_mock.proxy.anonymize import Anonymizer

USER = {
    "id": "5b0c8a1e-0000-4000-8000-000000000001",
    "username": "jdoe",
    "name": "Jane Doe",
    "avatar_url": "https://x/a.png",
}
USERNAME_RULE = re.compile(r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$")


def _record() -> dict[str, object]:
    return {
        "id": "a0000000-0000-4000-8000-000000000001",
        "initiator": USER["id"],
        "api_key_id": "q7KfW2mZpA",
        "credential_hint": "sk-a...efgh",
        "metadata": {"Username": "JDoe", "contact": "jane@corp.example", "editor": "vscode"},
        "user_prompts": [{"id": "p", "prompt": "fix the login bug in auth.go", "created_at": "t"}],
        "tool_usages": [
            {
                "id": "t",
                "tool": "Read",
                "input": '{"file_path":"/home/jane/secret.go","limit":20,"all":true}',
            },
            {"id": "u", "tool": "Bash", "input": "rm -rf /tmp/x", "invocation_error": "permission denied"},
        ],
        "model_thoughts": [{"text": "Jane wants the login fixed.", "created_at": "t"}],
        "token_usages": [{"id": "k", "input_tokens": 5, "output_tokens": 7}],
    }


def test_the_same_values_get_the_same_fakes_and_another_salt_other_ones() -> None:
    first, again, salted = Anonymizer(), Anonymizer(), Anonymizer("secret")
    assert first.user(USER) == again.user(USER) != salted.user(USER)
    assert (
        first.text("hello there world") == again.text("hello there world") != salted.text("hello there world")
    )


def test_a_fake_user_keeps_the_id_and_which_fields_are_set() -> None:
    fake = Anonymizer().user(USER)
    assert fake["id"] == USER["id"] and set(fake) == set(USER)
    assert USERNAME_RULE.fullmatch(fake["username"]) and len(fake["username"]) <= 32
    assert "jdoe" not in json.dumps(fake).lower() and "Jane" not in fake["name"]
    assert set(Anonymizer().user({"id": USER["id"], "username": "x"})) == {"id", "username"}


def test_an_interception_loses_its_secrets_and_personal_text_but_keeps_its_numbers() -> None:
    anonymizer = Anonymizer()
    fake_user = anonymizer.user(USER)
    fake = anonymizer.interception(_record())
    text = json.dumps(fake)
    for secret in (
        "q7KfW2mZpA",
        "sk-a...efgh",
        "login bug",
        "/home/jane",
        "rm -rf",
        "permission denied",
        "Jane",
    ):
        assert secret not in text
    assert fake["api_key_id"] is None and "credential_hint" not in fake
    assert fake["metadata"]["Username"] == fake_user["username"]
    assert fake["metadata"]["contact"].endswith("@example.com") and fake["metadata"]["editor"] == "vscode"
    arguments = json.loads(fake["tool_usages"][0]["input"])
    assert (
        list(arguments) == ["file_path", "limit", "all"]
        and arguments["limit"] == 20
        and arguments["all"] is True
    )
    assert fake["token_usages"] == _record()["token_usages"] and fake["id"] == _record()["id"]
