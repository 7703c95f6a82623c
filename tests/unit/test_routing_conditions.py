"""Routing conditions and rules: what they match, what they refuse (and where), and that
evaluating them is cheap and never raises."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.core.errors import DomainError
from shared.core.schema import ApiModel, validation_error
from shared.model.conditions import FIELDS, OPERATORS, Condition, RoutingContext
from shared.model.matching import RegexBudget
from shared.model.rules import RoutingRule, check_rule_names_unique, classify
from shared.model.workstreams import WorkstreamFields
from triggers.errors import status_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)  # a Monday


def context(**changes: Any) -> RoutingContext:
    base: dict[str, Any] = {
        "message_text": "我要退款 Order #123456",
        "message_type": "text",
        "open_id": "oCustomer1",
        "tags": ("vip", "Beijing"),
        "account_id": "acc1",
        "local_time": MONDAY_MORNING,
        "variables": {"intent": "refund", "score": 0.8, "orders": ["A1", "b2"], "flag": True},
    }
    return RoutingContext(**{**base, **changes})


def matches(condition: dict[str, Any], **changes: Any) -> bool:
    return Condition.model_validate(condition).evaluate(context(**changes))


def compare(field: str, op: str, value: Any = None, ignore_case: bool = False) -> dict[str, Any]:
    data = {"field": field, "op": op, "ignoreCase": ignore_case}
    return data if value is None else {**data, "value": value}


# ---- operators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (compare("message.type", "equals", "text"), True),
        (compare("message.type", "equals", "image"), False),
        (compare("message.type", "equals", "TEXT"), True),  # WeChat's types ignore case
        (compare("account.id", "equals", "ACC1"), False),
        (compare("account.id", "in", ["acc2", "acc1"]), True),
        (compare("account.id", "in", ["acc2", "acc3"]), False),
        (compare("account.id", "in", ["ACC1"], ignore_case=True), True),
        (compare("message.text", "contains", "退款"), True),
        (compare("message.text", "contains", "order"), False),
        (compare("message.text", "contains", "order", ignore_case=True), True),
        (compare("message.text", "startsWith", "我要"), True),
        (compare("message.text", "startsWith", "退款"), False),
        (compare("customer.openId", "startsWith", "ocust", ignore_case=True), True),
        (compare("message.text", "matches", r"#\d{6}\b"), True),
        (compare("message.text", "matches", r"^#\d{6}"), False),
        (compare("message.text", "matches", r"ORDER\s+#"), False),
        (compare("message.text", "matches", r"ORDER\s+#", ignore_case=True), True),
        (compare("customer.tags", "contains", "vip"), True),
        (compare("customer.tags", "contains", "vi"), False),  # membership, not substring
        (compare("customer.tags", "contains", "beijing"), False),
        (compare("customer.tags", "contains", "beijing", ignore_case=True), True),
        (compare("customer.tags", "in", ["gold", "vip"]), True),  # any tag in the list
        (compare("customer.tags", "in", ["gold", "silver"]), False),
        (compare("time.hour", "equals", 10), True),
        (compare("time.hour", "gt", 9), True),
        (compare("time.hour", "gt", 10), False),
        (compare("time.hour", "gte", 10), True),
        (compare("time.hour", "gte", 10.5), False),
        (compare("time.hour", "lt", 11), True),
        (compare("time.hour", "lt", 10), False),
        (compare("time.hour", "lte", 10), True),
        (compare("time.hour", "lte", 9.99), False),
        (compare("time.minute", "equals", 30), True),
        (compare("time.weekday", "in", [6, 7]), False),
        (compare("message.text", "exists"), True),  # value defaults to true
        (compare("message.text", "exists", True), True),
        (compare("message.text", "exists", False), False),
        (compare("customer.scene", "exists", True), False),
        (compare("customer.scene", "exists", False), True),
    ],
)
def test_operator(condition: dict[str, Any], expected: bool):
    assert matches(condition) is expected


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("event.key", {"event_key": None}),
        ("event.key", {"event_key": ""}),
        ("customer.tags", {"tags": ()}),
    ],
)
def test_exists_treats_missing_and_empty_alike(field: str, changes: dict[str, Any]):
    assert matches(compare(field, "exists"), **changes) is False
    assert matches(compare(field, "exists", False), **changes) is True


def test_exists_counts_zero_and_false_as_present():
    assert matches(compare("context.count", "exists"), variables={"count": 0}) is True
    assert matches(compare("context.flag", "exists"), variables={"flag": False}) is True
    assert matches(compare("context.list", "exists"), variables={"list": []}) is False


@pytest.mark.parametrize(
    "condition",
    [
        compare("event.type", "equals", "click"),
        compare("event.type", "in", ["click"]),
        compare("event.type", "contains", ""),
        compare("event.type", "startsWith", ""),
        compare("event.type", "matches", ".*"),
        compare("context.missing", "gte", 0),
        compare("context.missing", "contains", "x"),
    ],
)
def test_a_missing_value_matches_nothing(condition: dict[str, Any]):
    assert matches(condition, event_type=None) is False


def test_numeric_operators_are_false_for_values_that_are_not_numbers():
    variables = {"text": "10", "flag": True, "list": [10], "none": None}
    for name in variables:
        for op in ("gt", "gte", "lt", "lte"):
            assert matches(compare(f"context.{name}", op, 5), variables=variables) is False


def test_matches_searches_only_the_first_4096_characters():
    needle = compare("message.text", "matches", "needle")
    assert matches(needle, message_text="x" * 4090 + "needle") is True
    assert matches(needle, message_text="x" * 4096 + "needle") is False


def test_ignore_case_folds_beyond_ascii():
    assert matches(
        compare("message.text", "equals", "STRASSE", ignore_case=True), message_text="straße"
    )


# ---- all / any / not -------------------------------------------------------------------------

VIP = compare("customer.tags", "contains", "vip")
REFUND = compare("message.text", "contains", "退款")
IMAGE = compare("message.type", "equals", "image")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"all": [VIP, REFUND]}, True),
        ({"all": [VIP, IMAGE]}, False),
        ({"any": [IMAGE, REFUND]}, True),
        ({"any": [IMAGE, {"not": VIP}]}, False),
        ({"not": IMAGE}, True),
        ({"not": {"not": IMAGE}}, False),
        ({"all": [VIP, {"any": [IMAGE, {"not": {"all": [REFUND, IMAGE]}}]}]}, True),
        ({"any": [{"all": [VIP, IMAGE]}, {"all": [{"not": VIP}, REFUND]}]}, False),
    ],
)
def test_nesting(condition: dict[str, Any], expected: bool):
    assert matches(condition) is expected


def test_all_stops_at_the_first_false():
    seen: list[str] = []
    variables = _Recording({"a": 1, "b": 2}, seen)
    condition = {"all": [compare("context.a", "equals", 2), compare("context.b", "equals", 2)]}
    assert matches(condition, variables=variables) is False
    assert seen == ["a"]


class _Recording(dict):
    def __init__(self, data: dict[str, Any], seen: list[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.append(key)
        return super().get(key, default)


# ---- time and context variables --------------------------------------------------------------

WORKING_HOURS = {
    "all": [compare("time.weekday", "lte", 5), compare("time.hour", "gte", 9)],
}


def test_time_is_read_from_the_local_time_in_the_workstreams_zone():
    sunday_evening_utc = datetime(2026, 11, 22, 17, 30, tzinfo=timezone.utc)
    assert matches(WORKING_HOURS, local_time=sunday_evening_utc) is False
    in_shanghai = sunday_evening_utc.astimezone(SHANGHAI)  # Monday 01:30
    assert matches(compare("time.weekday", "equals", 1), local_time=in_shanghai)
    assert matches(compare("time.hour", "equals", 1), local_time=in_shanghai)
    assert matches(WORKING_HOURS, local_time=in_shanghai) is False  # too early
    assert matches(WORKING_HOURS, local_time=in_shanghai.replace(hour=9)) is True


def test_weekday_is_iso():
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=SHANGHAI)
    assert matches(compare("time.weekday", "equals", 7), local_time=sunday)
    assert not matches(compare("time.weekday", "equals", 0), local_time=sunday)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (compare("context.intent", "equals", "refund"), True),
        (compare("context.intent", "in", ["refund", "complaint"]), True),
        (compare("context.score", "gte", 0.8), True),
        (compare("context.score", "gt", 0.8), False),
        (compare("context.flag", "equals", True), True),
        (compare("context.flag", "equals", 1), False),  # true is not 1 in JSON
        (compare("context.score", "equals", "0.8"), False),  # nor "0.8" 0.8
        (compare("context.orders", "contains", "A1"), True),
        (compare("context.orders", "contains", "a1"), False),
        (compare("context.orders", "contains", "a1", ignore_case=True), True),
        (compare("context.orders", "in", ["zz", "b2"]), True),
        (compare("context.orders", "equals", "A1"), False),  # a list is not a scalar
        (compare("context.orders", "startsWith", "A"), False),
        (compare("context.missing", "exists", False), True),
        (compare("context.missing", "equals", "refund"), False),
    ],
)
def test_context_variables(condition: dict[str, Any], expected: bool):
    assert matches(condition) is expected


def test_a_null_context_variable_is_missing():
    variables = {"intent": None}
    assert matches(compare("context.intent", "exists", False), variables=variables)
    assert not matches(compare("context.intent", "in", ["x"]), variables=variables)


def test_context_variable_names_may_hold_dots_and_dashes():
    condition = compare("context.bot.last-intent", "equals", "faq")
    assert matches(condition, variables={"bot.last-intent": "faq"})


# ---- the regex is compiled once --------------------------------------------------------------


def test_a_regex_is_compiled_when_the_condition_is_built_and_never_again(
    monkeypatch: pytest.MonkeyPatch,
):
    pattern = r"(退款|refund)\s*#?\d{4,}"
    compiled: list[str] = []
    real_compile = regex.compile

    def counting_compile(source: Any, flags: int = 0) -> Any:
        compiled.append(source)
        return real_compile(source, flags)

    monkeypatch.setattr(regex, "compile", counting_compile)
    condition = Condition.model_validate(compare("message.text", "matches", pattern))
    assert compiled.count(pattern) == 1

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("evaluation used the re module")

    for name in ("compile", "search", "match", "fullmatch", "findall"):
        monkeypatch.setattr(regex, name, forbidden)
    assert condition.evaluate(context(message_text="退款 #123456")) is True
    assert condition.evaluate(context(message_text="refund 12")) is False
    assert compiled.count(pattern) == 1


def test_a_catastrophic_regex_gives_up_instead_of_stalling_routing():
    import time

    condition = Condition.model_validate(compare("message.text", "matches", "(a+)+$"))
    start = time.perf_counter()
    assert condition.evaluate(context(message_text="a" * 40 + "!")) is False
    assert time.perf_counter() - start < 1.0


def test_all_the_regexes_of_one_routing_decision_share_one_time_budget():
    """200 slow patterns, each within its own timeout, would stall routing for 10 s."""
    import time

    slow = {"any": [compare("message.text", "matches", f"(a+)+${i}") for i in range(200)]}
    rules = [
        RoutingRule.model_validate({"name": f"r{n}", "condition": slow, "queueId": "q"})
        for n in range(3)
    ]
    start = time.perf_counter()
    assert classify(rules, context(message_text="a" * 40 + "!")) is None
    assert time.perf_counter() - start < 2.0


def test_a_spent_budget_matches_nothing_more():
    readings = iter([0.0, 0.0, 5.0])
    budget = RegexBudget(seconds=1.0, clock=lambda: next(readings))
    condition = Condition.model_validate(compare("message.text", "matches", "退款"))
    assert condition.evaluate(context(regex_budget=budget)) is True
    assert condition.evaluate(context(regex_budget=budget)) is False


def test_every_context_has_a_budget_of_its_own():
    condition = Condition.model_validate(compare("message.text", "matches", "退款"))
    spent = RegexBudget(seconds=0.0)
    assert condition.evaluate(context(regex_budget=spent)) is False
    assert condition.evaluate(context()) is True


# ---- validation ------------------------------------------------------------------------------


class _Workstream(ApiModel):
    routing_rules: list[RoutingRule]


def refused(condition: Any) -> DomainError:
    """The 400 an admin would get for a workstream whose first rule has ``condition``."""
    body = {"routingRules": [{"name": "r", "condition": condition, "queueId": "q1"}]}
    with pytest.raises(ValidationError) as caught:
        _Workstream.model_validate(body)
    return validation_error(caught.value)


AT = "routingRules.0.condition"


@pytest.mark.parametrize(
    ("condition", "field", "message"),
    [
        (
            {"all": [REFUND, compare("message.txt", "equals", "x")]},
            f"{AT}.all.1.field",
            "unknown field 'message.txt'; use one of message.text, message.type",
        ),
        (compare("context.9lives", "exists"), f"{AT}.field", "not a valid context variable"),
        (compare("context.", "exists"), f"{AT}.field", "not a valid context variable"),
        (compare("context." + "a" * 65, "exists"), f"{AT}.field", "not a valid context variable"),
        ({"op": "equals", "value": "x"}, f"{AT}.field", "is required"),
        (compare("message.text", "eq", "x"), f"{AT}.op", "unknown operator 'eq'; use one of"),
        ({"field": "message.text", "value": "x"}, f"{AT}.op", "is required"),
        (compare("customer.tags", "equals", "vip"), f"{AT}.op", "(a list of text); use one of in,"),
        (compare("time.hour", "matches", "1"), f"{AT}.op", "does not apply to time.hour"),
        (compare("message.text", "gt", 3), f"{AT}.op", "does not apply to message.text"),
        (compare("message.text", "equals"), f"{AT}.value", "is required"),
        ({"not": {"any": [compare("event.key", "in")]}}, f"{AT}.not.any.0.value", "is required"),
        (compare("message.text", "in", "text"), f"{AT}.value", "non-empty list"),
        (compare("message.text", "in", []), f"{AT}.value", "non-empty list"),
        (compare("context.x", "in", ["a", {"b": 1}]), f"{AT}.value.1", "must be a string, a"),
        (compare("context.x", "in", ["a", None]), f"{AT}.value.1", "must be a string, a"),
        (compare("message.type", "in", ["text", 3]), f"{AT}.value.1", "must be a string"),
        (compare("time.weekday", "in", [1, "2"]), f"{AT}.value.1", "must be a number"),
        (compare("time.hour", "equals", "9"), f"{AT}.value", "must be a number"),
        (compare("time.hour", "equals", True), f"{AT}.value", "must be a number"),
        (compare("message.text", "equals", 5), f"{AT}.value", "must be a string"),
        (compare("context.x", "equals", [1]), f"{AT}.value", "must be a string, a number"),
        (compare("context.x", "startsWith", 5), f"{AT}.value", "must be a string for startsWith"),
        (compare("time.hour", "gt", "9"), f"{AT}.value", "must be a number for gt"),
        (compare("context.x", "lte", False), f"{AT}.value", "must be a number for lte"),
        (compare("context.x", "gt", float("inf")), f"{AT}.value", "must be a number for gt"),
        (compare("context.x", "equals", float("nan")), f"{AT}.value", "finite"),
        (compare("message.text", "exists", "yes"), f"{AT}.value", "true or false"),
        (compare("message.text", "matches", "(unclosed"), f"{AT}.value", "not a valid regular"),
        (compare("message.text", "matches", "a" * 201), f"{AT}.value", "at most 200"),
        ({}, AT, "found nothing"),
        ({"all": [REFUND], **REFUND}, AT, "found all and comparison"),
        ({"all": [REFUND], "not": VIP}, AT, "found all and not"),
        ({"any": []}, f"{AT}.any", "at least 1 item"),
        ({**REFUND, "valu": 1}, f"{AT}.valu", "is not a known field"),
        ({"not": [REFUND]}, f"{AT}.not", ""),
        ("message.text contains x", AT, ""),
    ],
)
def test_refused_with_the_path_of_the_bad_piece(condition: Any, field: str, message: str):
    error = refused(condition)
    assert (status_of(error), error.field) == (400, field)
    assert error.message.startswith(field)
    assert message in error.message


def test_nesting_deeper_than_8_is_refused():
    condition: dict[str, Any] = REFUND
    for _ in range(8):
        condition = {"not": condition}
    Condition.model_validate(condition)  # 8 levels of all/any/not: fine
    error = refused({"all": [condition]})
    assert error.field == AT
    assert "nests all/any/not 9 levels deep; at most 8" in error.message


def test_more_than_200_comparisons_are_refused():
    Condition.model_validate({"any": [REFUND] * 200})
    error = refused({"all": [{"any": [REFUND] * 100}, {"any": [VIP] * 101}]})
    assert error.field == AT
    assert "has 201 comparisons; at most 200" in error.message


def test_a_200_character_regex_is_accepted():
    assert not matches(compare("message.text", "matches", "a" * 200))


def test_a_stored_condition_comes_back_as_written():
    written = {
        "all": [
            {"field": "message.text", "op": "matches", "value": r"\d+", "ignoreCase": True},
            {"not": {"field": "customer.scene", "op": "exists"}},
            {"any": [{"field": "context.score", "op": "gt", "value": 0.5}]},
        ]
    }
    condition = Condition.model_validate(written)
    assert condition.model_dump(mode="json", by_alias=True) == written
    assert condition.comparisons == 3
    again = Condition.model_validate(condition.model_dump())  # by field name, as in a PATCH merge
    assert again == condition
    assert again.evaluate(context(message_text="12", scene=None, variables={"score": 1}))


def test_a_condition_cannot_be_changed_after_it_is_built():
    condition = Condition.model_validate(REFUND)
    with pytest.raises(ValidationError):
        condition.value = "other"  # type: ignore[misc]


# ---- rules -----------------------------------------------------------------------------------


def rule(name: str, condition: dict[str, Any], queue: str = "q1", **extra: Any) -> RoutingRule:
    return RoutingRule.model_validate(
        {"name": name, "condition": condition, "queueId": queue, **extra}
    )


def test_classify_takes_the_first_rule_that_matches():
    rules = [
        rule("images", IMAGE, "media"),
        rule("vip refunds", {"all": [VIP, REFUND]}, "vip", priority=10, skills=["refunds"]),
        rule("refunds", REFUND, "refunds"),
    ]
    chosen = classify(rules, context())
    assert chosen is rules[1]
    assert (chosen.queue_id, chosen.priority) == ("vip", 10)
    assert [skill.name for skill in chosen.skills] == ["refunds"]
    assert classify(rules, context(tags=())) is rules[2]


def test_classify_returns_none_when_nothing_matches():
    assert classify([rule("images", IMAGE)], context()) is None
    assert classify([], context()) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "routingRules.0.name"),
        ({"name": "n" * 101}, "routingRules.0.name"),
        ({"queueId": ""}, "routingRules.0.queueId"),
        ({"priority": -1}, "routingRules.0.priority"),
        ({"priority": 1001}, "routingRules.0.priority"),
        ({"skills": [""]}, "routingRules.0.skills.0.name"),
        ({"skills": ["s" * 51]}, "routingRules.0.skills.0.name"),
        ({"skills": [{"name": "s", "minRating": 0}]}, "routingRules.0.skills.0.minRating"),
        ({"skills": [{"name": "s", "minRating": 11}]}, "routingRules.0.skills.0.minRating"),
        ({"skills": ["s", {"name": "s", "minRating": 2}]}, "routingRules.0.skills"),
        ({"skills": [f"s{i}" for i in range(21)]}, "routingRules.0.skills"),
        ({"queue": "q"}, "routingRules.0.queue"),
    ],
)
def test_rule_fields_are_checked(changes: dict[str, Any], field: str):
    body = {"routingRules": [{"name": "r", "condition": REFUND, "queueId": "q1", **changes}]}
    with pytest.raises(ValidationError) as caught:
        _Workstream.model_validate(body)
    assert validation_error(caught.value).field == field


def test_rule_names_must_be_unique():
    rules = [rule("a", REFUND), rule("b", VIP), rule("a", IMAGE)]
    with pytest.raises(ValueError, match="names must be unique: 'a' appears twice"):
        check_rule_names_unique(rules)
    assert check_rule_names_unique(rules[:2]) == rules[:2]
    body = {"name": "w", "accountId": "a1", "fallbackQueueId": "q1"}
    body["routingRules"] = [r.model_dump(by_alias=True) for r in rules]
    with pytest.raises(ValidationError) as caught:
        WorkstreamFields.model_validate(body)
    error = validation_error(caught.value)
    assert (error.field, error.message) == (
        "routingRules",
        "routingRules names must be unique: 'a' appears twice",
    )


# ---- evaluation never raises -----------------------------------------------------------------

VARIABLES = ["intent", "score", "orders", "flag"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
odd_values = st.binary(max_size=4) | st.sets(st.integers(), max_size=3) | st.builds(object)
optional_text = st.none() | st.text(max_size=50)
contexts = st.builds(
    RoutingContext,
    message_text=optional_text | st.text(min_size=4000, max_size=5000),
    message_type=st.none() | st.sampled_from(["text", "image", "event"]) | st.text(max_size=5),
    event_type=optional_text,
    event_key=optional_text,
    open_id=st.text(max_size=30),
    tags=st.lists(st.text(max_size=8), max_size=5).map(tuple),
    scene=optional_text,
    account_id=st.text(max_size=10),
    local_time=st.datetimes(timezones=st.timezones()),
    variables=st.dictionaries(
        st.sampled_from(VARIABLES) | st.text(max_size=6), json_values | odd_values, max_size=6
    ),
)

EVERY_KIND = Condition.model_validate(
    {
        "any": [
            compare(field, op, value, ignore_case=fold)
            for fold in (False, True)
            for field, op, value in [
                ("message.text", "equals", "x"),
                ("message.text", "in", ["x", "y"]),
                ("message.text", "contains", "退"),
                ("message.text", "startsWith", "a"),
                ("message.text", "matches", r"(a|b)+\d"),
                ("message.type", "exists", False),
                ("event.type", "equals", "click"),
                ("event.key", "startsWith", "qrscene_"),
                ("customer.openId", "matches", "^o"),
                ("customer.tags", "contains", "vip"),
                ("customer.tags", "in", ["a"]),
                ("customer.tags", "exists", True),
                ("customer.scene", "in", ["s1"]),
                ("account.id", "equals", "acc1"),
                ("time.weekday", "in", [1, 7]),
                ("time.hour", "gte", 9),
                ("time.minute", "lt", 30.5),
                *[(f"context.{name}", "equals", "refund") for name in VARIABLES],
                *[(f"context.{name}", "contains", "A1") for name in VARIABLES],
                *[(f"context.{name}", "contains", 1) for name in VARIABLES],
                *[(f"context.{name}", "in", [1, True, "x"]) for name in VARIABLES],
                *[(f"context.{name}", "gt", 0) for name in VARIABLES],
                *[(f"context.{name}", "startsWith", "re") for name in VARIABLES],
                *[(f"context.{name}", "matches", "r") for name in VARIABLES],
                *[(f"context.{name}", "exists", True) for name in VARIABLES],
            ]
        ]
    }
)
PARTS = EVERY_KIND.any_ or []


@settings(max_examples=300, deadline=None)
@given(contexts)
def test_evaluation_never_raises(routing_context: RoutingContext):
    results = [part.evaluate(routing_context) for part in PARTS]
    assert all(type(result) is bool for result in results)
    assert EVERY_KIND.evaluate(routing_context) is any(results)
    assert Condition.model_validate({"not": EVERY_KIND.model_dump()}).evaluate(
        routing_context
    ) is not any(results)


FIELD_NAMES = [*FIELDS, *(f"context.{name}" for name in VARIABLES)]
numbers = st.integers(-2, 30) | st.floats(-1e6, 1e6)


@st.composite
def comparisons(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly well-formed comparisons (some with an operator the field does not take)."""
    field = draw(st.sampled_from(FIELD_NAMES))
    op = draw(st.sampled_from(OPERATORS))
    scalar = numbers if field.startswith("time.") else st.text(max_size=4)
    if field.startswith("context."):
        scalar = scalar | numbers | st.booleans()
    if op == "exists":
        value = draw(st.none() | st.booleans())
    elif op in ("gt", "gte", "lt", "lte"):
        value = draw(numbers)
    elif op == "in":
        value = draw(st.lists(scalar, min_size=1, max_size=3))
    else:
        value = draw(scalar)
    return {"field": field, "op": op, "value": value, "ignoreCase": draw(st.booleans())}


malformed = st.fixed_dictionaries(
    {},
    optional={
        "field": st.sampled_from(FIELD_NAMES) | st.text(max_size=8),
        "op": st.sampled_from(OPERATORS) | st.text(max_size=4),
        "value": json_values,
        "ignoreCase": json_values,
    },
)
condition_like = st.recursive(
    comparisons() | malformed,
    lambda inner: (
        st.fixed_dictionaries({"all": st.lists(inner, min_size=1, max_size=3)})
        | st.fixed_dictionaries({"any": st.lists(inner, max_size=3)})
        | st.fixed_dictionaries({"not": inner})
        | st.fixed_dictionaries({}, optional={"all": inner, "not": inner, "any": json_values})
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(condition_like, contexts)
def test_any_json_is_either_refused_with_a_validation_error_or_evaluates(
    data: dict[str, Any], routing_context: RoutingContext
):
    try:
        condition = Condition.model_validate(data)
    except ValidationError as error:
        refusal: DomainError | None = validation_error(error)
    else:
        refusal = None
        assert type(condition.evaluate(routing_context)) is bool
    assert refusal is None or status_of(refusal) == 400


@pytest.mark.parametrize("written", ["CLICK", "click", "Click"])
def test_event_and_message_types_compare_ignoring_case(written):
    """WeChat's documentation writes CLICK, VIEW, SCAN; pushes are kept lower-cased."""
    assert matches(compare("event.type", "equals", written), event_type="click")
    assert matches(compare("event.type", "in", [written, "view"]), event_type="click")
    assert matches(compare("message.type", "equals", written.upper()), message_type=written.lower())
    assert (
        not matches(compare("event.key", "equals", written), event_key="click")
        or written == "click"
    )
