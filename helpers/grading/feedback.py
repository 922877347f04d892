"""Feedback that shows a learner what failed without showing the hidden tests."""

from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
HIDDEN_NOTE = "(This cell also ran hidden tests; their code is not shown.)"


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test source from feedback, and cut tracebacks that would quote it.

    For every cell with a hidden-test region: the region is removed from the source (as
    nbgrader's ClearHiddenTests does when it releases a notebook), and an error output keeps
    only its last frame's message: the exception and its notes, which the course's checks
    write for the learner ("conv_forward: Z differs from tf.nn.conv2d on ...").
    """

    def preprocess_cell(self, cell, resources, cell_index):
        clearer = ClearHiddenTests(enforce_metadata=False)
        if cell.cell_type != "code" or not clearer._remove_hidden_test_region(cell):
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [_last_frame_message(output), HIDDEN_NOTE]
        return cell, resources


def _last_frame_message(output) -> str:
    """The "Name: message" line of an error output, with any notes after it."""
    lines = _ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
    head = f"{output.ename}: "
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].startswith(head):
            return "\n".join(lines[index:])
    return f"{output.ename}: {output.evalue}"
