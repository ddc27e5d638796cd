"""The Box client (the only module importing boxsdk) and its kept upload sessions (docs/box-api.md)."""
