"""Creator tools (SPEC R-CRE): comment triage."""
