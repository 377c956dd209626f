"""Privacy over the end of a record's life: retention, authorised erasure, subject access.

Sits above `cooperation` (it purges referrals and MLA requests with their case) and
below `reports`; it finds what hangs off a case or a person by walking the models'
relations, so a table added later to a lower app is purged without a change here.
"""
