"""The README's example runs and prints what its comments promise; its two set-up commands stay as CI uses them."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_example_prints_what_its_comments_say():
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    promised = [line.split("# ", 1)[1].strip() for line in code.splitlines() if line.startswith("print(") and "# " in line]
    lines = printed.getvalue().splitlines()
    for expected in promised:
        assert expected in lines, f"README promises {expected!r}; printed {lines}"


def test_readme_gives_the_two_setup_commands_ci_runs():
    for marker in ("lessons-command", "test-command"):
        block = re.search(rf"<!-- {marker} -->\n```bash\n(.+?)\n```\n<!-- /{marker} -->", README, re.S)
        assert block is not None and "\n" not in block.group(1), f"{marker}: one command line expected"
    assert "jupyter lab lessons/" in README
    ci_script = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "test-command" in ci_script, ".ci/run must run the README's test command"
