"""[slack] bot, [pagerduty] and [statuspage] settings: tokens from the environment or a private file only.

A token never shows: not in an error line, not in --check-config's output, not in a repr. Every test
passes its own file and env mapping: the user's real config and environment are never read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from modulo_watch.config import (
    ConfigError,
    PagerDutySettings,
    Secret,
    Settings,
    SlackSettings,
    StatuspageSettings,
    load_settings,
    redacted,
    render_settings,
)
from modulo_watch.secrets_file import looks_like_token

SLACK_TOKEN = "xoxb-1234-5678-SLACKsecretTOKEN"
PD_TOKEN = "u+PDsecret1234567890"
ROUTING_KEY = "R0UT1NGKEYsecret0123456789abcdef"
SP_KEY = "2f3c-SPsecret-4d5e-6f70"
TOKENS = (SLACK_TOKEN, PD_TOKEN, ROUTING_KEY, SP_KEY)

# (section, token key, its file key, its environment variable, a token)
SECRETS = [
    ("slack", "bot_token", "bot_token_file", "MODULO_WATCH_SLACK_BOT_TOKEN", SLACK_TOKEN),
    ("pagerduty", "api_token", "api_token_file", "MODULO_WATCH_PAGERDUTY_API_TOKEN", PD_TOKEN),
    ("pagerduty", "routing_key", "routing_key_file", "MODULO_WATCH_PAGERDUTY_ROUTING_KEY", ROUTING_KEY),
    ("statuspage", "api_key", "api_key_file", "MODULO_WATCH_STATUSPAGE_API_KEY", SP_KEY),
]
SECRET_IDS = [f"{section}.{key}" for section, key, *_ in SECRETS]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def token_file(tmp_path: Path, content: str, mode: int = 0o600, name: str = "token") -> Path:
    path = tmp_path / name
    path.write_text(content)
    path.chmod(mode)
    return path


def error_for(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    message = str(caught.value)
    assert "\n" not in message
    for token in TOKENS:
        assert token not in message
    return message


def secret_of(settings: Settings, section: str, key: str) -> Secret | None:
    found: Secret | None = getattr(getattr(settings, section), key)
    return found


# --- Defaults and the plain keys ---------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {})

    assert settings.slack == SlackSettings()
    assert settings.pagerduty == PagerDutySettings()
    assert settings.statuspage == StatuspageSettings()
    assert settings.warnings == ()
    assert settings.slack.announce_channel == "#incidents"
    assert settings.slack.api_url == "https://slack.com/api"
    assert settings.pagerduty.api_url == "https://api.pagerduty.com"
    assert settings.pagerduty.events_url == "https://events.pagerduty.com"
    assert settings.statuspage.api_url == "https://api.statuspage.io/v1"
    assert not (settings.slack.configured or settings.pagerduty.configured or settings.statuspage.configured)


def test_every_plain_key_from_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[slack]
bot_token_file = "~/secrets/slack"
announce_channel = "#inc-modulo_2"
api_url = "http://127.0.0.1:8081/api"

[pagerduty]
api_token_file = "~/secrets/pd"
routing_key_file = "/run/secrets/pd-routing"
from_email = "oncall@example.com"
escalation_policy_id = "PABC123"
api_url = "http://127.0.0.1:8082"
events_url = "http://127.0.0.1:8083"

[statuspage]
api_key_file = "sp-key"
page_id = "kctbh9vrtdwd"
components = ["8kbf7d35c070", "vtnh60py4yd7"]
api_url = "http://127.0.0.1:8084/v1"
""",
    )
    # No token file exists: the environment's tokens win, so none is read.
    env = {
        "HOME": "/home/oncall",
        "MODULO_WATCH_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "MODULO_WATCH_PAGERDUTY_API_TOKEN": PD_TOKEN,
        "MODULO_WATCH_PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "MODULO_WATCH_STATUSPAGE_API_KEY": SP_KEY,
    }

    settings = load_settings(path, env)

    assert settings.slack.bot_token_file == "/home/oncall/secrets/slack"
    assert settings.slack.announce_channel == "#inc-modulo_2"
    assert settings.slack.api_url == "http://127.0.0.1:8081/api"
    assert settings.pagerduty.api_token_file == "/home/oncall/secrets/pd"
    assert settings.pagerduty.routing_key_file == "/run/secrets/pd-routing"
    assert settings.pagerduty.from_email == "oncall@example.com"
    assert settings.pagerduty.escalation_policy_id == "PABC123"
    assert settings.pagerduty.api_url == "http://127.0.0.1:8082"
    assert settings.pagerduty.events_url == "http://127.0.0.1:8083"
    assert settings.statuspage.api_key_file == "sp-key"
    assert settings.statuspage.page_id == "kctbh9vrtdwd"
    assert settings.statuspage.components == ("8kbf7d35c070", "vtnh60py4yd7")
    assert settings.statuspage.api_url == "http://127.0.0.1:8084/v1"
    assert settings.slack.configured and settings.pagerduty.configured and settings.statuspage.configured
    hash(settings)


@pytest.mark.parametrize(
    ("variable", "text", "section", "key", "expected"),
    [
        ("MODULO_WATCH_SLACK_ANNOUNCE_CHANNEL", "#war-room", "slack", "announce_channel", "#war-room"),
        ("MODULO_WATCH_SLACK_API_URL", "http://slack.test/api", "slack", "api_url", "http://slack.test/api"),
        ("MODULO_WATCH_SLACK_BOT_TOKEN_FILE", "", "slack", "bot_token_file", None),
        ("MODULO_WATCH_PAGERDUTY_FROM_EMAIL", "a.b@c.io", "pagerduty", "from_email", "a.b@c.io"),
        ("MODULO_WATCH_PAGERDUTY_FROM_EMAIL", "", "pagerduty", "from_email", None),
        (
            "MODULO_WATCH_PAGERDUTY_ESCALATION_POLICY_ID",
            "P1X2Y3Z",
            "pagerduty",
            "escalation_policy_id",
            "P1X2Y3Z",
        ),
        ("MODULO_WATCH_PAGERDUTY_API_URL", "http://pd.test", "pagerduty", "api_url", "http://pd.test"),
        ("MODULO_WATCH_PAGERDUTY_EVENTS_URL", "http://ev.test", "pagerduty", "events_url", "http://ev.test"),
        ("MODULO_WATCH_PAGERDUTY_API_TOKEN_FILE", "", "pagerduty", "api_token_file", None),
        ("MODULO_WATCH_PAGERDUTY_ROUTING_KEY_FILE", "", "pagerduty", "routing_key_file", None),
        ("MODULO_WATCH_STATUSPAGE_API_KEY_FILE", "", "statuspage", "api_key_file", None),
        ("MODULO_WATCH_STATUSPAGE_PAGE_ID", "abc123", "statuspage", "page_id", "abc123"),
        ("MODULO_WATCH_STATUSPAGE_COMPONENTS", " c1, c2 ,", "statuspage", "components", ("c1", "c2")),
        (
            "MODULO_WATCH_STATUSPAGE_API_URL",
            "http://sp.test/v1",
            "statuspage",
            "api_url",
            "http://sp.test/v1",
        ),
    ],
)
def test_the_environment_overrides_every_plain_key(
    tmp_path: Path, variable: str, text: str, section: str, key: str, expected: object
) -> None:
    path = write(
        tmp_path,
        '[slack]\nbot_token_file = "/nowhere/s"\n'
        '[pagerduty]\nfrom_email = "x@y.z"\napi_token_file = "/nowhere/p"\nrouting_key_file = "/nowhere/r"\n'
        '[statuspage]\napi_key_file = "/nowhere/k"\ncomponents = ["z9"]\n',
    )
    # Each token comes from the environment, so no /nowhere file is read, whichever key is changed.
    env = {name: token for *_, name, token in SECRETS} | {variable: text}

    assert getattr(getattr(load_settings(path, env), section), key) == expected


def test_a_token_file_path_from_the_environment_expands_home(tmp_path: Path) -> None:
    (tmp_path / "sp").write_text(SP_KEY)
    (tmp_path / "sp").chmod(0o600)
    env = {"HOME": str(tmp_path), "MODULO_WATCH_STATUSPAGE_API_KEY_FILE": "~/sp"}

    settings = load_settings(write(tmp_path, ""), env)

    assert settings.statuspage.api_key_file == str(tmp_path / "sp")
    assert settings.statuspage.api_key == Secret(SP_KEY)


# --- Tokens from the environment --------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "key", "file_key", "variable", "token"), SECRETS, ids=SECRET_IDS)
def test_a_token_from_the_environment(
    tmp_path: Path, section: str, key: str, file_key: str, variable: str, token: str
) -> None:
    settings = load_settings(write(tmp_path, ""), {variable: f" {token}\n"})

    secret = secret_of(settings, section, key)
    assert secret is not None
    assert secret.value == token  # surrounding whitespace stripped
    assert secret.origin == variable
    assert getattr(getattr(settings, section), file_key) is None
    assert settings.warnings == ()


@pytest.mark.parametrize(("section", "key", "file_key", "variable", "token"), SECRETS, ids=SECRET_IDS)
def test_an_empty_token_variable_is_unset(
    tmp_path: Path, section: str, key: str, file_key: str, variable: str, token: str
) -> None:
    for empty in ("", "  \n"):
        assert secret_of(load_settings(write(tmp_path, ""), {variable: empty}), section, key) is None


def test_a_token_variable_with_spaces_inside_is_refused_unquoted(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, ""), {"MODULO_WATCH_SLACK_BOT_TOKEN": "xoxb-1234 SLACKsecretTOKEN"})

    assert message == (
        "env MODULO_WATCH_SLACK_BOT_TOKEN: slack.bot_token:"
        " expected one token: printable ASCII, no spaces (the value is not shown here)"
    )
    assert "SLACKsecretTOKEN" not in message


def test_a_misspelt_token_variable_is_named(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, ""), {"MODULO_WATCH_SLACK_BOT_TOKN": SLACK_TOKEN})

    assert message == (
        "env MODULO_WATCH_SLACK_BOT_TOKN: not a modulo-watch setting;"
        " did you mean MODULO_WATCH_SLACK_BOT_TOKEN?"
    )


# --- Tokens in the config file are refused ----------------------------------------------------------------


@pytest.mark.parametrize(("section", "key", "file_key", "variable", "token"), SECRETS, ids=SECRET_IDS)
def test_a_token_in_the_config_file_is_refused_without_echoing_it(
    tmp_path: Path, section: str, key: str, file_key: str, variable: str, token: str
) -> None:
    path = write(tmp_path, f'[{section}]\n{key} = "{token}"\n')

    message = error_for(path)

    assert message == (
        f"{path}: {section}.{key}: a token is not read from the config file (its value is not shown here);"
        f" set {variable}, or {file_key} to a file only you can read"
    )


def test_a_token_in_the_config_file_is_refused_even_when_the_environment_has_one(tmp_path: Path) -> None:
    path = write(tmp_path, f'[slack]\nbot_token = "{SLACK_TOKEN}"\n')

    message = error_for(path, {"MODULO_WATCH_SLACK_BOT_TOKEN": "xoxb-other"})

    assert message.startswith(f"{path}: slack.bot_token: a token is not read from the config file")


def test_a_token_of_another_type_in_the_config_file_is_refused_too(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "[pagerduty]\nrouting_key = 12345678901234567890\n"))

    assert "pagerduty.routing_key: a token is not read from the config file" in message
    assert "12345678901234567890" not in message


# --- Tokens from a file -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "key", "file_key", "variable", "token"), SECRETS, ids=SECRET_IDS)
def test_a_token_from_a_file_is_read_and_stripped(
    tmp_path: Path, section: str, key: str, file_key: str, variable: str, token: str
) -> None:
    secret_path = token_file(tmp_path, f"\n  {token}\r\n\n")
    path = write(tmp_path, f'[{section}]\n{file_key} = "{secret_path}"\n')

    settings = load_settings(path, {})

    secret = secret_of(settings, section, key)
    assert secret is not None
    assert secret.value == token
    assert secret.origin == f"file {secret_path}"
    assert settings.warnings == ()  # 0600: nobody else can read it


def test_a_token_file_under_home_is_named_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # what display_path (Path.home()) reads
    token_file(tmp_path, SLACK_TOKEN, 0o644, name="slack-token")
    path = write(tmp_path, '[slack]\nbot_token_file = "~/slack-token"\n')

    settings = load_settings(path, {"HOME": str(tmp_path)})

    assert settings.slack.bot_token == Secret(SLACK_TOKEN)
    assert settings.slack.bot_token is not None and settings.slack.bot_token.origin == "file ~/slack-token"
    assert settings.warnings == (
        "slack.bot_token_file: ~/slack-token is readable by others (mode 0644): chmod 600 it",
    )


@pytest.mark.parametrize(
    ("mode", "warning"),
    [
        (0o600, None),
        (0o400, None),
        (0o644, "is readable by others (mode 0644): chmod 600 it"),
        (0o604, "is readable by others (mode 0604): chmod 600 it"),
        (0o640, "is readable by others (mode 0640): chmod 600 it"),
        (0o620, "is open to others (mode 0620): chmod 600 it"),
    ],
)
def test_a_token_file_others_can_read_warns_but_is_still_read(
    tmp_path: Path, mode: int, warning: str | None
) -> None:
    secret_path = token_file(tmp_path, PD_TOKEN, mode)
    path = write(tmp_path, f'[pagerduty]\napi_token_file = "{secret_path}"\n')

    settings = load_settings(path, {})

    assert settings.pagerduty.api_token == Secret(PD_TOKEN)
    expected = () if warning is None else (f"pagerduty.api_token_file: {secret_path} {warning}",)
    assert settings.warnings == expected
    for line in settings.warnings:
        assert PD_TOKEN not in line


def test_every_exposed_token_file_warns(tmp_path: Path) -> None:
    paths = {
        file_key: token_file(tmp_path, token, 0o644, name=file_key) for _, _, file_key, _, token in SECRETS
    }
    path = write(
        tmp_path,
        f'[slack]\nbot_token_file = "{paths["bot_token_file"]}"\n'
        f'[pagerduty]\napi_token_file = "{paths["api_token_file"]}"\n'
        f'routing_key_file = "{paths["routing_key_file"]}"\n'
        f'[statuspage]\napi_key_file = "{paths["api_key_file"]}"\n',
    )

    settings = load_settings(path, {})

    assert [line.split(":")[0] for line in settings.warnings] == [
        "slack.bot_token_file",
        "pagerduty.api_token_file",
        "pagerduty.routing_key_file",
        "statuspage.api_key_file",
    ]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: None, "cannot read {path}: no such file"),
        (lambda p: p.mkdir(), "cannot read {path}: a directory, not a file"),
        (lambda p: p.write_text(""), "{path} is empty"),
        (lambda p: p.write_text(" \n\n"), "{path} is empty"),
        (lambda p: p.write_text(f"{SLACK_TOKEN}\n{SLACK_TOKEN}\n"), "{path} does not hold one token"),
        (lambda p: p.write_text(f"token = {SLACK_TOKEN}"), "{path} does not hold one token"),
        (lambda p: p.write_bytes(b"\xff\xfe" + SLACK_TOKEN.encode()), "{path} does not hold a token"),
        (lambda p: p.write_text(SLACK_TOKEN * 1000), "{path} is larger than 16 KiB: not a token file"),
        (lambda p: os.mkfifo(p), "cannot read {path}: not a regular file"),  # unread: no hang
    ],
    ids=["missing", "directory", "empty", "blank", "two-lines", "not-a-token", "binary", "large", "fifo"],
)
def test_a_bad_token_file_is_one_line_with_key_and_path(
    tmp_path: Path, make: Callable[[Path], object], problem: str
) -> None:
    secret_path = tmp_path / "slack-token"
    make(secret_path)
    path = write(tmp_path, f'[slack]\nbot_token_file = "{secret_path}"\n')

    message = error_for(path)

    assert message.startswith(f"{path}: slack.bot_token_file: {problem.format(path=secret_path)}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_token_file(tmp_path: Path) -> None:
    secret_path = token_file(tmp_path, SP_KEY, 0o000)
    path = write(tmp_path, f'[statuspage]\napi_key_file = "{secret_path}"\n')

    assert error_for(path) == f"{path}: statuspage.api_key_file: cannot read {secret_path}: Permission denied"


def test_a_bad_token_file_named_by_the_environment_names_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "absent"

    message = error_for(write(tmp_path, ""), {"MODULO_WATCH_PAGERDUTY_ROUTING_KEY_FILE": str(missing)})

    assert message == (
        f"env MODULO_WATCH_PAGERDUTY_ROUTING_KEY_FILE: pagerduty.routing_key_file: cannot read {missing}:"
        " no such file"
    )


def test_a_token_pasted_as_a_file_path_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, f'[slack]\nbot_token_file = "{SLACK_TOKEN}"\n')

    message = error_for(path)

    assert message == (
        f"{path}: slack.bot_token_file: no such file, and the value looks like a token, not a path"
        " (not shown here); put the token in a file only you can read and name that file here,"
        " or set MODULO_WATCH_SLACK_BOT_TOKEN"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SLACK_TOKEN, True),
        (PD_TOKEN, True),
        (ROUTING_KEY, True),
        (SP_KEY, True),
        ("slack-token", False),
        ("pagerduty-api-token", False),
        ("~/secrets/pd2024abcdefghijkl", False),
        ("/run/secrets/R0UT1NGKEYsecret0123", False),
        ("tokens/v2", False),
    ],
)
def test_looks_like_token(value: str, expected: bool) -> None:
    assert looks_like_token(value) is expected


# --- The environment wins ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "key", "file_key", "variable", "token"), SECRETS, ids=SECRET_IDS)
def test_the_environment_beats_the_file(
    tmp_path: Path, section: str, key: str, file_key: str, variable: str, token: str
) -> None:
    secret_path = token_file(tmp_path, "from-the-file", 0o644)
    path = write(tmp_path, f'[{section}]\n{file_key} = "{secret_path}"\n')

    settings = load_settings(path, {variable: token})

    assert secret_of(settings, section, key) == Secret(token)
    assert settings.warnings == ()  # the file was not read: nothing to warn about


def test_with_the_environment_set_a_missing_token_file_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, f'[slack]\nbot_token_file = "{tmp_path / "absent"}"\n')

    settings = load_settings(path, {"MODULO_WATCH_SLACK_BOT_TOKEN": SLACK_TOKEN})

    assert settings.slack.bot_token == Secret(SLACK_TOKEN)


def test_an_empty_token_variable_leaves_the_file(tmp_path: Path) -> None:
    secret_path = token_file(tmp_path, SLACK_TOKEN)
    path = write(tmp_path, f'[slack]\nbot_token_file = "{secret_path}"\n')

    settings = load_settings(path, {"MODULO_WATCH_SLACK_BOT_TOKEN": ""})

    assert settings.slack.bot_token == Secret(SLACK_TOKEN)


# --- Validation of the plain keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[slack]\nannounce_channel = "incidents"\n',
            "slack.announce_channel: expected a Slack channel like",
        ),
        ('[slack]\nannounce_channel = "#Incidents"\n', 'got "#Incidents"'),
        ('[slack]\nannounce_channel = "#war room"\n', 'got "#war room"'),
        ('[slack]\nannounce_channel = "#"\n', 'got "#"'),
        (f'[slack]\nannounce_channel = "#{"a" * 81}"\n', "slack.announce_channel: expected a Slack channel"),
        ("[slack]\nannounce_channel = 5\n", "slack.announce_channel: expected a Slack channel"),
        ('[slack]\napi_url = "slack.com/api"\n', 'slack.api_url: expected an http:// or https:// URL, got "'),
        ('[pagerduty]\nfrom_email = "oncall"\n', "pagerduty.from_email: expected an email address"),
        ('[pagerduty]\nfrom_email = "on call@example.com"\n', "pagerduty.from_email: expected an email"),
        ('[pagerduty]\nfrom_email = "a@b"\n', "pagerduty.from_email: expected an email address"),
        ('[pagerduty]\nescalation_policy_id = "P-123"\n', "pagerduty.escalation_policy_id: expected an id"),
        ('[pagerduty]\nevents_url = "ftp://x"\n', "pagerduty.events_url: expected an http:// or https://"),
        ('[statuspage]\npage_id = "../pages"\n', "statuspage.page_id: expected an id of letters and digits"),
        ('[statuspage]\npage_id = ""\n', 'statuspage.page_id: expected an id of letters and digits, got ""'),
        ('[statuspage]\ncomponents = "abc"\n', 'statuspage.components: expected a list of ids, got "abc"'),
        ('[statuspage]\ncomponents = ["abc", "a/b"]\n', "statuspage.components[1]: expected an id"),
        ('[statuspage]\ncomponents = ["abc", "abc"]\n', 'statuspage.components[1]: duplicate id "abc"'),
        (
            '[statuspage]\napi_key_fil = "x"\n',
            'statuspage.api_key_fil: unknown key; did you mean "api_key_file"?',
        ),
    ],
)
def test_bad_values_are_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)

    message = error_for(path)

    assert message.startswith(f"{path}: ")
    assert expected in message


def test_exact_lines_for_a_bad_channel_email_and_page_id(tmp_path: Path) -> None:
    path = write(tmp_path, '[slack]\nannounce_channel = "incidents"\n')
    assert error_for(path) == (
        f'{path}: slack.announce_channel: expected a Slack channel like "#incidents"'
        ' (lowercase letters, digits, - and _), got "incidents"'
    )
    path = write(tmp_path, '[pagerduty]\nfrom_email = "oncall"\n')
    assert error_for(path) == (
        f'{path}: pagerduty.from_email: expected an email address like oncall@example.com, got "oncall"'
    )
    path = write(tmp_path, '[statuspage]\npage_id = "my page"\n')
    assert (
        error_for(path) == f'{path}: statuspage.page_id: expected an id of letters and digits, got "my page"'
    )


@pytest.mark.parametrize(
    ("variable", "text", "expected"),
    [
        ("MODULO_WATCH_SLACK_ANNOUNCE_CHANNEL", "", "slack.announce_channel: expected a Slack channel"),
        ("MODULO_WATCH_SLACK_API_URL", "", 'slack.api_url: expected an http:// or https:// URL, got ""'),
        ("MODULO_WATCH_PAGERDUTY_FROM_EMAIL", "nobody", "pagerduty.from_email: expected an email address"),
        (
            "MODULO_WATCH_STATUSPAGE_PAGE_ID",
            "a-b",
            "statuspage.page_id: expected an id of letters and digits",
        ),
        ("MODULO_WATCH_STATUSPAGE_COMPONENTS", "a,b!", "statuspage.components[1]: expected an id"),
    ],
)
def test_bad_environment_values_are_one_line(tmp_path: Path, variable: str, text: str, expected: str) -> None:
    message = error_for(write(tmp_path, ""), {variable: text})

    assert message.startswith(f"env {variable}: {expected}")


# --- Redaction ----------------------------------------------------------------------------------------------


def loaded_with_every_token(tmp_path: Path) -> Settings:
    slack_path = token_file(tmp_path, SLACK_TOKEN, 0o644, name="slack-token")
    sp_path = token_file(tmp_path, SP_KEY, name="sp-key")
    path = write(
        tmp_path,
        f'[slack]\nbot_token_file = "{slack_path}"\n'
        f'[statuspage]\napi_key_file = "{sp_path}"\npage_id = "kctbh9vrtdwd"\n',
    )
    env = {"MODULO_WATCH_PAGERDUTY_API_TOKEN": PD_TOKEN, "MODULO_WATCH_PAGERDUTY_ROUTING_KEY": ROUTING_KEY}
    return load_settings(path, env)


def test_redacted_settings_show_where_each_token_came_from(tmp_path: Path) -> None:
    settings = loaded_with_every_token(tmp_path)

    shown = redacted(settings)

    assert shown["slack"]["bot_token"] == f"*** (from file {tmp_path / 'slack-token'})"
    assert shown["pagerduty"]["api_token"] == "*** (from MODULO_WATCH_PAGERDUTY_API_TOKEN)"
    assert shown["pagerduty"]["routing_key"] == "*** (from MODULO_WATCH_PAGERDUTY_ROUTING_KEY)"
    assert shown["statuspage"]["api_key"] == f"*** (from file {tmp_path / 'sp-key'})"
    assert shown["slack"]["bot_token_file"] == str(tmp_path / "slack-token")
    assert redacted(load_settings(write(tmp_path, ""), {}))["slack"]["bot_token"] is None


def test_a_secret_made_without_an_origin_is_just_stars() -> None:
    assert (
        redacted(Settings(slack=SlackSettings(bot_token=Secret(SLACK_TOKEN))))["slack"]["bot_token"] == "***"
    )


def test_no_token_shows_in_rendered_settings_or_a_repr(tmp_path: Path) -> None:
    settings = loaded_with_every_token(tmp_path)

    rendered = render_settings(settings)

    assert f'bot_token = "*** (from file {tmp_path / "slack-token"})"' in rendered
    assert 'api_token = "*** (from MODULO_WATCH_PAGERDUTY_API_TOKEN)"' in rendered
    secret = settings.slack.bot_token
    assert secret is not None
    shown = (
        rendered,
        repr(settings),
        str(settings),
        repr(settings.slack),
        repr(settings.pagerduty),
        repr(settings.statuspage),
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        str(redacted(settings)),
        *settings.warnings,
    )
    for text in shown:
        for token in TOKENS:
            assert token not in text
    assert "Secret(***)" in repr(settings)


def test_the_origin_is_not_part_of_a_secrets_identity() -> None:
    assert Secret("t", origin="MODULO_WATCH_SLACK_BOT_TOKEN") == Secret("t", origin="file ~/t")
    assert Secret("t") != Secret("u")


def test_rendered_settings_without_tokens_load_back(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[slack]\nannounce_channel = "#war-room"\n'
        '[pagerduty]\nfrom_email = "oncall@example.com"\nescalation_policy_id = "PABC123"\n'
        '[statuspage]\npage_id = "kctbh9vrtdwd"\ncomponents = ["c1", "c2"]\n',
    )
    settings = load_settings(path, {})

    again = load_settings(write(tmp_path, render_settings(settings)), {})

    assert again == settings


def test_a_token_file_path_with_control_characters_is_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, '[slack]\nbot_token_file = "a\\u0000b\\u001b[31m"\n')

    assert (
        error_for(path)
        == f'{path}: slack.bot_token_file: cannot read "a\\u0000b\\u001b[31m": not a valid path'
    )
