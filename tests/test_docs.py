"""The README stays a front page (at most 200 lines, CI's commands first), its links and those of docs/*.md point at
files and headings that exist, and every `lsr-lucene` command line they show parses."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page (headings inside code blocks left out)."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_short_and_starts_with_the_commands_ci_runs():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    start = lines.index("```bash")
    assert start <= 7 and not any(line.startswith("## ") for line in lines[:start])
    assert lines[start + 4] == "```"
    main, tests, lucene10 = (line.split("  #")[0].strip() for line in lines[start + 1:start + 4])
    assert main == "./setup.sh && .venv/bin/lsr-lucene run"
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("./setup.sh")]
    assert ci == [tests, lucene10]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_existing_files_and_headings(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def command_lines() -> list[tuple[str, str]]:
    """(page, command) for each `lsr-lucene ...` line of a bash block, continuation lines joined."""
    found = []
    for page in PAGES:
        for block in fenced(page.read_text(encoding="utf-8"), "bash"):
            for line in block.replace("\\\n", " ").splitlines():
                if line.startswith("lsr-lucene "):
                    found.append((page.name, line))
    return found


def test_every_documented_command_line_parses(capsys):
    from lsr_lucene.cli.main import build_parser

    parser, failed = build_parser(), []
    commands = command_lines()
    assert len(commands) >= 40
    for page, line in commands:
        try:
            parser.parse_args(shlex.split(line, comments=True)[1:])
        except SystemExit:
            failed.append(f"{page}: {line}")
    assert not failed, "\n".join(failed) + "\n" + capsys.readouterr().err[-2000:]
