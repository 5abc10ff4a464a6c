"""Dashboard pages on media-mix data (no campaign rows): a channel's page shows what the response models measure
(attribution with intervals, the response curve at run-rate, the channel's lift tests) instead of a 422, the
attribution table links to it, and the Ask page's examples name the data's own channel and budget."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_session import signed_in

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


def shown(x: float) -> str:
    """A whole number as the dashboard's ``number(0)`` filter prints it (narrow no-break space thousands)."""
    return f"{x:,.0f}".replace(",", "\u202f")


@pytest.fixture(scope="module")
def mix_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app in process serving a small weekly media-mix world (70 weeks, 3 channels, national) with one lift test
    per channel and KPI, trained without backtests."""
    from advisor.data import load_dataset
    from advisor.ops.train import training_tables
    from demo_world import generate_mmm_world
    from demo_world.lift import mmm_lift_tests, write_lift_tests
    from training.pipeline import train_all

    root = tmp_path_factory.mktemp("mix-world")
    data, models = root / "data", root / "models"
    data.mkdir()
    world = generate_mmm_world(seed=3, days=490, channels=3)
    world.write(data)
    write_lift_tests(mmm_lift_tests(world.truth, 3), data / "lift_tests.csv")
    ds = load_dataset(data)
    tables, layout = training_tables(ds)
    train_all(tables, models, fingerprint=ds.fingerprint, backtest=None, mmm=layout, campaign_source="mmm")
    with serving.app_in_process(serving.World(data, models), tmp_path_factory.mktemp("mix-service")) as live:
        yield live, list(world.truth["channels"])


def test_a_channel_of_media_mix_data_shows_its_measured_effect(mix_app: Any) -> None:
    live, channels = mix_app
    channel = channels[0]
    with signed_in(live, live.key) as c:
        page = c.get(f"/ui/channel/{channel}")
        assert page.status_code == 200, page.text[:500]
        html = page.text
        window = re.search(r'id="window" data-from="([0-9-]+)" data-to="([0-9-]+)"', html)
        assert window, html[:2000]
        start, end = window.groups()
        with live.client() as api:
            doc = api.get("/v1/attribution", params={"from": start, "to": end, "channels": channel}).json()
        # the last 13 weeks of the history by default: 13 weekly periods, the last one starting on the history's end
        assert end == doc["to"] and (date.fromisoformat(end) - date.fromisoformat(start)).days == 7 * 12
        effect = doc["channels"][channel]
        assert 'id="mix-note"' in html and 'id="verdict"' not in html
        row = re.search(r'data-row="conversions">.*?</tr>', html, re.S)
        assert row and shown(effect["incremental_conversions"]) in row.group(0), row.group(0) if row else html
        assert shown(effect["lower_80"]) in row.group(0)
        assert 'id="mix-curve"' in html and "marginal" in html
        lift = re.search(r'id="lift-tests">.*?</section>', html, re.S)
        assert lift and lift.group(0).count("<tr data-kpi=") == 2  # one test per KPI of this channel
        # a window of the user's choosing
        other = c.get(f"/ui/channel/{channel}", params={"from": doc["from"], "to": doc["from"]})
        assert other.status_code == 200 and f'data-from="{doc["from"]}"' in other.text
        # an unknown channel is the attribution operation's error, not a 500
        assert c.get("/ui/channel/nope").status_code in (404, 422)
        assert "per week" in html
        # the attribution page links each channel to its page; columns no channel has a value in are left out (no
        # platform-reported figures in media-mix data) and a note that holds for every channel is said once
        attribution = c.get("/ui/attribution").text
        assert all(f'href="/ui/channel/{ch}"' in attribution for ch in channels)
        assert "reported-conversions" not in attribution and "Reported conversions" not in attribution
        notes = re.findall(r'<p class="muted small note">(.*?)</p>', attribution)
        assert notes and len(notes) == len(set(notes)), notes
        assert any("no platform-reported" in n and not n.startswith(channels[0]) for n in notes), notes


def test_ask_examples_name_the_media_mix_data_own_channel(mix_app: Any) -> None:
    live, channels = mix_app
    with signed_in(live, live.key) as c:
        html = c.get("/ui/ask").text
    assert "search-01" not in html and "120000" not in html
    assert any(f"How much did {ch} add" in html for ch in channels), html[-3000:]
