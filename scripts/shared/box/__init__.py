"""The Box client (the only module importing boxsdk), its uploads, the shared Box rate budget (box_pacer) and its
kept upload sessions (docs/box-api.md)."""
