"""Tests of the reviews domain."""
