"""Discovery: planning a scan into units, collecting them, applying what they found."""
