"""The participation domain: processes, proposals, comments, supports and decisions."""
