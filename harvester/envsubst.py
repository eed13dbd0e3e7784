"""``${ENV_VAR}`` interpolation in configuration values.

Grammar, applied to every string *value* (never to keys) of a loaded YAML document:

* ``${NAME}`` — the value of environment variable NAME; an unset variable is a ConfigError naming
  the file, the key path and the line;
* ``${NAME:-default}`` — NAME's value, or ``default`` when NAME is unset **or empty** (shell rules);
  the default may be empty (``${CKAN_CITY_URL:-}``) and may not contain ``}``;
* ``$${...}`` — an escape: produces the literal text ``${...}`` without interpolating;
* any other ``${`` (bad name, missing ``}``) is a ConfigError, so a typo is never passed on silently.

NAME is ``[A-Za-z_][A-Za-z0-9_]*``. The result of interpolation is always text; the config models
convert ``"8080"`` to an int where a number is expected. ``interpolate`` also reports which variables
each key path referenced, so messages can say *which* variable was missing or empty (e.g.
"target kota disabled: CKAN_CITY_URL is not set").
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from harvester.config_yaml import KeyPath, YamlDoc, format_key_path
from harvester.errors import ConfigError

_TOKEN = re.compile(
    r"\$\$\{"  # escape
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"  # placeholder
    r"|\$\{"  # anything else that opens a placeholder: malformed
)


def interpolate(doc: YamlDoc, env: Mapping[str, str]) -> tuple[Any, dict[KeyPath, list[str]]]:
    """Return (interpolated copy of ``doc.data``, {key path: variable names referenced there}).

    Raises ConfigError (file, key path, line) for an unset variable without default and for a
    malformed placeholder.
    """
    refs: dict[KeyPath, list[str]] = {}
    return _walk(doc.data, (), doc, env, refs), refs


def _walk(value: Any, key_path: KeyPath, doc: YamlDoc, env: Mapping[str, str],
          refs: dict[KeyPath, list[str]]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, key_path + (k,), doc, env, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, key_path + (i,), doc, env, refs) for i, v in enumerate(value)]
    if isinstance(value, str) and "$" in value:
        return substitute(value, env, lambda reason: ConfigError(
            reason, file=str(doc.path), key=format_key_path(key_path), line=doc.line_of(key_path)),
            refs.setdefault(key_path, []))
    return value


def substitute(text: str, env: Mapping[str, str], error, used: list[str]) -> str:  # type: ignore[no-untyped-def]
    """Interpolate one string. ``error(reason)`` builds the exception to raise; names go to ``used``."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        name = match.group("name")
        if name is None:
            raise error(
                f"malformed placeholder near {text[match.start():match.start() + 20]!r}: use ${{NAME}} or "
                f"${{NAME:-default}} (NAME = letters, digits, _), or $${{ for a literal '${{'"
            )
        used.append(name)
        default = match.group("default")
        current = env.get(name)
        if default is not None:
            return current if current else default
        if current is None:
            raise error(f"environment variable {name} is not set (write ${{{name}:-default}} to allow that)")
        return current

    return _TOKEN.sub(replace, text)
