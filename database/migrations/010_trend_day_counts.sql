-- Issue 26 (bench (h)): the daily report's 14-day trend counted a fortnight of events at every report (191,781 rows
-- at 10 M events: 95 ms of the report's 130). A day that has ended never gets new events, so its figures are counted
-- once and kept here; a report counts only the days it has not seen (one a day in steady state).
CREATE TABLE IF NOT EXISTS trend_day_counts (
    day_start TIMESTAMPTZ NOT NULL,
    day_end TIMESTAMPTZ NOT NULL,
    workflow TEXT NOT NULL,
    moved INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    counted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (day_start, day_end, workflow)
);
