"""Instructor tooling around nbgrader: release, collect, autograde, feedback, export.

Run it as ``python -m helpers.grading COMMAND [CHAPTER]`` (the Makefile does): every command
checks its inputs first and says what is missing in plain words, then calls nbgrader with
the course root ``assignments/``.
"""
