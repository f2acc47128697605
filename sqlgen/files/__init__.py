"""Files sqlgen writes and reads back: output and manifest, approvals, drift."""
