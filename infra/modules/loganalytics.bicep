// The Log Analytics workspace behind Application Insights. monitoring.bicep deploys it twice: once
// to create it, then with the workspace transformation rule, which must name an existing workspace.
param name string
param location string
param tags object
@description('The workspace transformation rule (kind WorkspaceTransforms); empty for none yet.')
param transformsRuleId string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    defaultDataCollectionRuleResourceId: empty(transformsRuleId) ? null : transformsRuleId
  }
}

output id string = logs.id
