"""Versioned judge prompts: ``prompts/<name>/<version>.md``, loaded once, rendered per call.

A file is YAML front matter between ``---`` lines (``description``, ``temperature``,
``max_output_tokens``) and a body with two sections, each starting at a line that is
exactly ``## system`` or ``## user``. Each section is a Jinja2 template (sandboxed,
no autoescape, undefined variables are errors) over ``transcript`` (the rendered text),
``metrics`` and ``evidence`` (dicts). The user section must wrap the transcript in
``<transcript>`` … ``</transcript>``. See ``prompts/README.md``.

Templates are compiled at load time, so a broken prompt fails at start-up, not in a job.
``content_hash`` (sha256 of the file's bytes) lets the caller pin versions elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.transcript import DELIMITER

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "prompts"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^## (system|user)[ \t]*$", re.MULTILINE)
_ENV = SandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)


class PromptError(ValueError):
    """A prompt file that cannot be used; the message names the file."""


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1)
    temperature: float = Field(ge=0.0, le=2.0)
    max_output_tokens: int = Field(gt=0)


@dataclass(frozen=True)
class Prompt:
    """One prompt version: its identity, model parameters and compiled templates."""

    name: str
    version: str
    content_hash: str
    description: str
    temperature: float
    max_output_tokens: int
    _system: Template = field(repr=False, compare=False)
    _user: Template = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.name}/{self.version}"

    def render(
        self, transcript: str, metrics: Mapping[str, Any], evidence: Mapping[str, Any]
    ) -> list[dict[str, str]]:
        """The chat messages: one system message, one user message."""
        variables = {"transcript": transcript, "metrics": metrics, "evidence": evidence}
        return [
            {"role": "system", "content": self._system.render(variables).strip()},
            {"role": "user", "content": self._user.render(variables).strip()},
        ]


class PromptRegistry:
    """Every prompt version under one folder, by key (``"outcome/v1"``)."""

    def __init__(self, prompts: Mapping[str, Prompt]) -> None:
        self._prompts = dict(prompts)

    @classmethod
    def load(cls, folder: Path | None = None) -> PromptRegistry:
        root = DEFAULT_FOLDER if folder is None else Path(folder)
        if not root.is_dir():
            raise PromptError(f"{root}: no such prompt folder")
        prompts = (_load(path) for path in sorted(root.glob("*/*.md")))
        return cls({prompt.key: prompt for prompt in prompts})

    def get(self, key: str) -> Prompt:
        try:
            return self._prompts[key]
        except KeyError:
            known = ", ".join(sorted(self._prompts)) or "none"
            raise KeyError(f"no prompt {key!r}; known: {known}") from None

    def all(self) -> list[Prompt]:
        return [self._prompts[key] for key in sorted(self._prompts)]


def _load(path: Path) -> Prompt:
    raw = path.read_bytes()
    try:
        front, system, user = _split(raw.decode("utf-8"))
        meta = _FrontMatter.model_validate(yaml.safe_load(front))
        templates = _compile("system", system), _compile("user", user)
    except (UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{path}: {exc}") from exc
    except PromptError as exc:
        raise PromptError(f"{path}: {exc}") from None
    return Prompt(
        name=path.parent.name,
        version=path.stem,
        content_hash=hashlib.sha256(raw).hexdigest(),
        description=meta.description,
        temperature=meta.temperature,
        max_output_tokens=meta.max_output_tokens,
        _system=templates[0],
        _user=templates[1],
    )


def _compile(section: str, source: str) -> Template:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise PromptError(
            f"template syntax error in the {section} section, line {exc.lineno}: {exc}"
        ) from exc


def _split(text: str) -> tuple[str, str, str]:
    """Front matter, system section and user section of a prompt file."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise PromptError("no front matter between --- lines at the top")
    front, body = match.groups()
    parts = _SECTION.split(body)
    if parts[1::2] != ["system", "user"] or parts[0].strip():
        raise PromptError("the body must be a '## system' section, then a '## user' section")
    user = parts[4]
    if f"<{DELIMITER}>" not in user or f"</{DELIMITER}>" not in user:
        raise PromptError(f"the user section must wrap the transcript in <{DELIMITER}> tags")
    return front, parts[2], user
