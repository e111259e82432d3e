"""Runs an exported rllib_config.py against a stand-in for Ray (not installable here) and prints,
as JSON, every setter call the file made on its config: {"class": "PPOConfig", "calls":
{"training": {"lr": ...}, "model_config": {...}, ...}}. Tuples come out as lists.

The stand-in only records: it checks that the file imports what RLlib exports, calls setters that
AlgorithmConfig has, and passes keyword arguments; the TS test checks the values key by key. A
function passed (a multi-agent run's policy_mapping_fn) is recorded as {"$callable": name}; with a
JSON list of agent ids as the second argument, the output also holds what the file's
policy_mapping_fn maps each of them to ("policy_mapping").
"""

import json
import runpy
import sys
import types

SETTERS = {
    "environment",
    "env_runners",
    "learners",
    "rl_module",
    "training",
    "offline_data",
    "evaluation",
    "fault_tolerance",
    "debugging",
    "reporting",
    "resources",
    "multi_agent",
}


class StubConfig:
    def __init__(self):
        self.calls = {}

    def __getattr__(self, name):
        if name not in SETTERS:
            raise AttributeError(f"AlgorithmConfig has no setter {name!r} in this stand-in")

        def setter(*args, **kwargs):
            if args:
                raise TypeError(f".{name}() takes keyword arguments only, got {args!r}")
            if name in self.calls:
                raise TypeError(f".{name}() called twice")
            self.calls[name] = kwargs
            return self

        return setter


class DefaultModelConfig:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


registered = {}


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


for part in ["ray", "ray.rllib", "ray.rllib.algorithms", "ray.rllib.core", "ray.rllib.core.rl_module", "ray.tune"]:
    module(part)
for algo in ["ppo", "dqn", "sac", "impala", "appo", "marwil", "bc"]:
    cls = type(f"{algo.upper()}Config", (StubConfig,), {})
    module(f"ray.rllib.algorithms.{algo}", **{cls.__name__: cls})
module("ray.rllib.core.rl_module.default_model_config", DefaultModelConfig=DefaultModelConfig)
module("ray.tune.registry", register_env=lambda name, creator: registered.__setitem__(name, creator))
for part in ["ray.rllib.examples", "ray.rllib.examples.envs", "ray.rllib.examples.envs.classes"]:
    module(part)
module(
    "ray.rllib.examples.envs.classes.multi_agent",
    MultiAgentCartPole=type("MultiAgentCartPole", (), {}),
    MultiAgentPendulum=type("MultiAgentPendulum", (), {}),
)
module("gymnasium", make=lambda *a, **k: None)

ns = runpy.run_path(sys.argv[1], run_name="exported_config")
config = ns["config"]
calls = dict(config.calls)
rl_module = calls.pop("rl_module")
calls["model_config"] = rl_module["model_config"].kwargs
out = {"class": type(config).__name__, "calls": calls, "registered_envs": sorted(registered)}
if len(sys.argv) > 2:
    out["policy_mapping"] = {agent: ns["policy_mapping_fn"](agent, None) for agent in json.loads(sys.argv[2])}


def callable_name(value):
    if callable(value):
        return {"$callable": value.__name__}
    raise TypeError(f"cannot record {value!r}")


print(json.dumps(out, default=callable_name))
