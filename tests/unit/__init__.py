"""Unit tests: parts that need no running node, one module per part under test."""
