"""HTTP route templates matched the way the host (ASP.NET Core routing) matches them.

``{name}`` takes one segment, ``{name?}`` an optional one, ``{name=default}`` one with a
default, ``{*rest}`` the rest of the path; ``{id:int}``, ``{x:alpha}``, ``{g:guid}`` and the
other common constraints restrict a segment (an unknown constraint is ignored). Literal text
matches case-insensitively. When several templates match, the most specific wins (literal over
constrained over plain over catch-all, segment by segment), and a template whose methods do not
include the request's does not match at all, so the host answers 404, not 405.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

Target = TypeVar("Target")

_PARAMETER = re.compile(r"\{([^{}]*)\}")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

# Precedence digits per segment, lower is more specific (ASP.NET's RoutePrecedence).
_LITERAL, _COMPLEX, _CONSTRAINED, _PLAIN, _CATCH_ALL = 1, 2, 3, 4, 5


def _integer_in(bounds: tuple[int, int]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return re.fullmatch(r"[+-]?\d+", value) is not None and bounds[0] <= int(value) <= bounds[1]

    return check


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value and value.lower() not in ("nan", "inf", "-inf", "infinity")


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value.strip("{}()"))
    except ValueError:
        return False
    return True


_SIMPLE_CONSTRAINTS: dict[str, Callable[[str], bool]] = {
    "int": _integer_in(_INT32),
    "long": _integer_in(_INT64),
    "alpha": lambda value: re.fullmatch(r"[A-Za-z]+", value) is not None,
    "guid": _is_guid,
    "bool": lambda value: value.lower() in ("true", "false"),
    "decimal": _is_number,
    "double": _is_number,
    "float": _is_number,
}


def _constraint(text: str) -> Callable[[str], bool] | None:
    """The check for one constraint such as ``int`` or ``min(1)``; None when unknown."""
    name, _, argument = text.partition("(")
    name = name.strip().lower()
    if not argument:
        return _SIMPLE_CONSTRAINTS.get(name)
    numbers = [part.strip() for part in argument.rstrip(")").split(",")]
    try:
        bounds = [int(part) for part in numbers]
    except ValueError:
        return None
    length_checks: dict[str, Callable[[str], bool]] = {
        "minlength": lambda value: len(value) >= bounds[0],
        "maxlength": lambda value: len(value) <= bounds[-1],
        "length": lambda value: bounds[0] <= len(value) <= bounds[-1],
    }
    if name in length_checks:
        return length_checks[name]
    number_bounds = {"min": (bounds[0], _INT64[1]), "max": (_INT64[0], bounds[0])}
    number_bounds["range"] = (bounds[0], bounds[-1])
    return _integer_in(number_bounds[name]) if name in number_bounds else None


@dataclass(frozen=True)
class _Parameter:
    name: str
    checks: tuple[Callable[[str], bool], ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    @classmethod
    def parse(cls, text: str) -> _Parameter:
        catch_all = text.startswith("*")
        text = text.lstrip("*")
        text, _, default = text.partition("=")
        optional = text.endswith("?")
        name, *constraints = text.rstrip("?").split(":")
        if not name:
            raise ValueError("a route parameter needs a name")
        checks = tuple(c for c in (_constraint(c) for c in constraints if c) if c is not None)
        return cls(name, checks, optional, default or None, catch_all)

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.checks)


@dataclass(frozen=True)
class _Segment:
    """One ``/``-separated part of a template: a literal, a parameter, or a mix of both."""

    literal: str | None = None
    parameters: tuple[_Parameter, ...] = ()
    # For mixed segments such as ``{name}.{ext}``; earlier parameters take as much as they can.
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> _Segment:
        parts = _PARAMETER.split(text)  # literal, parameter, literal, parameter, ..., literal
        literals, parameter_texts = parts[0::2], parts[1::2]
        if not parameter_texts:
            return cls(literal=text)
        parameters = tuple(_Parameter.parse(p) for p in parameter_texts)
        if len(parameters) == 1 and not any(literals):
            return cls(parameters=parameters)
        regex = "".join(
            re.escape(literal) + (f"(?P<p{i}>.+)" if i < len(parameters) else "")
            for i, literal in enumerate(literals)
        )
        return cls(parameters=parameters, pattern=re.compile(regex, re.IGNORECASE))

    @property
    def precedence(self) -> int:
        if self.literal is not None:
            return _LITERAL
        if self.pattern is not None:
            return _COMPLEX
        parameter = self.parameters[0]
        if parameter.catch_all:
            return _CATCH_ALL
        return _CONSTRAINED if parameter.checks else _PLAIN


@dataclass(frozen=True)
class RouteTemplate:
    """A parsed template; ``match`` gives the route values for a path, or None."""

    text: str
    segments: tuple[_Segment, ...]

    @classmethod
    def parse(cls, text: str) -> RouteTemplate:
        segments = tuple(_Segment.parse(part) for part in text.strip("/").split("/") if part)
        for index, segment in enumerate(segments):
            is_catch_all = bool(segment.parameters) and segment.parameters[0].catch_all
            if is_catch_all and (index != len(segments) - 1 or segment.pattern is not None):
                raise ValueError(f"route {text!r}: a catch-all must be the whole last segment")
        return cls(text, segments)

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(segment.precedence for segment in self.segments)

    def match(self, path_segments: list[str]) -> dict[str, str] | None:
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.parameters and segment.parameters[0].catch_all:
                parameter = segment.parameters[0]
                rest = "/".join(path_segments[index:])
                if rest:
                    if not parameter.accepts(rest):
                        return None
                    values[parameter.name] = rest
                elif parameter.default is not None:
                    values[parameter.name] = parameter.default
                return values
            if index >= len(path_segments):
                if not self._rest_is_optional(index, values):
                    return None
                return values
            if not self._match_segment(segment, path_segments[index], values):
                return None
        return values if len(path_segments) == len(self.segments) else None

    def _rest_is_optional(self, start: int, values: dict[str, str]) -> bool:
        for segment in self.segments[start:]:
            if segment.literal is not None or segment.pattern is not None:
                return False
            parameter = segment.parameters[0]
            if parameter.catch_all or parameter.optional:
                continue
            if parameter.default is None:
                return False
            values[parameter.name] = parameter.default
        return True

    @staticmethod
    def _match_segment(segment: _Segment, text: str, values: dict[str, str]) -> bool:
        if segment.literal is not None:
            return segment.literal.lower() == text.lower()
        if segment.pattern is None:
            parameter = segment.parameters[0]
            if not text or not parameter.accepts(text):
                return False
            values[parameter.name] = text
            return True
        found = segment.pattern.fullmatch(text)
        if found is None:
            return False
        for i, parameter in enumerate(segment.parameters):
            value = found.group(f"p{i}")
            if not parameter.accepts(value):
                return False
            values[parameter.name] = value
        return True


@dataclass(frozen=True)
class RouteMatch(Generic[Target]):
    target: Target
    route_params: dict[str, str]


@dataclass
class RouteTable(Generic[Target]):
    """All HTTP routes of an app under one prefix (host.json ``extensions.http.routePrefix``)."""

    prefix: str = "api"
    _routes: list[tuple[RouteTemplate, frozenset[str] | None, Target]] = field(default_factory=list)

    def add(self, template: str, methods: Iterable[str] | None, target: Target) -> None:
        full = "/".join(part for part in (self.prefix.strip("/"), template.strip("/")) if part)
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self._routes.append((RouteTemplate.parse(full), allowed, target))
        self._routes.sort(key=lambda route: route[0].precedence)

    def match(self, method: str, path: str) -> RouteMatch[Target] | None:
        """The most specific route for ``path`` that allows ``method``; ``path`` is raw."""
        segments = [_decoded(part) for part in path.split("?", 1)[0].strip("/").split("/") if part]
        for template, methods, target in self._routes:
            if methods is not None and method.upper() not in methods:
                continue
            values = template.match(segments)
            if values is not None:
                return RouteMatch(target, values)
        return None

    def url_path(self, template: str) -> str:
        """The path a person would type for ``template`` (for the start-up listing)."""
        return "/" + "/".join(p for p in (self.prefix.strip("/"), template.strip("/")) if p)


def _decoded(segment: str) -> str:
    """A path segment decoded as Kestrel decodes it: every escape but ``%2F``, which stays as
    written so that a route value never holds a ``/``."""
    return unquote(segment.replace("%2F", "%252F").replace("%2f", "%252f"))
