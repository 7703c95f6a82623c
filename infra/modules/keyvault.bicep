// ADMIN_TOKEN and SECRETS_KEY live here; the app reads them through Key Vault references with
// its identity (RBAC mode: no access policies).
param name string
param location string
param tags object
@secure()
param adminToken string
@secure()
param secretsKey string
@secure()
param secretsKeyPrevious string

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
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
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
