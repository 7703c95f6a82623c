#!/bin/sh
# azd preprovision hook: create ADMIN_TOKEN and SECRETS_KEY in the azd environment once, and keep
# them. A deployed environment that lost one gets no new value: a new SECRETS_KEY would leave every
# stored secret unreadable, a new ADMIN_TOKEN would lock the admin out.
set -eu

value() { azd env get-value "$1" 2>/dev/null || true; }

vault=$(value AZURE_KEY_VAULT_NAME)
for name in ADMIN_TOKEN SECRETS_KEY; do
  if [ -n "$vault" ] && [ -z "$(value "$name")" ]; then
    secret=$(echo "$name" | tr _ -)
    echo "$name is missing from this azd environment, which was already deployed (Key Vault $vault)." >&2
    echo "Restore the deployed value instead of generating a new one:" >&2
    echo "  azd env set $name \"\$(az keyvault secret show --vault-name $vault --name $secret --query value -o tsv)\"" >&2
    exit 1
  fi
done

if [ -z "$(value ADMIN_TOKEN)" ]; then
  azd env set ADMIN_TOKEN "wcc-$(openssl rand -hex 24)"
  echo "Generated ADMIN_TOKEN (azd env get-value ADMIN_TOKEN shows it)."
fi
if [ -z "$(value SECRETS_KEY)" ]; then
  azd env set SECRETS_KEY "$(openssl rand -base64 32)"
  echo "Generated SECRETS_KEY."
fi
