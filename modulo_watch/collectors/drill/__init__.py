"""Drill mode: scripted incidents that feed the same snapshot types as the live sources.

A scenario is a TOML file (see ``scenarios/``): the initial world and a timeline of events.
``load_scenario`` validates and compiles it; ``Scenario.world_at`` gives the world at any drill
time; ``drill_collectors`` serves it to the collector runner.
"""

from modulo_watch.collectors.drill.collectors import (
    DrillCollector,
    SimulatedClock,
    WorldCache,
    drill_collectors,
    drill_start,
)
from modulo_watch.collectors.drill.engine import Scenario, ScenarioInfo, World
from modulo_watch.collectors.drill.errors import ScenarioError
from modulo_watch.collectors.drill.scenario import (
    DEFAULT_SCENARIO,
    available_scenarios,
    load_scenario,
    parse_scenario,
)
from modulo_watch.collectors.drill.spec import SuggestedIncident

__all__ = [
    "DEFAULT_SCENARIO",
    "DrillCollector",
    "Scenario",
    "ScenarioError",
    "ScenarioInfo",
    "SimulatedClock",
    "SuggestedIncident",
    "World",
    "WorldCache",
    "available_scenarios",
    "drill_collectors",
    "drill_start",
    "load_scenario",
    "parse_scenario",
]
