"""Just enough of the Amazon States Language to run deploy/aws's state machine here: Pass, Map, Task (a Batch
job whose container command a callback runs), Choice, Succeed and Fail; paths, and the intrinsic functions
the definition uses. The definition is the one the template deploys; only Batch is played by the callback."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

RunJob = Callable[[list[str]], int]
"""Runs one Batch job's container command; returns its exit code."""


class TaskFailedError(Exception):
    """A Task's job exited non-zero: States.TaskFailed, with the job description as its Cause."""

    def __init__(self, cause: dict[str, Any]) -> None:
        super().__init__("States.TaskFailed")
        self.cause = cause


def execute(definition: dict[str, Any], data: Any, name: str, run_job: RunJob) -> tuple[str, Any]:
    """Run a state machine to its end: (the last state's name, its output). A Fail state or an uncaught
    failure raises."""
    return _machine(definition, data, {"Execution": {"Name": name}}, run_job)


def _machine(machine: dict[str, Any], data: Any, context: dict[str, Any], run_job: RunJob) -> tuple[str, Any]:
    name = machine["StartAt"]
    while True:
        state = machine["States"][name]
        kind = state["Type"]
        if kind == "Succeed":
            return name, data
        if kind == "Fail":
            raise AssertionError(f"execution failed in {name}: {state.get('Cause')}")
        if kind == "Choice":
            name = next((c["Next"] for c in state["Choices"] if _matches(c, data, context)), state["Default"])
            continue
        if kind == "Pass":
            data = _resolve(state.get("Parameters", data), data, context)
        elif kind == "Map":
            items = _path(state["ItemsPath"], data, context)
            for item in items:
                scope = {**context, "Map": {"Item": {"Value": item}}}
                _machine(state["ItemProcessor"], _resolve(state["ItemSelector"], data, scope), scope, run_job)
            if "ResultPath" in state and state["ResultPath"] is not None:
                raise NotImplementedError("Map results")
        elif kind == "Task":
            try:
                parameters = _resolve(state["Parameters"], data, context)
                code = run_job(parameters["ContainerOverrides"]["Command"])
                if code != 0:
                    raise TaskFailedError({"Container": {"ExitCode": code}, "Status": "FAILED"})
            except TaskFailedError as failure:
                catch = next((c for c in state.get("Catch", []) if "States.TaskFailed" in c["ErrorEquals"]), None)
                if catch is None:
                    raise
                error = {"Error": "States.TaskFailed", "Cause": json.dumps(failure.cause)}
                data = {**data, catch["ResultPath"].removeprefix("$."): error}
                name = catch["Next"]
                continue
        else:
            raise NotImplementedError(kind)
        if state.get("End"):
            return name, data
        name = state["Next"]


def _matches(choice: dict[str, Any], data: Any, context: dict[str, Any]) -> bool:
    value = _path(choice["Variable"], data, context)
    if "NumericEquals" in choice:
        return bool(value == choice["NumericEquals"])
    raise NotImplementedError(choice)


def _resolve(template: Any, data: Any, context: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        resolved = {}
        for key, value in template.items():
            if key.endswith(".$"):
                resolved[key[:-2]] = _expression(value, data, context)
            else:
                resolved[key] = _resolve(value, data, context)
        return resolved
    return template


def _path(path: str, data: Any, context: dict[str, Any]) -> Any:
    root, steps = (context, path[3:]) if path.startswith("$$.") else (data, path[2:])
    for step in filter(None, steps.split(".")):
        root = root[step]
    return root


_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|\\.)*)'|(States\.[A-Za-z]+)\(|(\$\$?[A-Za-z0-9_.]*)|(-?\d+)|(\))|(,))")


def _expression(text: str, data: Any, context: dict[str, Any]) -> Any:
    tokens = [m.groups() for m in _TOKEN.finditer(text)]
    value, rest = _parse(tokens, data, context)
    assert not rest, text
    return value


def _parse(tokens: list[tuple[str | None, ...]], data: Any, context: dict[str, Any]) -> tuple[Any, list[Any]]:
    literal, function, path, number, _, _ = tokens[0]
    rest = tokens[1:]
    if literal is not None:
        return literal.replace("\\'", "'"), rest
    if path is not None:
        return _path(path, data, context), rest
    if number is not None:
        return int(number), rest
    assert function is not None
    arguments = []
    while rest[0][4] is None:  # until ")"
        value, rest = _parse(rest, data, context)
        arguments.append(value)
        if rest[0][5] is not None:  # ","
            rest = rest[1:]
    return _call(function, arguments), rest[1:]


def _call(function: str, arguments: list[Any]) -> Any:
    if function == "States.Array":
        return arguments
    if function == "States.Format":
        pieces = arguments[0].split("{}")
        assert len(pieces) == len(arguments), arguments
        return pieces[0] + "".join(str(value) + piece for value, piece in zip(arguments[1:], pieces[1:], strict=True))
    if function == "States.ArrayRange":
        start, end, step = arguments
        return list(range(start, end + 1, step))
    if function == "States.StringToJson":
        return json.loads(arguments[0])
    raise NotImplementedError(function)
