"""Offline checks of the workbook and the alerts (infra/modules/alerts.bicep): each exists, on
Application Insights, with its query and threshold, and names only metrics the app defines."""

from __future__ import annotations

import json
import re
from typing import Any

from shared.core.metrics import METRIC_NAMES, SLOW_ACK_SECONDS
from tests.infra.test_bicep import INFRA, dotted, parsed, resource

ALERTS = "modules/alerts.bicep"
WORKBOOK_JSON = INFRA / "modules" / "workbook.json"
ALERT_SYMBOLS = ("poisonAlert", "channelBrokenAlert", "slowAckAlert", "noPushAlert")


def variable(name: str) -> Any:
    return parsed(ALERTS)["variables"][name]["value"]


def query_of(symbol: str) -> str:
    """The alert's KQL, its variable resolved (and the no-push query's replace() undone)."""
    [criterion] = rule(symbol)["criteria"]["allOf"]
    value = variable(criterion["query"])
    if isinstance(value, dict):
        assert value["function"]["type"] == "replace"
        return str(value["function"]["parameters"]["original_string"])
    return str(value)


def rule(symbol: str) -> dict[str, Any]:
    config = resource(ALERTS, symbol)
    config = config.get("config", config)  # a conditional resource nests its body
    properties: dict[str, Any] = config["properties"]
    return properties


def criterion(symbol: str) -> dict[str, Any]:
    [only] = rule(symbol)["criteria"]["allOf"]
    return dict(only)


def workbook_queries() -> list[str]:
    items = json.loads(WORKBOOK_JSON.read_text("utf-8"))["items"]
    return [item["content"]["query"] for item in items if item["type"] == 3]


def metric_names(kql: str) -> set[str]:
    """The metric names a query filters on (``name == "…"``, ``name in ("…", …)``)."""
    names: set[str] = set()
    for clause in re.findall(r"\bname (?:==|in) (\([^)]*\)|\"[^\"]*\")", kql):
        names.update(re.findall(r'"([^"]+)"', clause))
    return names


def test_the_module_is_deployed_against_the_apps_application_insights():
    module = parsed("main.bicep")["modules"]["alerts"]
    assert module["detail"]["full"] == "modules/alerts.bicep"
    params = module["config"]["params"]
    assert dotted(params["applicationInsightsName"]) == (
        "monitoring.outputs.applicationInsightsName"
    )
    assert params["actionGroupId"] == "alertActionGroupId"
    assert params["alertEmail"] == "alertEmail"
    assert params["noPushAlertMinutes"] == "noPushAlertMinutes"
    main = parsed("main.bicep")["parameters"]
    assert main["alertEmail"]["default"] == ""
    assert main["alertActionGroupId"]["default"] == ""
    assert main["noPushAlertMinutes"]["default"] == 240
    insights = parsed(ALERTS)["resources"]["insights"]
    assert (insights["type"], insights["existing"]) == ("Microsoft.Insights/components", True)


def test_the_workbook_loads_its_json_and_shows_each_kpi():
    workbook = parsed(ALERTS)["resources"]["workbook"]
    assert workbook["type"] == "Microsoft.Insights/workbooks"
    properties = workbook["config"]["properties"]
    assert dotted(properties["sourceId"]) == "insights.id"
    loaded = properties["serializedData"]["function"]
    assert loaded["type"] == "load_text_content"
    assert loaded["parameters"]["file_path"] == "workbook.json"
    assert json.loads(WORKBOOK_JSON.read_text("utf-8"))["version"] == "Notebook/1.0"
    shown = set().union(*(metric_names(q) for q in workbook_queries()))
    for kpi in (
        "wechat.callback.ack_duration",
        "wechat.callback.duplicates",
        "contact_center.waiting.conversations",
        "wechat.sends",
        "wechat.token.fetches",
        "pipeline.poison_messages",
    ):
        assert kpi in shown, f"the workbook shows no {kpi}"
    failed_sends = [q for q in workbook_queries() if "wechat.sends" in metric_names(q)]
    assert any('"failed"' in q and "wechat.errcode" in q for q in failed_sends)


def test_every_alert_runs_on_application_insights_and_notifies_the_action_groups():
    for symbol in ALERT_SYMBOLS:
        assert parsed(ALERTS)["resources"][symbol]["type"] == (
            "Microsoft.Insights/scheduledQueryRules"
        )
        properties = rule(symbol)
        assert [dotted(s) for s in properties["scopes"]] == ["insights.id"], symbol
        assert properties["actions"] == {"actionGroups": "actionGroups"}, symbol
        assert properties["enabled"] is True
    assert "emailGroups" in json.dumps(variable("actionGroups"))
    assert "actionGroupId" in json.dumps(variable("actionGroups"))
    group = parsed(ALERTS)["resources"]["emailGroup"]["config"]
    assert group["condition"] == "makeEmailGroup"
    receivers = group["config"]["properties"]["emailReceivers"]
    assert [r["emailAddress"] for r in receivers] == ["alertEmail"]


def test_poison_messages_alert_on_the_first_one():
    assert metric_names(query_of("poisonAlert")) == {"pipeline.poison_messages"}
    found = criterion("poisonAlert")
    assert (found["operator"], found["threshold"]) == ("GreaterThan", 0)
    assert found["metricMeasureColumn"] == "poisoned"


def test_a_whitelist_or_secret_refusal_on_token_fetch_is_the_channel_broken():
    query = query_of("channelBrokenAlert")
    assert metric_names(query) == {"wechat.token.fetches"}
    assert '"40164"' in query
    assert '"40125"' in query
    assert '"failed"' in query
    found = criterion("channelBrokenAlert")
    assert (found["operator"], found["threshold"]) == ("GreaterThan", 0)
    assert rule("channelBrokenAlert")["severity"] == 0


def test_ack_p95_over_two_seconds_is_more_than_five_percent_slow_acks():
    query = query_of("slowAckAlert")
    assert metric_names(query) == {"wechat.callback.ack_duration", "wechat.callback.slow_acks"}
    assert "slow / acks" in query
    found = criterion("slowAckAlert")
    assert found["metricMeasureColumn"] == "slowShare"
    assert found["operator"] == "GreaterThan"
    assert found["threshold"] == {"function": {"type": "json", "parameters": {"arg_1": "0.05"}}}
    assert SLOW_ACK_SECONDS == 2.0


def test_no_pushes_for_the_parameters_minutes_on_an_account_that_had_some():
    alert = resource(ALERTS, "noPushAlert")
    assert alert["condition"]["operator"]["operands"] == {
        "operand_1": "noPushAlertMinutes",
        "operand_2": 0,
    }
    query = query_of("noPushAlert")
    assert metric_names(query) == {"wechat.callback.pushes"}
    assert "let quiet = QUIET_MINUTESm;" in query
    assert "before > 0 and recent == 0" in query
    replaced = variable("noPushQuery")["function"]["parameters"]
    assert replaced["old_string"] == "QUIET_MINUTES"
    assert "noPushAlertMinutes" in json.dumps(replaced["new_string"])
    assert rule("noPushAlert")["overrideQueryTimeRange"] == "P2D"
    assert parsed(ALERTS)["parameters"]["noPushAlertMinutes"]["default"] == 240
    dimensions = criterion("noPushAlert")["dimensions"]
    assert [d["name"] for d in dimensions] == ["account"]


def test_every_metric_a_query_names_is_one_the_app_defines():
    queries = [query_of(symbol) for symbol in ALERT_SYMBOLS] + workbook_queries()
    named = set().union(*(metric_names(q) for q in queries))
    assert named, "no query names a metric: the pattern is wrong"
    unknown = named - METRIC_NAMES
    assert not unknown, f"queries name metrics shared/core/metrics.py does not define: {unknown}"
