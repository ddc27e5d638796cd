"""The Box client (the only module importing boxsdk), its uploads and kept upload sessions (docs/box-api.md)."""
