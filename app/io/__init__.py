"""Reading inputs and writing exports. Files in, DataFrames out; no domain rules here."""
