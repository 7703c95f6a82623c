#!/bin/sh
# azd preprovision hook: create ADMIN_TOKEN and SECRETS_KEY in the azd environment if missing.
set -eu
if [ -z "$(azd env get-value ADMIN_TOKEN 2>/dev/null || true)" ]; then
  azd env set ADMIN_TOKEN "wcc-$(openssl rand -hex 24)"
  echo "Generated ADMIN_TOKEN (azd env get-value ADMIN_TOKEN shows it)."
fi
if [ -z "$(azd env get-value SECRETS_KEY 2>/dev/null || true)" ]; then
  azd env set SECRETS_KEY "$(openssl rand -base64 32)"
  echo "Generated SECRETS_KEY."
fi
