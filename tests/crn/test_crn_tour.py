"""The crn part of the tour: under 20 s, the Brusselator's period, plots written."""

import math
import time

from selforg.crn.tour import tour_part


def test_tour_part(tmp_path):
    t0 = time.monotonic()
    section = tour_part(tmp_path)
    assert time.monotonic() - t0 < 60  # ≤ 20 s on an idle 2-core machine
    period = section.numbers["Brusselator A=1, B=3: period of X"]
    assert 6.0 < period < 9.0 and math.isfinite(period)
    for m in section.media:
        assert (tmp_path / m.path).stat().st_size > 1000
    assert section.command == "selforg tour --only crn"
