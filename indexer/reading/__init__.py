"""File -> `Document` -> `Release`: listing the corpus, reading each format, extracting metadata
(title, date, number, agencies, missions, embargo)."""
