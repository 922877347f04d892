"""helpers.viz.common.Progress: the one-line bar of the chapters' long cells (trainings, the
VGG-16 and ResNet-50 checks): elapsed and remaining time, updated in place, so that an executed
notebook keeps one line however many updates it received."""

import re

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.grading.execute import execute_notebook
from helpers.viz.common import Progress


def test_the_line_says_how_far_how_long_and_how_much_is_left(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("helpers.viz.common.time.perf_counter", lambda: now[0])
    bar = Progress(4, "YOLO training")  # started at 100 s
    now[0] = 130.0
    bar.update(1, "loss 0.500")  # 30 s for one epoch of four: about 3 x 30 s = 90 s left
    assert bar.line() == (
        "YOLO training [#####---------------] 1/4 epochs, 0:30 elapsed, about 1:30 left | loss 0.500"
    )
    now[0] = 190.0
    bar.update(4)  # done after 90 s: the time taken, nothing left
    assert bar.line() == (
        "YOLO training [####################] 4/4 epochs, 1:30 elapsed, done | loss 0.500"
    )


def test_outside_a_notebook_it_shows_nothing(capsys):
    bar = Progress(3, "checking", unit="steps")
    bar.update(3)
    assert capsys.readouterr() == ("", "")
    with pytest.raises(ValueError, match="some work to show"):
        Progress(0, "nothing")


def test_the_keras_callback_follows_every_batch():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    bar = Progress(2, "training", every=0.0)  # redraw on every batch
    x, y = np.zeros((40, 3), "float32"), np.ones((40, 1), "float32")
    seen = []
    original = bar.update
    bar.update = lambda done, note=None: (seen.append(done), original(done, note))
    for epoch in range(2):  # one fit per epoch, as the chapters' loops do
        model.fit(
            x, y, batch_size=10, epochs=1, verbose=0, callbacks=[bar.keras_callback(offset=epoch)]
        )
    assert seen == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]  # 4 batches an epoch
    assert bar.finished and re.search(r"2/2 epochs, .* done \| loss \d\.\d{3}$", bar.line())


def test_in_a_notebook_many_updates_leave_one_line(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "from helpers.viz.common import Progress\n"
                "bar = Progress(500, 'work', unit='steps', every=0.0)\n"
                "for step in range(1, 501):\n"
                "    bar.update(step, f'step {step}')\n"
            )
        ]
    )
    execute_notebook(nb, tmp_path, timeout=120)
    (output,) = nb.cells[0].outputs
    assert output.output_type == "display_data"
    assert re.fullmatch(
        r"work \[#{20}\] 500/500 steps, \d+:\d\d elapsed, done \| step 500",
        output.data["text/plain"],
    )
