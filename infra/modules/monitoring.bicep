// Logs and traces; Application Insights accepts only Entra ID (managed identity) ingestion, and
// a workspace transformation strips query strings from what it stores.
param logAnalyticsName string
param applicationInsightsName string
param telemetryTransformsName string
param location string
param tags object

module workspace 'loganalytics.bicep' = {
  name: 'loganalytics'
  params: {
    name: logAnalyticsName
    location: location
    tags: tags
    transformsRuleId: ''
  }
}

// Applied at ingestion to what Application Insights sends (it uses no data collection rule of its
// own). WeChat signs each push in the callback URL's query string (signature, msg_signature,
// timestamp, nonce, openid, encrypt_type); WeChat's API takes access_token in it. Transformations
// have no replace_regex or parse_url, so the query string is cut off whole.
resource telemetryTransforms 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: telemetryTransformsName
  location: location
  tags: tags
  kind: 'WorkspaceTransforms'
  properties: {
    dataSources: {}
    destinations: {
      logAnalytics: [{ name: 'workspace', workspaceResourceId: workspace.outputs.id }]
    }
    dataFlows: [
      {
        streams: ['Microsoft-Table-AppRequests']
        destinations: ['workspace']
        transformKql: 'source | extend Url = tostring(split(Url, "?")[0])'
      }
      {
        streams: ['Microsoft-Table-AppDependencies']
        destinations: ['workspace']
        transformKql: 'source | extend Data = iif(DependencyType == "HTTP", tostring(split(Data, "?")[0]), Data)'
      }
    ]
  }
}

module workspaceWithTransforms 'loganalytics.bicep' = {
  name: 'loganalytics-transforms'
  params: {
    name: logAnalyticsName
    location: location
    tags: tags
    transformsRuleId: telemetryTransforms.id
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    // The second deployment's output: no telemetry arrives before the transformation applies.
    WorkspaceResourceId: workspaceWithTransforms.outputs.id
    // No instrumentation-key ingestion: the app authenticates with its identity.
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = insights.name
