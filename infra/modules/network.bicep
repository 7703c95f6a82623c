// The app's VNet: its outbound traffic leaves through a NAT gateway with one Standard static public
// IP (for WeChat's API IP whitelist), and, when Key Vault is network-restricted, a private endpoint
// subnet and DNS zone let the app reach the vault without the internet.
param vnetName string
param natGatewayName string
param publicIpName string
param location string
param tags object
@description('Add a subnet and a private DNS zone for the Key Vault private endpoint.')
param keyVaultPrivateEndpoint bool

var privateEndpointSubnetName = 'private-endpoints'
// privatelink.vaultcore.azure.net in Azure's public cloud, from the cloud's own vault suffix.
var keyVaultDnsZoneName = replace(environment().suffixes.keyvaultDns, '.vault.', 'privatelink.vaultcore.')

resource publicIp 'Microsoft.Network/publicIPAddresses@2024-01-01' = {
  name: publicIpName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-01-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [{ id: publicIp.id }]
  }
}

var appSubnet = {
  name: 'app'
  properties: {
    addressPrefix: '10.40.0.0/24'
    natGateway: { id: natGateway.id }
    // Flex Consumption integrates with subnets delegated to Microsoft.App/environments, and the
    // subnet may not also hold service endpoints or private endpoints.
    delegations: [
      {
        name: 'flex-consumption'
        properties: { serviceName: 'Microsoft.App/environments' }
      }
    ]
  }
}

var privateEndpointSubnet = {
  name: privateEndpointSubnetName
  properties: {
    addressPrefix: '10.40.1.0/24'
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.40.0.0/16'] }
    subnets: keyVaultPrivateEndpoint ? [appSubnet, privateEndpointSubnet] : [appSubnet]
  }
}

// Resolves the vault's name to its private endpoint for everything in the VNet, the app included.
resource keyVaultDns 'Microsoft.Network/privateDnsZones@2020-06-01' = if (keyVaultPrivateEndpoint) {
  name: keyVaultDnsZoneName
  location: 'global'
  tags: tags
}

resource keyVaultDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = if (keyVaultPrivateEndpoint) {
  parent: keyVaultDns
  name: vnetName
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

output appSubnetId string = vnet.properties.subnets[0].id
output publicIpAddress string = publicIp.properties.ipAddress
output privateEndpointSubnetId string = keyVaultPrivateEndpoint ? '${vnet.id}/subnets/${privateEndpointSubnetName}' : ''
output keyVaultDnsZoneId string = keyVaultPrivateEndpoint ? keyVaultDns.id : ''
