"""Outputs: the rates.csv schema and REPORT/provenance rendering (``report``), and the atomic merge of a run's claims
into the output folder (``folder``)."""
