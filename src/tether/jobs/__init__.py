"""Work Tether does on its own: running scans, and starting scheduled ones."""
