"""Every environment variable the app reads is documented, with its default, in the README
and in config/.env.example, so the docs cannot drift from the code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables_read_by_settings() -> set[str]:
    # settings.py and its siblings (settings_sms.py: the SMS settings).
    source = "".join(p.read_text() for p in sorted((ROOT / "mutualaid").glob("settings*.py")))
    return set(
        re.findall(
            r'_(?:str|int|float|bool|choice|list|csv)\w*\(\s*env,\s*"([A-Z][A-Z0-9_]+)"', source
        )
    )


def test_settings_read_some_variables():
    names = _variables_read_by_settings()
    assert {"DATABASE_URL", "QUEUE_URL", "SMS_BACKEND", "GEOCODER"} <= names


def test_every_variable_is_in_the_readme_and_env_example():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "config" / ".env.example").read_text()
    missing_readme = sorted(n for n in _variables_read_by_settings() if f"`{n}`" not in readme)
    missing_example = sorted(
        n for n in _variables_read_by_settings() if not re.search(rf"^#?\s*{n}=", example, re.M)
    )
    assert missing_readme == [], f"README.md configuration table lacks {missing_readme}"
    assert missing_example == [], f"config/.env.example lacks {missing_example}"
