// ADMIN_TOKEN and SECRETS_KEY live here; the app reads them through Key Vault references with
// its identity (RBAC mode: no access policies). Optionally closed to the internet: the app then
// reads it through a private endpoint in its VNet.
param name string
param location string
param tags object
@secure()
param adminToken string
@secure()
param secretsKey string
@secure()
param secretsKeyPrevious string
@description('Deny the vault\'s public endpoint except to allowedIpRanges; the app uses the private endpoint.')
param networkRestrictions bool
@description('With networkRestrictions: the subnet of the private endpoint.')
param privateEndpointSubnetId string
@description('With networkRestrictions: the private DNS zone (privatelink.vaultcore.azure.net) linked to the VNet.')
param privateDnsZoneId string
@description('With networkRestrictions: public IPv4 addresses or CIDR ranges still allowed (operators); none turns public access off.')
param allowedIpRanges array

var ipRules = [for range in allowedIpRanges: { value: range }]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true // a deleted SECRETS_KEY would make every stored secret unreadable
    publicNetworkAccess: (networkRestrictions && empty(allowedIpRanges)) ? 'Disabled' : 'Enabled'
    // Key Vault references do not come from the app's outbound IPs: no IP rule can admit them.
    networkAcls: networkRestrictions ? { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: ipRules, virtualNetworkRules: [] } : { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-01-01' = if (networkRestrictions) {
  name: 'pe-${name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: vault.id
          groupIds: ['vault']
        }
      }
    ]
  }
}

// Registers the endpoint's address under the vault's name in the VNet's private DNS zone.
resource privateEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = if (networkRestrictions) {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vaultcore'
        properties: { privateDnsZoneId: privateDnsZoneId }
      }
    ]
  }
}

resource adminTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ADMIN-TOKEN'
  properties: {
    value: adminToken
    contentType: 'text/plain'
    attributes: { enabled: true }
  }
}

resource secretsKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'SECRETS-KEY'
  properties: {
    value: secretsKey
    contentType: 'application/base64'
    attributes: { enabled: true }
  }
}

resource secretsKeyPreviousSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(secretsKeyPrevious)) {
  parent: vault
  name: 'SECRETS-KEY-PREVIOUS'
  properties: {
    value: secretsKeyPrevious
    contentType: 'application/base64'
    attributes: { enabled: true }
  }
}

output name string = vault.name
output adminTokenSecretUri string = adminTokenSecret.properties.secretUri
output secretsKeySecretUri string = secretsKeySecret.properties.secretUri
output secretsKeyPreviousSecretUri string = empty(secretsKeyPrevious) ? '' : secretsKeyPreviousSecret.properties.secretUri
