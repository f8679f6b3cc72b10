import pytest

from unggulan.core.inputs.codes import clean_code, format_code, guess_system, parent_code


@pytest.mark.parametrize(
    "raw, digits",
    [("73.08.01.2001", "7308012001"), ("7308012001", "7308012001"), (7308012001, "7308012001"),
     (7308012001.0, "7308012001"), ("7308012001.0", "7308012001"), (" 73.08.01 ", "730801"),
     ("", None), (None, None), (float("nan"), None), ("abc", None), ("-", None)],
)
def test_clean_code(raw, digits):
    assert clean_code(raw) == digits


def test_format_keeps_the_system():
    assert format_code("7308012001", "kemendagri") == "73.08.01.2001"
    assert format_code("730801", "kemendagri") == "73.08.01"
    assert format_code("7311010001", "bps") == "7311010001"


def test_parent_code_differs_between_systems():
    assert parent_code("7308012001", "kecamatan", "kemendagri") == "730801"
    assert parent_code("7311010001", "kecamatan", "bps") == "7311010"


def test_guess_system():
    assert guess_system(["7308012001", "7308011002"])[0] == "kemendagri"
    assert guess_system(["7311010001", "7311010002", "7311020001"])[0] == "bps"
    assert guess_system(["7311010"])[0] == "bps"
    assert guess_system(["730801"])[0] == "kemendagri"
    assert guess_system(["7311010001"], hint="KDEBPS")[0] == "bps"
    assert guess_system(["7308012001"], hint="KDEPUM")[0] == "kemendagri"
