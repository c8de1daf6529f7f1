"""Label lines: the right form, near misses read or warned about (file:line and the right form)."""

from __future__ import annotations

from mlagility.sweep.targets import parse_labels

CASES = {
    "# labels: author::a task::x,y\n": ({"author": ["a"], "task": ["x", "y"]}, None),
    "\ufeff# labels: author::a\n": ({"author": ["a"]}, None),  # a UTF-8 BOM
    "#!/usr/bin/env python\n# labels: author::a\n": ({"author": ["a"]}, None),
    "#labels: author::a\n": ({"author": ["a"]}, "x.py:1: '#labels:' read as '# labels:'"),
    "# Labels: author::a\n": ({"author": ["a"]}, "x.py:1: '# Labels:' read as '# labels:'"),
    "#  labels : author::a\n": ({"author": ["a"]}, "x.py:1: '#  labels :' read as '# labels:'"),
    "# labels: author:x task:y\n": ({"author": ["x"], "task": ["y"]},
                                    "x.py:1: read 'author:x' as 'author::x', 'task:y' as 'task::y'"),
    "# labels: author:: bare\n": ({}, "x.py:1: malformed label tokens 'author::', 'bare' ignored"),
    "import os\n# labels: author::a\n": ({}, "x.py:2: a label line below the top of the file is ignored"),
    "# labels: a::b\n# labels: c::d\n": ({"a": ["b"]}, "x.py:2: a second label line is ignored"),
    "# Labels for the plot come later\nimport os\n": ({}, None),  # prose, not a label line
}


def test_label_lines_read_or_warned_in_one_line(tmp_path):
    path = tmp_path / "x.py"
    for text, (labels, warning) in CASES.items():
        path.write_text(text, encoding="utf-8")
        found, warnings = parse_labels(path)
        assert found == labels, text
        if warning is None:
            assert warnings == [], text
        else:
            (line,) = warnings  # one line per label line
            assert line.startswith(warning) and "the form is # labels: key::value1,value2" in line or \
                "(# labels: key::value1,value2" in line, (text, line)
