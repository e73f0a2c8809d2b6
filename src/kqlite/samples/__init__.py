"""Sample data sets that reproduce the shape of public KQL exercises offline.

``kda_case4`` writes the files of the Kusto Detective Agency's season 2, case 4
("Triple trouble"): an IP lookup table and 30 days of per-minute network metrics
with a planted data exfiltration.
"""
