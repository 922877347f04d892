"""nbgrader settings for a learner's Validate button (read because `make lab` puts this folder
on JUPYTER_CONFIG_PATH).

Validate runs the whole notebook; nbgrader's default of 30 s a cell would stop the training
cells of the later chapters, so a cell gets the grader's own limit.
"""

from helpers.grading.config import SLOWEST_CELL_SECONDS

c = get_config()  # noqa: F821 (nbgrader injects get_config)
c.Execute.timeout = SLOWEST_CELL_SECONDS
