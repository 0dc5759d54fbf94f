"""Reading evidence text: HTML comments blanked without moving any later line."""
from workbook.core.textio import blank_html_comments


def test_a_comment_goes_but_its_newlines_stay():
    text = "one\n<!-- a\nnote\nacross lines -->two\nthree <!-- x --> four\n"
    out = blank_html_comments(text)
    assert out == "one\n\n\ntwo\nthree  four\n"
    assert out.split("\n").index("two") == text.split("\n").index("across lines -->two")


def test_an_unclosed_comment_is_left_as_text():
    assert blank_html_comments("a <!-- never closed\nb") == "a <!-- never closed\nb"
