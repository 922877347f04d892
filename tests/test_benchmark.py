"""helpers.grading.benchmark: the figures a chapter's benchmark reads from printed text, and the
summary line README quotes (the executions themselves are the slow grading tests' business)."""

from helpers.grading.benchmark import Run, figures_of, summary


def test_figures_are_read_from_the_printed_text_or_said_missing():
    printed = "brief training: 3 epochs in 12 s\nResNet-50: 25,636,712 parameters\n"
    lines = figures_of(
        printed, {"params": r"ResNet-50: ([\d,]+) parameters", "map": r"mAP ([\d.]+)"}
    )
    assert lines == ["  params: 25,636,712", "  map: not printed"]


def test_summary_gives_the_median_of_wall_and_cpu_times():
    runs = [Run(120.0, 200.0, ""), Run(100.0, 190.0, ""), Run(180.0, 260.0, "")]
    line = summary("03_resnets", runs)
    assert line.startswith("chapter 03_resnets executed top to bottom: median 120.0 s over 3 runs")
    assert "(120.0, 100.0, 180.0)" in line and "CPU time of the kernel, median 200 s" in line
