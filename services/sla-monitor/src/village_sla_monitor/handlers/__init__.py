"""The SLA monitor's units of work: `incident_events` for what it consumes (and its timers),
`contracts` for the commands its API takes."""
