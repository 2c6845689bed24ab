"""Grading submissions against answer keys, and verifying the claims of student reports."""
