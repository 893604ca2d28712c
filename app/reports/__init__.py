"""Reports: the numbers, the CSV exports and the hex map."""
