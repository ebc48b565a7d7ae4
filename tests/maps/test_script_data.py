"""maps/script_data.py: data for the pages' scripts cannot break out of them."""

from __future__ import annotations

import json

from maps.script_data import dumps_for_script


def test_json_for_script_cannot_close_the_script() -> None:
    text = dumps_for_script(["</script><!--", "a\u2028b"])
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == ["</script><!--", "a\u2028b"]
