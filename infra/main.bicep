// WeChat contact center on Azure Functions (Flex Consumption), secured by a managed identity:
// no storage key, connection string with a key, or plain-text secret anywhere.
// Deploy with `azd up`, or `az deployment sub create` (see the README, "Deploy to Azure").
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Name of the environment; it seeds every resource name (azd sets it).')
param environmentName string

@minLength(1)
@description('Region of every resource. Flex Consumption is not offered in every region.')
param location string

@description('Resource group to create (or reuse); default rg-<environmentName>.')
param resourceGroupName string = ''

@allowed(['3.10', '3.11', '3.12'])
@description('Python version of the function app.')
param pythonVersion string = '3.12'

@allowed([512, 2048, 4096])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Most instances the app may scale out to.')
param maximumInstanceCount int = 40

@minValue(0)
@maxValue(20)
@description('Always-ready instances for the HTTP functions: WeChat gives up after 5 seconds, so a cold start must not stand between a push and its answer. 0 turns it off (cheaper).')
param alwaysReadyHttpInstances int = 1

@description('Give the app a fixed outbound IP (VNet, NAT gateway, static public IP) for WeChat\'s API IP whitelist, which refuses calls from other addresses (errcode 40164).')
param staticOutboundIp bool = false

@description('Close Key Vault to the internet: the app reads it through a private endpoint in its VNet. Turns the VNet, and so the NAT gateway\'s static IP, on.')
param keyVaultNetworkRestrictions bool = false

@description('With keyVaultNetworkRestrictions: public IPv4 addresses or CIDR ranges that may still reach Key Vault (operators\' machines); empty turns its public access off.')
param keyVaultAllowedIpRanges array = []

@minValue(1)
@maxValue(3650)
@description('Days attachments are kept in Blob storage before the lifecycle rule deletes them.')
param attachmentRetentionDays int = 180

@minValue(1048576)
@maxValue(104857600)
@description('Largest request body the Functions host accepts, in bytes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT; the host\'s default is 100 MiB). 25 MiB: a 20 MB agent upload plus multipart overhead.')
param requestBodySizeLimitBytes int = 26214400

@description('Accept WeChat pushes only from WeChat\'s callback IPs (CALLBACK_IP_CHECK; the app fetches them with getcallbackip and refreshes them daily).')
param callbackIpCheck bool = false

@description('Email address the alerts notify (an action group is made for it); empty for none.')
param alertEmail string = ''

@description('Resource id of an existing action group the alerts notify instead of alertEmail.')
param alertActionGroupId string = ''

@minValue(0)
@maxValue(1440)
@description('Minutes without a push, on an account that had pushes in the two days before, that raise the "no pushes" alert; 0 turns it off.')
param noPushAlertMinutes int = 240

// ADMIN_TOKEN and SECRETS_KEY are required and never generated here: a value made up at deployment
// time changes with every redeployment (a new SECRETS_KEY leaves every sealed secret unreadable, a
// new ADMIN_TOKEN locks the admin out). azd creates them once per environment and keeps them.
@secure()
@minLength(16)
@description('Bearer token for /api/admin/*, 16 characters or more (wcc-$(openssl rand -hex 24)). Pass the same value on every deployment.')
param adminToken string

@secure()
@minLength(44)
@maxLength(44)
@description('Base64 of 32 random bytes that encrypts secrets at rest (openssl rand -base64 32). Pass the same value on every deployment.')
param secretsKey string

@secure()
@description('The SECRETS_KEY before a rotation, if any: it keeps decrypting what it sealed.')
param secretsKeyPrevious string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
// Key Vault network restrictions need the VNet: the app reaches the vault's private endpoint there.
var vnetIntegration = staticOutboundIp || keyVaultNetworkRestrictions
var tags = { 'azd-env-name': environmentName, application: 'wechat-contact-center' }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-wcc-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-wcc-${resourceToken}'
    applicationInsightsName: 'appi-wcc-${resourceToken}'
    telemetryTransformsName: 'dcr-wcc-${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    workbookName: guid(rg.id, 'wechat-contact-center-workbook')
    alertNamePrefix: 'alert-wcc-${resourceToken}'
    location: location
    tags: tags
    actionGroupId: alertActionGroupId
    alertEmail: alertEmail
    noPushAlertMinutes: noPushAlertMinutes
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stwcc${resourceToken}'
    location: location
    tags: tags
    attachmentRetentionDays: attachmentRetentionDays
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-wcc-${take(resourceToken, 14)}'
    location: location
    tags: tags
    adminToken: adminToken
    secretsKey: secretsKey
    secretsKeyPrevious: secretsKeyPrevious
    networkRestrictions: keyVaultNetworkRestrictions
    privateEndpointSubnetId: keyVaultNetworkRestrictions ? network.outputs.privateEndpointSubnetId : ''
    privateDnsZoneId: keyVaultNetworkRestrictions ? network.outputs.keyVaultDnsZoneId : ''
    allowedIpRanges: keyVaultAllowedIpRanges
  }
}

module network 'modules/network.bicep' = if (vnetIntegration) {
  name: 'network'
  scope: rg
  params: {
    vnetName: 'vnet-wcc-${resourceToken}'
    natGatewayName: 'ng-wcc-${resourceToken}'
    publicIpName: 'pip-wcc-${resourceToken}'
    location: location
    tags: tags
    keyVaultPrivateEndpoint: keyVaultNetworkRestrictions
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: 'func-wcc-${resourceToken}'
    planName: 'plan-wcc-${resourceToken}'
    location: location
    tags: tags
    pythonVersion: pythonVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    adminTokenSecretUri: vault.outputs.adminTokenSecretUri
    secretsKeySecretUri: vault.outputs.secretsKeySecretUri
    secretsKeyPreviousSecretUri: vault.outputs.secretsKeyPreviousSecretUri
    subnetId: vnetIntegration ? network.outputs.appSubnetId : ''
    staticOutboundIps: vnetIntegration ? network.outputs.publicIpAddress : ''
    requestBodySizeLimitBytes: requestBodySizeLimitBytes
    callbackIpCheck: callbackIpCheck
  }
  // The identity must hold its roles before the app starts reading storage and secrets.
  dependsOn: [roles]
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
@description('Append the account id from the admin API: this is what WeChat\'s console calls the server URL.')
output CALLBACK_URL_BASE string = functionApp.outputs.callbackUrlBase
@description('Add these to the WeChat account\'s API IP whitelist.')
output OUTBOUND_IPS string = functionApp.outputs.outboundIps
