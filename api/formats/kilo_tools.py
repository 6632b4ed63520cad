"""Tool calls in Kilo Code / Roo Code / Cline task history.

The UI messages name a tool the way the webview shows it (``tool``: ``{"tool": "readFile",
"path": …}``; ``command``: the command line; ``use_mcp_server``: server, tool and
arguments; ``browser_action_launch`` / ``browser_action``; ``diff_error``: an edit that
failed). ``api_conversation_history.json`` (Anthropic-style content blocks) has what the
model actually called (``tool_use`` name and input) and what it got back (``tool_result``).
A UI tool message takes the first unused ``tool_use`` whose name fits it, in order, and
from it its name, arguments and result (failed on ``is_error``, a denial, a tool error or
a non-zero ``Exit code``). Without such a block (older XML tool calling, or no history
file) the UI message's own fields are the arguments, and later UI output messages
(``command_output``, ``mcp_server_response``, …) the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.formats._common import Json, as_dict, as_list, event, files_in, json_or_none, to_text

EDITS = ("apply_diff", "write_to_file", "replace_in_file", "edit_file", "search_and_replace")
UI_TOOLS: dict[str, tuple[str, ...]] = {
    "readFile": ("read_file",),
    "fetchInstructions": ("fetch_instructions",),
    "listFilesTopLevel": ("list_files",),
    "listFilesRecursive": ("list_files",),
    "listCodeDefinitionNames": ("list_code_definition_names",),
    "searchFiles": ("search_files",),
    "codebaseSearch": ("codebase_search",),
    "editedExistingFile": EDITS,
    "appliedDiff": ("apply_diff", "edit_file"),
    "newFileCreated": ("write_to_file", "edit_file"),
    "insertContent": ("insert_content",),
    "searchAndReplace": ("search_and_replace",),
    "fileDeleted": ("delete_file",),
    "switchMode": ("switch_mode",),
    "newTask": ("new_task",),
    "updateTodoList": ("update_todo_list",),
    "runSlashCommand": ("run_slash_command",),
    "generateImage": ("generate_image",),
    "webFetch": ("web_fetch",),
    "webSearch": ("web_search",),
    "summarizeTask": ("summarize_task",),
    "useSkill": ("use_skill",),
}
_EXIT_CODE = re.compile(r"Exit code: (-?\d+)")
_FAILURES = (
    ("The user denied this operation", "user denied"),
    ("The tool execution failed", "tool execution failed"),
)


class ApiHistory:
    """The tool uses and results of ``api_conversation_history.json``."""

    def __init__(self, history: list[Any] | None) -> None:
        self._uses: list[Json] = []
        self._results: dict[str, Json] = {}
        for message in map(as_dict, history or []):
            for block in map(as_dict, as_list(message.get("content"))):
                if block.get("type") == "tool_use" and message.get("role") == "assistant":
                    self._uses.append(block)
                elif block.get("type") == "tool_result":
                    self._results[str(block.get("tool_use_id"))] = block
        self._used = [False] * len(self._uses)
        self._cursor = 0

    def take(self, names: tuple[str, ...]) -> Json | None:
        """The first unused tool use named one of ``names``, now used."""
        for index in range(self._cursor, len(self._uses)):
            if not self._used[index] and self._uses[index].get("name") in names:
                self._used[index] = True
                while self._cursor < len(self._used) and self._used[self._cursor]:
                    self._cursor += 1
                return self._uses[index]
        return None

    def result(self, use: Json) -> Json | None:
        return self._results.get(str(use.get("id")))


def result_fields(block: Json) -> Json:
    """output, ok and error of a tool call from its ``tool_result`` block."""
    output = to_text(block.get("content"))
    error = _failure(output)
    if block.get("is_error") and error is None:
        error = output.strip().splitlines()[0][:500] if output.strip() else "error"
    fields: Json = {"output": output, "ok": error is None}
    if error is not None:
        fields["error"] = error
    return fields


def _failure(output: str) -> str | None:
    for marker, error in _FAILURES:
        if marker in output:
            return error
    code = _EXIT_CODE.search(output)
    if code is not None and code[1] != "0":
        return f"exit code {code[1]}"
    return None


@dataclass(frozen=True, slots=True)
class _Call:
    """What a UI message says about a tool call."""

    names: tuple[str, ...]
    """API tool names it may stand for; the first is the default tool name."""
    args: Json
    attributes: Json | None = None
    tool: str | None = None
    error: str | None = None


def _ui_tool(text: str) -> _Call:
    fields = as_dict(json_or_none(text))
    ui_name = str(fields.pop("tool", "unknown"))
    return _Call(UI_TOOLS.get(ui_name, (ui_name,)), fields, attributes={"ui_tool": ui_name})


def _command(text: str) -> _Call:
    # Cline appends "REQ_APP" to a command that needs the user's approval.
    return _Call(("execute_command",), {"command": text.removesuffix("REQ_APP").rstrip()})


def _mcp(text: str) -> _Call:
    fields = as_dict(json_or_none(text))
    arguments = json_or_none(fields.get("arguments"))
    args = {**fields, "arguments": arguments} if arguments is not None else fields
    target = fields.get("toolName") or fields.get("uri")
    tool = f"mcp__{fields.get('serverName')}__{target}"
    return _Call(("use_mcp_tool", "access_mcp_resource"), args, tool=tool)


def _browser(text: str) -> _Call:
    fields = as_dict(json_or_none(text)) or {"action": "launch", "url": text}
    return _Call(("browser_action",), fields)


def _diff_error(text: str) -> _Call:
    return _Call(EDITS[:1], {}, error=text or "diff failed")


_PARSERS: dict[str, Callable[[str], _Call]] = {
    "tool": _ui_tool,
    "command": _command,
    "use_mcp_server": _mcp,
    "browser_action_launch": _browser,
    "browser_action": _browser,
    "diff_error": _diff_error,
}
TOOL_KINDS = frozenset(_PARSERS)


class ToolCalls:
    """The tool calls of one task, in order; the latest one collects UI output."""

    def __init__(self, history: list[Any] | None) -> None:
        self._api = ApiHistory(history)
        self._latest: Json | None = None

    def call(self, kind: str, text: str, ts: datetime) -> Json:
        """The tool_call event for a UI message of one of the ``TOOL_KINDS``."""
        said = _PARSERS[kind](text)
        use = self._api.take(said.names)
        called = as_dict(use.get("input")) if use is not None else {}
        built = event(
            "tool_call",
            ts,
            id=use.get("id") if use else None,
            tool=said.tool or (str(use.get("name")) if use else said.names[0]),
            args=called or said.args,
            files=files_in(called) or files_in(said.args),
            attributes=said.attributes,
        )
        result = self._api.result(use) if use is not None else None
        if result is not None:
            built.update(result_fields(result))
        if said.error is not None:
            built.update(ok=False, error=said.error)
        self._latest = built
        return built

    def output(self, text: str) -> bool:
        """Add UI output to the latest call, unless its API result is known; False: no call."""
        latest = self._latest
        if latest is None:
            return False
        if "ok" not in latest:
            previous = latest.get("output")
            latest["output"] = f"{previous}\n{text}" if previous else text
        return True
