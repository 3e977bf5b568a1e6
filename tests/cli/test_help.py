"""What the command line says about itself: each default once, the self-hit rule as it is, --quiet is quiet."""

import re

from tests.cli.test_errors import cli, corpus


def option_helps():
    """(command, option, expanded help) of every option of every command."""
    from lsr_lucene.cli.main import COMMANDS, build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name in COMMANDS:
        parser = commands[name]
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.help:
                yield name, "/".join(action.option_strings) or action.dest, formatter._expand_help(action)


def test_each_default_is_shown_once():
    helps = list(option_helps())
    assert len(helps) > 100
    twice = [(c, o, h) for c, o, h in helps if re.search(r"default[^)]*\)\s*\(default: [^)]*\)$", h)]
    assert not twice  # once: "(default: torch's choice) (default: None)", "(default 1) (default: None)", ...
    assert not [(c, o) for c, o, h in helps if "(default: None)" in h or "(default: False)" in h]
    assert any("(default: 1000)" in h for c, o, h in helps if c == "search" and o == "--k")


def test_keep_query_says_what_happens():
    helps = {(c, o): h for c, o, h in option_helps()}
    for command in ("run", "search"):
        assert "True" not in helps[command, "--keep-query"]  # once: "(default: True)", BEIR collections drop them
        assert "dropped for BEIR collections" in helps[command, "--remove-query"]


def test_quiet_silences_the_model_loading_bar(tmp_path):
    path = corpus(tmp_path, ['{"_id": "a", "text": "a fine day"}\n'])
    code, _, err = cli("encode", "--collection", str(path), "--output", str(tmp_path / "o"), "--quiet")
    assert code == 0, err
    assert "Loading weights" not in err and "%|" not in err  # once: transformers' bar despite --quiet
