"""Offline checks of infra/: the structure the deployment relies on, read from the parsed Bicep
(pycep-parser), and checkov's security checks with a skip list whose every entry has a reason."""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from shared.store.names import CONTAINERS, TABLES, WORK_QUEUES

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))

ROLE_IDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
}


@cache
def parsed(name: str) -> dict[str, Any]:
    return BicepParser().parse(file_path=INFRA / name)


def resource(name: str, symbol: str) -> dict[str, Any]:
    return parsed(name)["resources"][symbol]["config"]


def dotted(value: Any) -> Any:
    """``a.b.c`` for pycep's nested property accessors (module outputs), else the value as is."""
    if isinstance(value, dict) and value.get("operator", {}).get("type") == "property_accessor":
        operands = value["operator"]["operands"]
        return f"{dotted(operands['operand_1'])}.{dotted(operands['operand_2'])}"
    return value


def app_settings() -> dict[str, Any]:
    settings = resource("modules/functionapp.bicep", "appSettings")["properties"]["function"]
    assert settings["type"] == "union"
    return settings["parameters"]["arg_2"]


def test_every_file_parses_and_uses_no_registry_module():
    assert len(BICEP_FILES) >= 7
    for path in BICEP_FILES:
        BicepParser().parse(file_path=path)
    modules = parsed("main.bicep")["modules"]
    assert len(modules) >= 6
    for symbol, module in modules.items():
        path = module["detail"]["full"]
        assert module["type"] == "local", f"{symbol} comes from a registry: {path}"
        assert not re.match(r"^(br|ts)[:/]", path), f"{symbol} comes from a registry: {path}"
        assert (INFRA / path).exists(), f"{symbol}: {path} is not in infra/"


def test_flex_consumption_linux_python():
    plan = resource("modules/functionapp.bicep", "plan")
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["properties"]["reserved"] is True
    site = resource("modules/functionapp.bicep", "site")
    assert site["kind"] == "functionapp,linux"
    config = site["properties"]["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "pythonVersion"}
    main = parsed("main.bicep")["parameters"]
    assert main["pythonVersion"]["default"] == "3.12"
    assert main["instanceMemoryMB"]["default"] == 2048
    assert "maximumInstanceCount" in main


def test_one_always_ready_http_instance_that_a_parameter_can_turn_off():
    assert parsed("main.bicep")["parameters"]["alwaysReadyHttpInstances"]["default"] == 1
    site = resource("modules/functionapp.bicep", "site")
    ready = site["properties"]["functionAppConfig"]["scaleAndConcurrency"]["alwaysReady"][
        "operator"
    ]
    assert ready["type"] == "conditional"
    assert ready["operands"]["true_value"] == []  # alwaysReadyHttpInstances == 0: none
    assert ready["operands"]["false_value"] == [
        {"name": "http", "instanceCount": "alwaysReadyHttpInstances"}
    ]


def test_identity_based_storage_settings_and_no_key_anywhere():
    settings = app_settings()
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    for service in ("blob", "queue", "table"):
        assert f"AzureWebJobsStorage__{service}ServiceUri" in settings
    assert "AzureWebJobsStorage" not in settings
    for path in [*BICEP_FILES, INFRA / "main.parameters.json"]:
        text = path.read_text("utf-8")
        assert "listKeys(" not in text, path
        assert "AccountKey" not in text, path
        assert "InstrumentationKey" not in text, path
    site = resource("modules/functionapp.bicep", "site")
    deployment = site["properties"]["functionAppConfig"]["deployment"]["storage"]["authentication"]
    assert deployment["type"] == "UserAssignedIdentity"


def test_storage_account_is_locked_to_identities():
    account = resource("modules/storage.bicep", "account")["properties"]
    assert account["allowSharedKeyAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False
    assert account["supportsHttpsTrafficOnly"] is True


def test_tables_queues_and_containers_are_the_apps():
    variables = parsed("modules/storage.bicep")["variables"]
    assert sorted(variables["tables"]["value"]) == sorted(TABLES)
    assert sorted(variables["queues"]["value"]) == sorted(WORK_QUEUES)
    containers = {
        variables[name]["value"] for name in ("deploymentContainerName", "attachmentsContainerName")
    }
    assert set(CONTAINERS) <= containers


def test_attachments_are_deleted_after_the_retention_days():
    rule = resource("modules/storage.bicep", "lifecycle")["properties"]["policy"]["rules"][0]
    assert rule["definition"]["filters"]["prefixMatch"] == ["${attachmentsContainerName}/"]
    delete = rule["definition"]["actions"]["baseBlob"]["delete"]
    assert delete == {"daysAfterModificationGreaterThan": "attachmentRetentionDays"}
    assert parsed("main.bicep")["parameters"]["attachmentRetentionDays"]["default"] > 0


def test_the_identity_holds_exactly_the_roles_it_needs():
    text = (INFRA / "modules" / "roles.bicep").read_text("utf-8")
    found = set(
        re.findall(r"'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'", text)
    )
    assert found == set(ROLE_IDS.values())
    roles = parsed("modules/roles.bicep")["resources"]
    for symbol in ("storageRoles", "metricsRole", "secretsRole"):
        body = roles[symbol]["config"]
        properties = body["properties"] if "properties" in body else body["config"]["properties"]
        assert properties["principalId"] == "principalId"
        assert properties["principalType"] == "ServicePrincipal"
    site = resource("modules/functionapp.bicep", "site")
    assert site["identity"]["type"] == "UserAssigned"


def test_secrets_live_in_key_vault_and_reach_the_app_as_references():
    vault = resource("modules/keyvault.bicep", "vault")["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enablePurgeProtection"] is True
    names = {
        resource("modules/keyvault.bicep", s)["name"]
        for s in ("adminTokenSecret", "secretsKeySecret")
    }
    assert names == {"ADMIN-TOKEN", "SECRETS-KEY"}
    references = parsed("modules/functionapp.bicep")["variables"]["currentKeys"]["value"]
    assert references == {
        "ADMIN_TOKEN": "@Microsoft.KeyVault(SecretUri=${adminTokenSecretUri})",
        "SECRETS_KEY": "@Microsoft.KeyVault(SecretUri=${secretsKeySecretUri})",
    }
    assert (
        resource("modules/functionapp.bicep", "site")["properties"]["keyVaultReferenceIdentity"]
        == "identityId"
    )
    main = parsed("main.bicep")["parameters"]
    for name in ("adminToken", "secretsKey", "secretsKeyPrevious"):
        decorators = [d["type"] for d in main[name]["decorators"]]
        assert "secure" in decorators, f"{name} must be @secure()"


def test_secrets_are_required_and_never_generated_by_a_deployment():
    """A SECRETS_KEY made up at deployment time changes with every redeployment and leaves every
    sealed secret unreadable; a made-up ADMIN_TOKEN locks the admin out. Both come from the caller
    (azd keeps them per environment), are checked for shape, and go to Key Vault unchanged."""
    main = parsed("main.bicep")
    for name, shape in (
        ("adminToken", {"min_length": 16}),
        ("secretsKey", {"min_length": 44, "max_length": 44}),  # base64 of 32 bytes
    ):
        parameter = main["parameters"][name]
        assert parameter["default"] is None, f"{name} must be required: no default, no generation"
        decorators = {d["type"]: d.get("argument") for d in parameter["decorators"]}
        for decorator, value in shape.items():
            assert decorators.get(decorator) == value, f"{name} needs @{decorator}({value})"
    vault = main["modules"]["vault"]["config"]["params"]
    assert vault["adminToken"] == "adminToken"
    assert vault["secretsKey"] == "secretsKey"
    assert resource("modules/keyvault.bicep", "secretsKeySecret")["properties"]["value"] == (
        "secretsKey"
    )
    for path in BICEP_FILES:
        text = path.read_text("utf-8")
        assert "newGuid(" not in text, f"{path.name}: a value that changes on every deployment"
    parameters = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))["parameters"]
    assert parameters["adminToken"] == {"value": "${ADMIN_TOKEN}"}
    assert parameters["secretsKey"] == {"value": "${SECRETS_KEY}"}


def test_request_body_limit_and_callback_ip_check_are_parameters_with_safe_defaults():
    main = parsed("main.bicep")
    limit = main["parameters"]["requestBodySizeLimitBytes"]
    assert limit["default"] == 25 * 1024 * 1024  # a 20 MB agent upload plus multipart overhead
    bounds = {d["type"]: d.get("argument") for d in limit["decorators"]}
    assert bounds["min_value"] >= 1024 * 1024  # a push may be up to 1 MB
    assert bounds["max_value"] <= 100 * 1024 * 1024  # the host's own default
    assert main["parameters"]["callbackIpCheck"]["default"] is False
    function_app = main["modules"]["functionApp"]["config"]["params"]
    assert function_app["requestBodySizeLimitBytes"] == "requestBodySizeLimitBytes"
    assert function_app["callbackIpCheck"] == "callbackIpCheck"
    settings = app_settings()
    assert settings["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"] == {
        "function": {
            "type": "string",
            "parameters": {"value_to_convert": "requestBodySizeLimitBytes"},
        }
    }
    check = settings["CALLBACK_IP_CHECK"]["operator"]
    assert check["type"] == "conditional"
    assert check["operands"] == {
        "condition": "callbackIpCheck",
        "true_value": "true",
        "false_value": "false",
    }


def test_telemetry_uses_entra_id_only():
    insights = resource("modules/monitoring.bicep", "insights")["properties"]
    assert insights["DisableLocalAuth"] is True
    assert "WorkspaceResourceId" in insights
    assert "logs" in parsed("modules/loganalytics.bicep")["resources"]
    assert app_settings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "ClientId=${identityClientId};Authorization=AAD"
    )


def test_the_worker_sends_opentelemetry_and_no_client_urls():
    """host.json's telemetryMode is OpenTelemetry and the Python worker streams the app's
    telemetry itself; the HTTP client instrumentations stay off, since their spans would
    record WeChat API URLs, whose query string holds the access token."""
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    assert host["telemetryMode"] == "OpenTelemetry"
    settings = app_settings()
    assert settings["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    disabled = set(settings["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"].split(","))
    assert {"httpx", "requests", "urllib", "urllib3"} <= disabled
    assert "azure-monitor-opentelemetry" in (ROOT / "requirements.txt").read_text("utf-8")


def test_stored_request_telemetry_loses_the_callback_query_string():
    """WeChat signs each push in the callback URL's query string (signature, msg_signature,
    timestamp, nonce, openid, encrypt_type). The Functions host already drops query strings from
    request telemetry unless host.json turns on enableQueryStringTracing; a workspace
    transformation drops them again at ingestion, whatever the app or host sends."""
    monitoring = parsed("modules/monitoring.bicep")
    rule = monitoring["resources"]["telemetryTransforms"]["config"]
    assert rule["kind"] == "WorkspaceTransforms"
    flows = {flow["streams"][0]: flow["transformKql"] for flow in rule["properties"]["dataFlows"]}
    # Transformations have no replace_regex or parse_url: cut at the first "?" instead.
    assert flows["Microsoft-Table-AppRequests"] == (
        'source | extend Url = tostring(split(Url, "?")[0])'
    )
    assert flows["Microsoft-Table-AppDependencies"] == (
        'source | extend Data = iif(DependencyType == "HTTP", tostring(split(Data, "?")[0]), Data)'
    )
    destination = rule["properties"]["destinations"]["logAnalytics"][0]
    assert dotted(destination["workspaceResourceId"]) == "workspace.outputs.id"
    for flow in rule["properties"]["dataFlows"]:
        assert flow["destinations"] == [destination["name"]]
    # The rule applies once the workspace names it; a workspace that does not exist yet cannot,
    # so the workspace is deployed a second time with the rule, and Application Insights (and so
    # every piece of telemetry) waits for that.
    modules = monitoring["modules"]
    assert modules["workspace"]["config"]["params"]["transformsRuleId"] == ""
    linked = modules["workspaceWithTransforms"]["config"]["params"]["transformsRuleId"]
    assert dotted(linked) == "telemetryTransforms.id"
    for module in ("workspace", "workspaceWithTransforms"):
        assert modules[module]["detail"]["full"] == "loganalytics.bicep"
    insights = resource("modules/monitoring.bicep", "insights")["properties"]
    assert dotted(insights["WorkspaceResourceId"]) == "workspaceWithTransforms.outputs.id"
    workspace = resource("modules/loganalytics.bicep", "logs")["properties"]
    assert "transformsRuleId" in json.dumps(workspace["defaultDataCollectionRuleResourceId"])


def test_static_outbound_ip_is_optional_and_complete():
    main = parsed("main.bicep")
    assert main["parameters"]["staticOutboundIp"]["default"] is False
    network_module = main["modules"]["network"]
    assert network_module["config"]["condition"] == "vnetIntegration"
    network = parsed("modules/network.bicep")
    subnet = network["variables"]["appSubnet"]["value"]["properties"]
    assert subnet["delegations"][0]["properties"]["serviceName"] == "Microsoft.App/environments"
    assert "natGateway" in subnet
    ip = network["resources"]["publicIp"]["config"]
    assert ip["sku"]["name"] == "Standard"
    assert ip["properties"]["publicIPAllocationMethod"] == "Static"
    nat = network["resources"]["natGateway"]["config"]
    assert nat["properties"]["publicIpAddresses"]


def test_key_vault_network_restrictions_are_optional_and_keep_the_app_able_to_read_it():
    """Key Vault references do not come from the app's outbound IPs, so an IP rule for the NAT
    gateway would not let them through: the app reads a restricted vault through a private
    endpoint in its VNet. The integration subnet itself carries no service endpoint or private
    endpoint (Flex Consumption's subnet rule), so the endpoint gets a subnet of its own."""
    main = parsed("main.bicep")
    parameters = main["parameters"]
    assert parameters["keyVaultNetworkRestrictions"]["default"] is False
    assert parameters["keyVaultAllowedIpRanges"]["default"] == []
    # Restrictions bring the VNet they need with them.
    vnet_integration = main["variables"]["vnetIntegration"]["value"]["operator"]
    assert vnet_integration["type"] == "or"
    assert set(vnet_integration["operands"].values()) == {
        "staticOutboundIp",
        "keyVaultNetworkRestrictions",
    }
    subnet_id = main["modules"]["functionApp"]["config"]["params"]["subnetId"]["operator"]
    assert subnet_id["operands"]["condition"] == "vnetIntegration"
    assert main["modules"]["network"]["config"]["config"]["params"]["keyVaultPrivateEndpoint"] == (
        "keyVaultNetworkRestrictions"
    )
    vault_params = main["modules"]["vault"]["config"]["params"]
    assert vault_params["networkRestrictions"] == "keyVaultNetworkRestrictions"
    assert vault_params["allowedIpRanges"] == "keyVaultAllowedIpRanges"
    for name, output in (
        ("privateEndpointSubnetId", "network.outputs.privateEndpointSubnetId"),
        ("privateDnsZoneId", "network.outputs.keyVaultDnsZoneId"),
    ):
        operands = vault_params[name]["operator"]["operands"]
        assert operands["condition"] == "keyVaultNetworkRestrictions"
        assert dotted(operands["true_value"]) == output

    network = parsed("modules/network.bicep")
    app_subnet = network["variables"]["appSubnet"]["value"]["properties"]
    assert "serviceEndpoints" not in app_subnet
    endpoint_subnet = network["variables"]["privateEndpointSubnet"]["value"]
    assert "delegations" not in endpoint_subnet["properties"]
    assert endpoint_subnet["properties"]["addressPrefix"] != app_subnet["addressPrefix"]
    subnets = network["resources"]["vnet"]["config"]["properties"]["subnets"]["operator"]
    assert subnets["operands"] == {
        "condition": "keyVaultPrivateEndpoint",
        "true_value": ["appSubnet", "privateEndpointSubnet"],
        "false_value": ["appSubnet"],
    }
    zone = network["resources"]["keyVaultDns"]
    assert zone["config"]["condition"] == "keyVaultPrivateEndpoint"
    assert zone["config"]["config"]["name"] == "keyVaultDnsZoneName"
    zone_name = json.dumps(network["variables"]["keyVaultDnsZoneName"])
    assert "keyvaultDns" in zone_name
    assert "privatelink.vaultcore." in zone_name
    link = network["resources"]["keyVaultDnsLink"]["config"]
    assert link["condition"] == "keyVaultPrivateEndpoint"
    assert link["config"]["properties"]["registrationEnabled"] is False
    assert dotted(link["config"]["properties"]["virtualNetwork"]["id"]) == "vnet.id"

    vault = parsed("modules/keyvault.bicep")
    properties = vault["resources"]["vault"]["config"]["properties"]
    acls = properties["networkAcls"]["operator"]["operands"]
    assert acls["condition"] == "networkRestrictions"
    assert acls["true_value"] == {
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": "ipRules",
        "virtualNetworkRules": [],
    }
    assert acls["false_value"] == {"defaultAction": "Allow", "bypass": "AzureServices"}
    public = properties["publicNetworkAccess"]["operator"]["operands"]
    assert public["true_value"] == "Disabled"  # restricted, and no operator IP ranges
    assert public["false_value"] == "Enabled"
    assert "allowedIpRanges" in json.dumps(vault["variables"]["ipRules"])
    endpoint = vault["resources"]["privateEndpoint"]["config"]
    assert endpoint["condition"] == "networkRestrictions"
    connection = endpoint["config"]["properties"]["privateLinkServiceConnections"][0]
    assert connection["properties"]["groupIds"] == ["vault"]
    assert dotted(connection["properties"]["privateLinkServiceId"]) == "vault.id"
    assert endpoint["config"]["properties"]["subnet"] == {"id": "privateEndpointSubnetId"}
    dns = vault["resources"]["privateEndpointDns"]["config"]
    assert dns["condition"] == "networkRestrictions"
    zone_config = dns["config"]["properties"]["privateDnsZoneConfigs"][0]
    assert zone_config["properties"]["privateDnsZoneId"] == "privateDnsZoneId"


def test_outputs_and_app_settings_come_from_the_same_real_values():
    outputs = parsed("main.bicep")["outputs"]
    for name in ("AZURE_FUNCTION_APP_NAME", "CALLBACK_URL_BASE", "OUTBOUND_IPS"):
        assert name in outputs
    function_outputs = parsed("modules/functionapp.bicep")["outputs"]
    assert function_outputs["callbackUrlBase"]["value"] == (
        "https://${site.properties.defaultHostName}/api/wechat/"
    )
    settings = app_settings()
    assert settings["PUBLIC_BASE_URL"] == "https://${site.properties.defaultHostName}"
    assert settings["OUTBOUND_IPS"] == "outboundIps"
    assert function_outputs["outboundIps"]["value"] == "outboundIps"
    outbound = json.dumps(parsed("modules/functionapp.bicep")["variables"]["outboundIps"])
    assert "staticOutboundIps" in outbound
    assert "possibleOutboundIpAddresses" in outbound


def test_parameters_file_and_azure_yaml_match_main():
    parameters = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))["parameters"]
    declared = parsed("main.bicep")["parameters"]
    assert set(parameters) <= set(declared)
    azure = (ROOT / "azure.yaml").read_text("utf-8")
    assert "host: function" in azure
    assert "path: infra" in azure
    tags = json.dumps(resource("modules/functionapp.bicep", "site")["tags"])
    assert "azd-service-name" in tags


def test_the_deployed_package_carries_the_build_output_it_serves():
    """The API viewer's files are built, not committed: azd builds them before packaging, and
    neither .funcignore nor the build leaves them out."""
    azure = (ROOT / "azure.yaml").read_text("utf-8")
    service = azure[azure.index("services:") :]
    assert "prepackage:" in service
    assert service.count("-m tools.vendor_assets") == 2  # posix and windows
    assert service.count("npm run console:build") == 2
    ignored = (ROOT / ".funcignore").read_text("utf-8").split()
    assert not any(line.startswith("shared") for line in ignored)
    assert "console/*" in ignored  # the sources stay behind…
    assert "!console/dist" in ignored  # …and the built console goes


# --- checkov ---------------------------------------------------------------------------------


def run_checkov(*args: str) -> tuple[dict[str, int], set[str]]:
    if not CHECKOV.exists():
        pytest.fail(
            f"{CHECKOV} is missing: run `make setup` (it installs requirements-checkov.txt)"
        )
    result = subprocess.run(
        [str(CHECKOV), *args, "--output", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    failed = {check["check_id"] for check in report["results"]["failed_checks"]}
    return summary, failed


def skip_list() -> list[tuple[str, str]]:
    """(check id, its reason) from infra/checkov.yaml: the comment lines above each skip."""
    skips: list[tuple[str, str]] = []
    reason: list[str] = []
    after_skip = False
    for line in (INFRA / "checkov.yaml").read_text("utf-8").splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            if after_skip:
                reason, after_skip = [], False  # a new group of skips, with its own reason
            reason.append(stripped.lstrip("# "))
        elif match := re.fullmatch(r"- (CKV_[A-Z0-9_]+)", stripped):
            skips.append((match.group(1), " ".join(reason)))
            after_skip = True
        else:
            reason, after_skip = [], False
    return skips


def test_every_skip_has_a_reason_and_a_finding():
    skips = skip_list()
    assert skips
    for check, reason in skips:
        assert len(reason) > 20, f"{check} has no reason"
    _, failed_without_skips = run_checkov("--framework", "bicep", "--skip-download", "-d", "infra")
    stale = {check for check, _ in skips} - failed_without_skips
    assert not stale, f"skips with nothing to skip (remove them): {stale}"


def test_checkov_passes_with_the_documented_skips():
    summary, failed = run_checkov("--config-file", "infra/checkov.yaml")
    assert summary["parsing_errors"] == 0
    assert failed == set()
    assert summary["passed"] > 20
