// What an operator watches: a workbook of the app's metrics (shared/core/metrics.py, documented
// in docs/operations.md) and log alerts on them, all querying Application Insights' customMetrics.
param applicationInsightsName string
param workbookName string
param alertNamePrefix string
param location string
param tags object

@description('An existing action group the alerts notify; empty for none (or the alertEmail one).')
param actionGroupId string = ''

@description('With no actionGroupId: an address the alerts email, through an action group made here.')
param alertEmail string = ''

@minValue(0)
@maxValue(1440)
@description('Minutes without a push, on an account that had pushes in the two days before, that raise the "no pushes" alert; 0 turns it off.')
param noPushAlertMinutes int = 240

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var emailGroupName = '${alertNamePrefix}-email'
var makeEmailGroup = empty(actionGroupId) && !empty(alertEmail)

resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (makeEmailGroup) {
  name: emailGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'wechat-cc'
    enabled: true
    emailReceivers: [{ name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var emailGroups = makeEmailGroup ? [emailGroup.id] : []
var actionGroups = empty(actionGroupId) ? emailGroups : [actionGroupId]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: workbookName
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'WeChat contact center'
    category: 'workbook'
    sourceId: insights.id
    serializedData: loadTextContent('workbook.json')
  }
}

// Counters reach customMetrics as one row per minute and attribute set: valueSum is the count.
var poisonQuery = '''
customMetrics
| where name == "pipeline.poison_messages"
| summarize poisoned = sum(valueSum) by work_queue = tostring(customDimensions.work_queue)
'''

// 40164: this server's IP is not in the API IP whitelist; 40125: the AppSecret is not valid.
// Either way no token, so nothing can be sent until an operator fixes it.
var channelBrokenQuery = '''
customMetrics
| where name == "wechat.token.fetches"
| where tostring(customDimensions.outcome) == "failed"
| extend errcode = tostring(customDimensions["wechat.errcode"])
| where errcode in ("40164", "40125")
| summarize failed = sum(valueSum) by account = tostring(customDimensions["wechat.account_id"]), errcode
'''

// Histograms keep no buckets in Azure Monitor: the p95 is over 2 s when more than 5 % of acks
// were slower than 2 s (wechat.callback.slow_acks), counted against the histogram's count.
var slowAckQuery = '''
customMetrics
| where name in ("wechat.callback.ack_duration", "wechat.callback.slow_acks")
| summarize acks = sumif(valueCount, name == "wechat.callback.ack_duration"),
    slow = sumif(valueSum, name == "wechat.callback.slow_acks")
| where acks >= 20
| extend slowShare = slow / acks
'''

// Multi-line strings take no interpolation: the minutes go in by replace().
var noPushQuery = replace('''
let quiet = QUIET_MINUTESm;
customMetrics
| where name == "wechat.callback.pushes"
| summarize before = sumif(valueSum, timestamp < ago(quiet)),
    recent = sumif(valueSum, timestamp >= ago(quiet))
    by account = tostring(customDimensions["wechat.account_id"])
| where before > 0 and recent == 0
''', 'QUIET_MINUTES', string(noPushAlertMinutes))

resource poisonAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertNamePrefix}-poison-messages'
  location: location
  tags: tags
  properties: {
    displayName: 'WeChat contact center: poison messages'
    description: 'A work item failed its last delivery and is in <queue>-poison: GET /api/admin/poison shows it with its error; fix the cause, then replay it.'
    severity: 1
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'poisoned'
          dimensions: [{ name: 'queue', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

resource channelBrokenAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertNamePrefix}-channel-broken'
  location: location
  tags: tags
  properties: {
    displayName: 'WeChat contact center: channel broken (token fetch 40164 or 40125)'
    description: 'WeChat refused the access-token fetch: 40164, add the app\'s outbound IPs to the API IP whitelist; 40125, the account\'s AppSecret is wrong. Nothing is sent until then.'
    severity: 0
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: channelBrokenQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failed'
          dimensions: [
            { name: 'account', operator: 'Include', values: ['*'] }
            { name: 'errcode', operator: 'Include', values: ['*'] }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

resource slowAckAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertNamePrefix}-slow-acks'
  location: location
  tags: tags
  properties: {
    displayName: 'WeChat contact center: callback ack p95 over 2 s'
    description: 'More than 5 % of answers to WeChat took over 2 s (WeChat gives up at 5 s and retries): look for cold starts (alwaysReadyHttpInstances) and slow storage.'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: slowAckQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'slowShare'
          operator: 'GreaterThan'
          threshold: json('0.05')
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

resource noPushAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (noPushAlertMinutes > 0) {
  name: '${alertNamePrefix}-no-pushes'
  location: location
  tags: tags
  properties: {
    displayName: 'WeChat contact center: no pushes on an account that usually has them'
    description: 'No push stored for ${noPushAlertMinutes} minutes on an account that had pushes in the two days before: check the server URL in WeChat\'s console, the account\'s state and the callback\'s refusals.'
    severity: 2
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    // The query compares the quiet minutes with the two days before them.
    overrideQueryTimeRange: 'P2D'
    criteria: {
      allOf: [
        {
          query: noPushQuery
          timeAggregation: 'Count'
          dimensions: [{ name: 'account', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: actionGroups }
  }
}

output workbookId string = workbook.id
