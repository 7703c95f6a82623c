"""Development tools that are not deployed (see .funcignore)."""
