"""The five seed releases of `corpus/`, as the tests name them."""

from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "corpus"

CHINA_2020 = "000_4e926120857ef53d"
RUSSIA_2018 = "001_6a8f80b65f6a5b53"
ISEF_2018 = "002_124b9746335e340f"
RUSSIA_2019 = "003_e925e52a700168fa"
MOON_UNDATED = "004_998f866523990025"
NEWEST_FIRST = [CHINA_2020, RUSSIA_2019, RUSSIA_2018, ISEF_2018, MOON_UNDATED]
