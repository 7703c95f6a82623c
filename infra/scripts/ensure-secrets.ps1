# azd preprovision hook (Windows): create ADMIN_TOKEN and SECRETS_KEY once and keep them, as
# ensure-secrets.sh does; a deployed environment that lost one gets no new value.
$ErrorActionPreference = 'Stop'
function Get-Env($name) { try { azd env get-value $name 2>$null } catch { '' } }
function New-RandomBytes($count) {
  $bytes = New-Object byte[] $count
  [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  return $bytes
}
$vault = Get-Env 'AZURE_KEY_VAULT_NAME'
foreach ($name in 'ADMIN_TOKEN', 'SECRETS_KEY') {
  if ($vault -and -not (Get-Env $name)) {
    $secret = $name.Replace('_', '-')
    [Console]::Error.WriteLine("$name is missing from this azd environment, which was already deployed (Key Vault $vault).")
    [Console]::Error.WriteLine('Restore the deployed value instead of generating a new one:')
    [Console]::Error.WriteLine("  azd env set $name (az keyvault secret show --vault-name $vault --name $secret --query value -o tsv)")
    exit 1
  }
}
if (-not (Get-Env 'ADMIN_TOKEN')) {
  azd env set ADMIN_TOKEN ("wcc-" + -join ((New-RandomBytes 24) | ForEach-Object { $_.ToString('x2') }))
  Write-Host 'Generated ADMIN_TOKEN (azd env get-value ADMIN_TOKEN shows it).'
}
if (-not (Get-Env 'SECRETS_KEY')) {
  azd env set SECRETS_KEY ([Convert]::ToBase64String((New-RandomBytes 32)))
  Write-Host 'Generated SECRETS_KEY.'
}
