// The function app on a Flex Consumption (FC1) plan: Linux, Python, identity-based storage,
// secrets from Key Vault, telemetry with Entra ID, optional VNet integration for a fixed IP.
param name string
param planName string
param location string
param tags object
param pythonVersion string
param instanceMemoryMB int
param maximumInstanceCount int
param alwaysReadyHttpInstances int
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param adminTokenSecretUri string
param secretsKeySecretUri string
param secretsKeyPreviousSecretUri string
@description('Subnet for VNet integration (the static outbound IP); empty for none.')
param subnetId string
@description('The NAT gateway\'s public IP when a static outbound IP is on; empty otherwise.')
param staticOutboundIps string
param requestBodySizeLimitBytes int
param callbackIpCheck bool

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true } // Linux
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId // Key Vault references resolve with this identity
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // One warm instance for the HTTP functions keeps WeChat's 5-second deadline.
        alwaysReady: (alwaysReadyHttpInstances == 0) ? [] : [{ name: 'http', instanceCount: alwaysReadyHttpInstances }]
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
  }
}

var outboundIps = empty(staticOutboundIps) ? site.properties.possibleOutboundIpAddresses : staticOutboundIps
var currentKeys = {
  ADMIN_TOKEN: '@Microsoft.KeyVault(SecretUri=${adminTokenSecretUri})'
  SECRETS_KEY: '@Microsoft.KeyVault(SecretUri=${secretsKeySecretUri})'
}
var previousKey = {
  SECRETS_KEY_PREVIOUS: '@Microsoft.KeyVault(SecretUri=${secretsKeyPreviousSecretUri})'
}
var keyVaultSettings = empty(secretsKeyPreviousSecretUri) ? currentKeys : union(currentKeys, previousKey)

// In its own resource so it can use the site's real host name and outbound addresses.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(keyVaultSettings, {
    // The host's and the app's storage clients: identity-based, never a key.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: account.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: account.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: account.properties.primaryEndpoints.table
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // host.json's telemetryMode is OpenTelemetry: the worker sends the app's logs and spans
    // itself (no duplicates through the host), with the Azure Monitor distro.
    PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
    // Client spans record whole URLs, and WeChat's API takes the access token in the query.
    OTEL_PYTHON_DISABLED_INSTRUMENTATIONS: 'httpx,httpx2,requests,urllib,urllib3'
    WECHAT_API_BASE_URL: 'https://api.weixin.qq.com'
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
    OUTBOUND_IPS: outboundIps
    // The host refuses larger bodies before the app reads them (its own default is 100 MiB).
    FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: string(requestBodySizeLimitBytes)
    // "true": pushes are accepted only from the addresses WeChat's getcallbackip API lists.
    CALLBACK_IP_CHECK: callbackIpCheck ? 'true' : 'false'
  })
}

output name string = site.name
output callbackUrlBase string = 'https://${site.properties.defaultHostName}/api/wechat/'
output outboundIps string = outboundIps
