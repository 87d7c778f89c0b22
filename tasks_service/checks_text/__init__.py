"""Checks that read an answer's text: length, language, punctuation, numbers, addresses, docs.

Each module holds one check (``check(task, job, answer) -> list[str]`` of problems in words)
and what it needs; :mod:`tasks_service.checks` registers them with their default levels.
"""
