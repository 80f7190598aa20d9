"""Campaign results: what each campaign's links led to, for the console (results.py counts, chart.py draws,
export.py names the columns and writes the CSV)."""
