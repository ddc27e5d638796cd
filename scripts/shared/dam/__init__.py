"""The OTMM DAM client: HTTP calls, downloads and imports, authentication, metadata documents, the live probe
(docs/otmm-api.md)."""
