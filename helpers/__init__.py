"""The course's support package.

One module per concern, so that a newcomer finds things by name:

- ``helpers.environment``: the check that opens every chapter.
- ``helpers.checks``: learner-facing comparisons with clear messages (shapes, values).
- ``helpers.references``: independent reference computations (TensorFlow ops) used by checks.
- ``helpers.viz``: figures ("extra code" kept out of the learner's way).
- ``helpers.widgets``: ipywidgets explorers, each with a static fallback.
- ``helpers.grading``: instructor tooling around nbgrader (release, autograde, feedback).

Solutions to graded exercises never live here: they are in the instructor notebooks only.
"""

__version__ = "0.1.0"
