"""The first cell of every chapter: it passes here and names what is wrong elsewhere."""

from importlib import metadata

import pytest

from helpers import environment


def test_passes_in_the_course_environment(capsys):
    environment.check_environment()
    assert "Environment OK" in capsys.readouterr().out


def test_wrong_tensorflow_is_named_with_the_fix(monkeypatch):
    real = metadata.version
    monkeypatch.setattr(
        environment.metadata,
        "version",
        lambda name: "2.15.0" if name == "tensorflow" else real(name),
    )
    with pytest.raises(RuntimeError) as raised:
        environment.check_environment()
    message = str(raised.value)
    assert "tensorflow 2.15.0 is installed; the course is tested with 2.21.0" in message
    assert "make lab" in message


def test_missing_package_is_named(monkeypatch):
    real = metadata.version

    def version(name):
        if name == "ipywidgets":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(environment.metadata, "version", version)
    with pytest.raises(RuntimeError, match="ipywidgets is not installed"):
        environment.check_environment()


def test_wrong_working_directory_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match="does not hold 01_convolution.ipynb"):
        assert environment.environment_problems("01_convolution") == []
