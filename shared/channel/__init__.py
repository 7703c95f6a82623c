"""The WeChat account as a channel: the account registry, the callback (the server URL),
WeChat's callback IPs, the shared access token and the go-live check."""
