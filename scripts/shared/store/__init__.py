"""The store layer: every SQL statement of the suite (campaigns, leases, events, per-asset rows, reports, Box pacing rows)."""
