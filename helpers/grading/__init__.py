"""Instructor tooling around nbgrader: release, collect, autograde, feedback, export.

Run it as ``python -m helpers.grading COMMAND [CHAPTER]`` (the Makefile does): every command
checks its inputs first and says what is missing in plain words, then calls nbgrader with
the course root ``assignments/``.

- ``chapters``: the list of chapters and every path of a chapter (the one rule for paths).
- ``course``: the commands behind the CLI (``__main__``).
- ``parallel``: a whole class graded on Dask, one job per submission (``make autograde``).
- ``gradebook``: where the gradebook is (SQLite or nbgrader's ``db_url``) and the one
  writer of a graded submission.
- ``report``: the class report of a graded chapter (``make report``).
- ``execute``: run a solved chapter top to bottom (``make html``, the benchmarks).
- ``solutions``: read the instructor notebook's solutions and hidden tests (tests, benchmarks).
- ``html``: ``make html``, the solved chapters as offline pages (local MathJax, no log noise).
- ``feedback``: the preprocessor that keeps hidden tests out of feedback.
- ``sandbox``: run untrusted code in a bubblewrap sandbox with limits (every submission).
- ``sandboxed``: the nbgrader preprocessors that execute a submission in the sandbox and
  score its test cells outside it (``SandboxedExecute``, ``NormalizeSubmission``).
- ``judge``: split a test cell into "the learner's functions produce outputs" (sandbox) and
  "the checks judge them" (the grader's process).
- ``sandbox_runner``: the program that runs inside the sandbox; ``wire``: what crosses it.
- ``config``: settings shared with ``assignments/nbgrader_config.py``.
"""
