# azd preprovision hook (Windows): create ADMIN_TOKEN and SECRETS_KEY if missing.
$ErrorActionPreference = 'Stop'
function Get-Env($name) { try { azd env get-value $name 2>$null } catch { '' } }
function New-RandomBytes($count) {
  $bytes = New-Object byte[] $count
  [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  return $bytes
}
if (-not (Get-Env 'ADMIN_TOKEN')) {
  azd env set ADMIN_TOKEN ("wcc-" + -join ((New-RandomBytes 24) | ForEach-Object { $_.ToString('x2') }))
  Write-Host 'Generated ADMIN_TOKEN (azd env get-value ADMIN_TOKEN shows it).'
}
if (-not (Get-Env 'SECRETS_KEY')) {
  azd env set SECRETS_KEY ([Convert]::ToBase64String((New-RandomBytes 32)))
  Write-Host 'Generated SECRETS_KEY.'
}
