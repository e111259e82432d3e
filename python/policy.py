"""Loads browser-rl weights exported for RLlib (weights.safetensors) into torch, without Ray.

The file holds the weights under the names of RLlib's default torch RLModules
(DefaultPPOTorchRLModule, which RLlib also builds for IMPALA, APPO and MARWIL;
DefaultBCTorchRLModule, DefaultDQNTorchRLModule, DefaultSACTorchRLModule): each MLP is a
TorchMLP, `<part>.net.mlp.<i>` with Linear layers at even indices and the activation between.
This file builds the same modules from plain torch.nn pieces, loads the state dict strictly (so
every name and shape must match), and computes greedy actions:

    from policy import load_policy
    policy = load_policy("weights.safetensors")
    actions = policy.greedy_actions(obs)          # obs: float32 [batch, obs_dim]

A multi-agent run's file holds every module under RLlib's MultiRLModule names, `<module id>.<name>`;
its policy acts per module, and maps agents to modules as the run did:

    policy = load_policy("weights.safetensors")   # a MultiAgentPolicy
    actions = policy.greedy_actions(obs, "p0")    # module p0's greedy actions
    policy.module_for_agent("1")                  # the run's policy_mapping_fn

Command line (what the browser-rl tests run):

    python3 policy.py weights.safetensors obs.json [module_id]   # prints actions as JSON

Needs torch and numpy only (Debian: python3-torch python3-numpy); safetensors' own package is
not required, the format is read here (8-byte header length, JSON header, raw little-endian data).

Nothing in the file is trusted: the header is checked against the file's bytes, the metadata's
layout field by field, and the module it describes is laid out on torch's meta device (no memory)
and compared, tensor by tensor, with the file before anything real is built. A file that does not
fit raises ExportError (a ValueError) naming the file and the field; the command line prints it as
one line, `error: ...`, and exits 1.
"""

import json
import math
import re
import struct
import sys

import numpy as np
import torch
from torch import nn

FORMAT = "browser-rl-rllib-weights/1"
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
MULTI_AGENT = "multi-agent"
# Module ids as browser-rl allows them (multiAgent.policies), and how many one file may hold.
MODULE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_MODULES = 1_000_000


class ExportError(ValueError):
    """A weights file this loader cannot use; the message names the file and the field."""


# The reference implementation's own cap on the JSON header.
MAX_HEADER_BYTES = 100 * 1024 * 1024
# One layer's width, an observation's or an action's size: far above any MLP an export holds.
MAX_UNITS = 1 << 20
MAX_LAYERS = 64
MAX_RANK = 8


def _show(value, limit=80):
    """A value from the file, cut for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def read_safetensors(path):
    """(tensors by name as float32 numpy arrays, metadata dict) of a safetensors file.

    Every size in the header is checked against the file's bytes; ExportError if one does not fit."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ExportError(f"{path}: header: the file has {len(raw)} bytes; safetensors starts with a length")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len > min(MAX_HEADER_BYTES, len(raw) - 8):
        raise ExportError(
            f"{path}: header: declares {header_len} bytes, but the file has {len(raw) - 8} after the length; "
            "this is not a safetensors file"
        )
    try:
        header = json.loads(raw[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ExportError(f"{path}: header: not valid UTF-8 JSON ({_show(str(e))})") from None
    if not isinstance(header, dict):
        raise ExportError(f"{path}: header: must be a JSON object, got {_show(header)}")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ExportError(f"{path}: __metadata__: must map names to strings, got {_show(metadata)}")
    data = memoryview(raw)[8 + header_len :]
    tensors = {}
    for name, entry in header.items():
        where = f"{path}: tensor {_show(name)}"
        if not isinstance(entry, dict):
            raise ExportError(f"{where}: must be {{dtype, shape, data_offsets}}, got {_show(entry)}")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype != "F32":
            raise ExportError(f"{where}: dtype is {_show(dtype)}; only F32 is read")
        if not (isinstance(shape, list) and len(shape) <= MAX_RANK and all(_is_count(d) for d in shape)):
            want = f"a list of at most {MAX_RANK} whole numbers >= 0"
            raise ExportError(f"{where}: shape must be {want}, got {_show(shape)}")
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(_is_count(o) for o in offsets)
            and offsets[0] <= offsets[1] <= len(data)
        ):
            want = f"[begin, end] within the {len(data)} data bytes"
            raise ExportError(f"{where}: data_offsets must be {want}, got {_show(offsets)}")
        begin, end = offsets
        needed = 4 * math.prod(shape)
        if end - begin != needed:
            given = end - begin
            raise ExportError(f"{where}: shape {shape} needs {needed} bytes of F32; data_offsets give {given}")
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape).copy()
    return tensors, metadata


def _mlp(in_dim, hiddens, activation, out_dim=None, device=None):
    """RLlib's TorchMLP as `net.mlp`: Linear, activation, ..., [Linear(out_dim)]."""
    layers, dim = [], in_dim
    for units in hiddens:
        layers += [nn.Linear(dim, units, device=device), ACTIVATIONS[activation]()]
        dim = units
    if out_dim is not None:
        layers.append(nn.Linear(dim, out_dim, device=device))
    holder = nn.Module()
    holder.net = nn.Module()
    holder.net.mlp = nn.Sequential(*layers)
    return holder


def _run(part, x):
    return part.net.mlp(x)


class ActorCriticModule(nn.Module):
    """DefaultPPOTorchRLModule's layout: encoder.{actor_encoder,critic_encoder} (or encoder.encoder), pi, vf."""

    def __init__(self, layout, device=None):
        super().__init__()
        obs_dim, hiddens, act = layout["obs_dim"], layout["fcnet_hiddens"], layout["fcnet_activation"]
        self.action = layout["action"]
        self.shared = layout["vf_share_layers"]
        self.encoder = nn.Module()
        if self.shared:
            self.encoder.encoder = _mlp(obs_dim, hiddens, act, device=device)
        else:
            self.encoder.actor_encoder = _mlp(obs_dim, hiddens, act, device=device)
            self.encoder.critic_encoder = _mlp(obs_dim, hiddens, act, device=device)
        feature_dim = hiddens[-1] if hiddens else obs_dim
        discrete = self.action["kind"] == "discrete"
        out_dim = self.action["n"] if discrete else self.action["dim"]
        self.pi = _mlp(feature_dim, [], act, out_dim, device=device)
        if not discrete:
            # free_log_std=True: a state-independent log-std parameter of the pi head.
            self.pi.log_std = nn.Parameter(torch.zeros(self.action["dim"], device=device))
        self.vf = _mlp(feature_dim, [], act, 1, device=device)

    def greedy(self, obs):
        torso = self.encoder.encoder if self.shared else self.encoder.actor_encoder
        out = _run(self.pi, _run(torso, obs))
        # Discrete: the logits' argmax; Box: the Gaussian's mean.
        return out.argmax(dim=1) if self.action["kind"] == "discrete" else out


class BCModule(nn.Module):
    """DefaultBCTorchRLModule's layout: an MLP `_encoder` and a `_pi_head` (no value branch)."""

    def __init__(self, layout, device=None):
        super().__init__()
        obs_dim, hiddens, act = layout["obs_dim"], layout["fcnet_hiddens"], layout["fcnet_activation"]
        self.action = layout["action"]
        discrete = self.action["kind"] == "discrete"
        self._encoder = _mlp(obs_dim, hiddens, act, device=device)
        out_dim = self.action["n"] if discrete else self.action["dim"]
        self._pi_head = _mlp(hiddens[-1] if hiddens else obs_dim, [], act, out_dim, device=device)
        if not discrete:
            # free_log_std=True: BCCatalog builds a FreeLogStdMLPHead, its log-std a parameter of the head.
            self._pi_head.log_std = nn.Parameter(torch.zeros(self.action["dim"], device=device))

    def greedy(self, obs):
        out = _run(self._pi_head, _run(self._encoder, obs))
        return out.argmax(dim=1) if self.action["kind"] == "discrete" else out


class QModule(nn.Module):
    """DefaultDQNTorchRLModule's layout (num_atoms 1): encoder, af, and vf when dueling."""

    def __init__(self, layout, device=None):
        super().__init__()
        obs_dim, hiddens = layout["obs_dim"], layout["fcnet_hiddens"]
        self.dueling = layout["dueling"]
        n = layout["action"]["n"]
        self.encoder = _mlp(obs_dim, hiddens, layout["fcnet_activation"], device=device)
        feature_dim = hiddens[-1] if hiddens else obs_dim
        head, head_act = layout["head_fcnet_hiddens"], layout["head_fcnet_activation"]
        self.af = _mlp(feature_dim, head, head_act, n, device=device)
        if self.dueling:
            self.vf = _mlp(feature_dim, head, head_act, 1, device=device)

    def q_values(self, obs):
        features = _run(self.encoder, obs)
        advantages = _run(self.af, features)
        if not self.dueling:
            return advantages
        # Q = V + (A - mean_a A) (Wang et al. 2016, eq. 9), as RLlib's dueling head.
        return _run(self.vf, features) + advantages - advantages.mean(dim=1, keepdim=True)

    def greedy(self, obs):
        return self.q_values(obs).argmax(dim=1)


class SACModule(nn.Module):
    """DefaultSACTorchRLModule's layout: pi_encoder + pi, qf_encoder + qf (and the twin)."""

    def __init__(self, layout, device=None):
        super().__init__()
        obs_dim, dim = layout["obs_dim"], layout["action"]["dim"]
        self.action = layout["action"]
        hiddens, act = layout["fcnet_hiddens"], layout["fcnet_activation"]
        q_hiddens, q_act = layout["q_fcnet_hiddens"], layout["q_fcnet_activation"]
        self.pi_encoder = _mlp(obs_dim, hiddens, act, device=device)
        self.pi = _mlp(hiddens[-1] if hiddens else obs_dim, [], act, 2 * dim, device=device)
        names = ["qf", "qf_twin"] if layout["twin_q"] else ["qf"]
        for name in names:
            setattr(self, f"{name}_encoder", _mlp(obs_dim + dim, q_hiddens, q_act, device=device))
            q_dim = q_hiddens[-1] if q_hiddens else obs_dim + dim
            setattr(self, name, _mlp(q_dim, [], q_act, 1, device=device))

    def greedy(self, obs):
        out = _run(self.pi, _run(self.pi_encoder, obs))
        mean = out[:, : self.action["dim"]]
        low = torch.tensor(self.action["low"], dtype=torch.float32)
        high = torch.tensor(self.action["high"], dtype=torch.float32)
        # The squashed Gaussian's mode: tanh(mean), scaled from [-1, 1] to the Box.
        return low + (torch.tanh(mean) + 1) * 0.5 * (high - low)


MODULES = {"actor-critic": ActorCriticModule, "bc": BCModule, "q": QModule, "sac": SACModule}


def _size(v):
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_UNITS
    return None if ok else f"a whole number from 1 to {MAX_UNITS}"


def _sizes(v):
    ok = isinstance(v, list) and len(v) <= MAX_LAYERS and all(_size(x) is None for x in v)
    return None if ok else f"a list of at most {MAX_LAYERS} whole numbers from 1 to {MAX_UNITS}"


def _activation(v):
    return None if isinstance(v, str) and v in ACTIVATIONS else f"one of {', '.join(sorted(ACTIVATIONS))}"


def _flag(v):
    return None if isinstance(v, bool) else "true or false"


def _finite_numbers(v, count):
    def number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    return isinstance(v, list) and len(v) == count and all(number(x) for x in v)


def _action(kinds, bounds=False):
    """A check of `action`: its kind among `kinds`, its size, and (SAC) the Box's bounds.

    Returns None, or (the sub-field, what it must be)."""

    def check(v):
        if not isinstance(v, dict) or v.get("kind") not in kinds:
            return "", f"an object with kind {' or '.join(repr(k) for k in kinds)}"
        size = "n" if v["kind"] == "discrete" else "dim"
        if _size(v.get(size)) is not None:
            return f".{size}", _size(None)
        for side in ("low", "high") if bounds else ():
            if not _finite_numbers(v.get(side), v["dim"]):
                return f".{side}", f"a list of {v['dim']} finite numbers"
        return None

    return check


# The fields each module kind reads from the layout, and their checks.
_MLP_FIELDS = {"obs_dim": _size, "fcnet_hiddens": _sizes, "fcnet_activation": _activation}
LAYOUT_FIELDS = {
    "actor-critic": {**_MLP_FIELDS, "vf_share_layers": _flag, "action": _action(("discrete", "box"))},
    "bc": {**_MLP_FIELDS, "action": _action(("discrete", "box"))},
    "q": {
        **_MLP_FIELDS,
        "head_fcnet_hiddens": _sizes,
        "head_fcnet_activation": _activation,
        "dueling": _flag,
        "action": _action(("discrete",)),
    },
    "sac": {
        **_MLP_FIELDS,
        "q_fcnet_hiddens": _sizes,
        "q_fcnet_activation": _activation,
        "twin_q": _flag,
        "action": _action(("box",), bounds=True),
    },
}


def check_layout(layout, path, at="layout"):
    """The metadata's layout, field by field, before anything is built; ExportError names the first bad one."""
    if not isinstance(layout, dict):
        raise ExportError(f"{path}: {at}: must be a JSON object, got {_show(layout)}")
    kind = layout.get("kind")
    if kind not in LAYOUT_FIELDS:
        kinds = ", ".join(LAYOUT_FIELDS)
        raise ExportError(f"{path}: {at}.kind: must be one of {kinds}; got {_show(kind)}")
    for field, check in LAYOUT_FIELDS[kind].items():
        value = layout.get(field)
        problem = check(value)
        if problem is None:
            continue
        suffix, want = problem if isinstance(problem, tuple) else ("", problem)
        got = value.get(suffix[1:]) if suffix else value
        raise ExportError(f"{path}: {at}.{field}{suffix}: must be {want}; got {_show(got)}")


def check_multi_agent_layout(layout, path):
    """A multi-agent layout: a layout per module id, and the policy mapping table."""
    modules = layout.get("modules")
    if not isinstance(modules, dict) or not 1 <= len(modules) <= MAX_MODULES:
        raise ExportError(f"{path}: layout.modules: must map 1 to {MAX_MODULES} module ids to layouts")
    for module_id, module_layout in modules.items():
        if not MODULE_ID.fullmatch(module_id):
            raise ExportError(f"{path}: layout.modules: {_show(module_id)} is not a module id (1-64 of A-Z a-z 0-9 _ . -)")
        check_layout(module_layout, path, f"layout.modules.{module_id}")
    mapping = layout.get("policy_mapping")
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and v in modules for k, v in mapping.items()):
        raise ExportError(f"{path}: layout.policy_mapping: must map agent-id patterns to the file's module ids")


def split_by_module(tensors, module_ids, path):
    """Tensors by module id: `<module id>.<name>` (RLlib's MultiRLModule state), the longest id that fits."""
    ordered = sorted(module_ids, key=len, reverse=True)
    out = {module_id: {} for module_id in module_ids}
    for name, tensor in tensors.items():
        owner = next((m for m in ordered if name.startswith(m + ".")), None)
        if owner is None:
            raise ExportError(f"{path}: tensor {_show(name)} names none of the modules {_show(sorted(module_ids))}")
        out[owner][name[len(owner) + 1 :]] = tensor
    return out


def check_tensors(layout, tensors, path):
    """The module the layout describes, laid out on the meta device (no memory), checked against
    the file's tensors: names and shapes."""
    meta = MODULES[layout["kind"]](layout, device="meta")
    expected = {name: list(t.shape) for name, t in meta.state_dict().items()}
    problems = [
        f"{name} is missing from the file (the layout needs {shape})"
        for name, shape in expected.items()
        if name not in tensors
    ]
    problems += [
        f"{name} is {list(tensors[name].shape)} in the file, the layout needs {shape}"
        for name, shape in expected.items()
        if name in tensors and list(tensors[name].shape) != shape
    ]
    problems += [f"{_show(name)} is in the file, not in the layout" for name in tensors if name not in expected]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ExportError(f"{path}: the tensors do not fit the metadata's layout {_show(layout, 240)}: {shown}")


def map_agent(mapping, agent_id):
    """The module of `agent_id` under a policy mapping table: exact ids first, then `*` globs in order."""
    agent = str(agent_id)
    if agent in mapping:
        return mapping[agent]
    for pattern, module_id in mapping.items():
        if "*" in pattern and re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), agent):
            return module_id
    raise ValueError(f"agent {agent!r} matches no pattern of the policy mapping {_show(mapping)}")


class Policy:
    """A loaded module and its greedy action function."""

    def __init__(self, module, metadata):
        self.module = module.eval()
        self.metadata = metadata

    @torch.no_grad()
    def greedy_actions(self, obs):
        """Greedy actions for a float32 [batch, obs_dim] array: int64 [batch] or float32 [batch, dim]."""
        x = torch.as_tensor(np.asarray(obs, dtype=np.float32))
        return self.module.greedy(x).numpy()


class MultiAgentPolicy:
    """Every module of a multi-agent export by module id, and the run's policy mapping."""

    def __init__(self, policies, policy_mapping, metadata):
        self.policies = policies
        self.policy_mapping = policy_mapping
        self.metadata = metadata

    def module_for_agent(self, agent_id):
        """The module id the run mapped `agent_id` to (its policy_mapping_fn)."""
        return map_agent(self.policy_mapping, agent_id)

    def greedy_actions(self, obs, module_id):
        """Module `module_id`'s greedy actions for a float32 [batch, obs_dim] array."""
        if module_id not in self.policies:
            raise ExportError(f"no module {_show(module_id)}; the file holds {_show(sorted(self.policies))}")
        return self.policies[module_id].greedy_actions(obs)


def _build(layout, tensors, metadata, path):
    """One module: its layout checked against its tensors on the meta device, then built and loaded."""
    check_tensors(layout, tensors, path)
    module = MODULES[layout["kind"]](layout)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return Policy(module, metadata)


def load_policy(path="weights.safetensors"):
    """Builds the module the file's metadata describes and loads every tensor (a MultiAgentPolicy
    for a multi-agent run's file).

    Raises ExportError, naming the field, when the file, its layout or its tensors do not fit."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        got = _show(metadata.get("format"))
        raise ExportError(f"{path}: __metadata__.format: not a browser-rl export ({got}); expected {FORMAT}")
    if "layout" not in metadata:
        raise ExportError(f"{path}: __metadata__.layout: missing; the exporter writes the module's layout")
    try:
        layout = json.loads(metadata["layout"])
    except (ValueError, RecursionError) as e:
        raise ExportError(f"{path}: __metadata__.layout: not valid JSON ({_show(str(e))})") from None
    if isinstance(layout, dict) and layout.get("kind") == MULTI_AGENT:
        check_multi_agent_layout(layout, path)
        by_module = split_by_module(tensors, layout["modules"], path)
        policies = {
            module_id: _build(module_layout, by_module[module_id], metadata, f"{path} (module {module_id})")
            for module_id, module_layout in layout["modules"].items()
        }
        return MultiAgentPolicy(policies, layout["policy_mapping"], metadata)
    check_layout(layout, path)
    return _build(layout, tensors, metadata, path)


def greedy_actions(obs, path="weights.safetensors"):
    """One-call form: load the weights at `path` and return the greedy actions for `obs`."""
    return load_policy(path).greedy_actions(obs)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python3 policy.py weights.safetensors obs.json [module_id]")
    try:
        policy = load_policy(sys.argv[1])
        if isinstance(policy, MultiAgentPolicy) and len(sys.argv) != 4:
            raise ExportError(f"{sys.argv[1]} is a multi-agent run: name a module ({', '.join(sorted(policy.policies))})")
        if not isinstance(policy, MultiAgentPolicy) and len(sys.argv) == 4:
            raise ExportError(f"{sys.argv[1]} holds one module: leave out the module id")
    except ExportError as e:
        sys.exit(f"error: {e}")
    with open(sys.argv[2]) as f:
        observations = np.asarray(json.load(f), dtype=np.float32)
    try:
        actions = policy.greedy_actions(observations, *sys.argv[3:])
    except ExportError as e:
        sys.exit(f"error: {e}")
    print(json.dumps(actions.tolist()))
