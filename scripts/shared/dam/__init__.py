"""The OTMM DAM client: HTTP calls, authentication, metadata documents, the live probe (docs/otmm-api.md)."""
