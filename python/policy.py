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

Command line (what the browser-rl tests run):

    python3 policy.py weights.safetensors obs.json   # obs.json: [[...], ...]; prints actions as JSON

Needs torch and numpy only (Debian: python3-torch python3-numpy); safetensors' own package is
not required, the format is read here (8-byte header length, JSON header, raw little-endian data).
"""

import json
import struct
import sys

import numpy as np
import torch
from torch import nn

FORMAT = "browser-rl-rllib-weights/1"
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


def read_safetensors(path):
    """(tensors by name as float32 numpy arrays, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + header_len :]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}; only F32 is read")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4")
        tensors[name] = values.reshape(entry["shape"]).copy()
    return tensors, metadata


def _mlp(in_dim, hiddens, activation, out_dim=None):
    """RLlib's TorchMLP as `net.mlp`: Linear, activation, ..., [Linear(out_dim)]."""
    layers, dim = [], in_dim
    for units in hiddens:
        layers += [nn.Linear(dim, units), ACTIVATIONS[activation]()]
        dim = units
    if out_dim is not None:
        layers.append(nn.Linear(dim, out_dim))
    holder = nn.Module()
    holder.net = nn.Module()
    holder.net.mlp = nn.Sequential(*layers)
    return holder


def _run(part, x):
    return part.net.mlp(x)


class ActorCriticModule(nn.Module):
    """DefaultPPOTorchRLModule's layout: encoder.{actor_encoder,critic_encoder} (or encoder.encoder), pi, vf."""

    def __init__(self, layout):
        super().__init__()
        obs_dim, hiddens, act = layout["obs_dim"], layout["fcnet_hiddens"], layout["fcnet_activation"]
        self.action = layout["action"]
        self.shared = layout["vf_share_layers"]
        self.encoder = nn.Module()
        if self.shared:
            self.encoder.encoder = _mlp(obs_dim, hiddens, act)
        else:
            self.encoder.actor_encoder = _mlp(obs_dim, hiddens, act)
            self.encoder.critic_encoder = _mlp(obs_dim, hiddens, act)
        feature_dim = hiddens[-1] if hiddens else obs_dim
        discrete = self.action["kind"] == "discrete"
        self.pi = _mlp(feature_dim, [], act, self.action["n"] if discrete else self.action["dim"])
        if not discrete:
            # free_log_std=True: a state-independent log-std parameter of the pi head.
            self.pi.log_std = nn.Parameter(torch.zeros(self.action["dim"]))
        self.vf = _mlp(feature_dim, [], act, 1)

    def greedy(self, obs):
        torso = self.encoder.encoder if self.shared else self.encoder.actor_encoder
        out = _run(self.pi, _run(torso, obs))
        # Discrete: the logits' argmax; Box: the Gaussian's mean.
        return out.argmax(dim=1) if self.action["kind"] == "discrete" else out


class BCModule(nn.Module):
    """DefaultBCTorchRLModule's layout: an MLP `_encoder` and a `_pi_head` (no value branch)."""

    def __init__(self, layout):
        super().__init__()
        obs_dim, hiddens, act = layout["obs_dim"], layout["fcnet_hiddens"], layout["fcnet_activation"]
        self.action = layout["action"]
        discrete = self.action["kind"] == "discrete"
        self._encoder = _mlp(obs_dim, hiddens, act)
        out_dim = self.action["n"] if discrete else self.action["dim"]
        self._pi_head = _mlp(hiddens[-1] if hiddens else obs_dim, [], act, out_dim)
        if not discrete:
            # free_log_std=True: BCCatalog builds a FreeLogStdMLPHead, its log-std a parameter of the head.
            self._pi_head.log_std = nn.Parameter(torch.zeros(self.action["dim"]))

    def greedy(self, obs):
        out = _run(self._pi_head, _run(self._encoder, obs))
        return out.argmax(dim=1) if self.action["kind"] == "discrete" else out


class QModule(nn.Module):
    """DefaultDQNTorchRLModule's layout (num_atoms 1): encoder, af, and vf when dueling."""

    def __init__(self, layout):
        super().__init__()
        obs_dim, hiddens = layout["obs_dim"], layout["fcnet_hiddens"]
        self.dueling = layout["dueling"]
        n = layout["action"]["n"]
        self.encoder = _mlp(obs_dim, hiddens, layout["fcnet_activation"])
        feature_dim = hiddens[-1] if hiddens else obs_dim
        head, head_act = layout["head_fcnet_hiddens"], layout["head_fcnet_activation"]
        self.af = _mlp(feature_dim, head, head_act, n)
        if self.dueling:
            self.vf = _mlp(feature_dim, head, head_act, 1)

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

    def __init__(self, layout):
        super().__init__()
        obs_dim, dim = layout["obs_dim"], layout["action"]["dim"]
        self.action = layout["action"]
        hiddens, act = layout["fcnet_hiddens"], layout["fcnet_activation"]
        q_hiddens, q_act = layout["q_fcnet_hiddens"], layout["q_fcnet_activation"]
        self.pi_encoder = _mlp(obs_dim, hiddens, act)
        self.pi = _mlp(hiddens[-1] if hiddens else obs_dim, [], act, 2 * dim)
        names = ["qf", "qf_twin"] if layout["twin_q"] else ["qf"]
        for name in names:
            setattr(self, f"{name}_encoder", _mlp(obs_dim + dim, q_hiddens, q_act))
            setattr(self, name, _mlp(q_hiddens[-1] if q_hiddens else obs_dim + dim, [], q_act, 1))

    def greedy(self, obs):
        out = _run(self.pi, _run(self.pi_encoder, obs))
        mean = out[:, : self.action["dim"]]
        low = torch.tensor(self.action["low"], dtype=torch.float32)
        high = torch.tensor(self.action["high"], dtype=torch.float32)
        # The squashed Gaussian's mode: tanh(mean), scaled from [-1, 1] to the Box.
        return low + (torch.tanh(mean) + 1) * 0.5 * (high - low)


MODULES = {"actor-critic": ActorCriticModule, "bc": BCModule, "q": QModule, "sac": SACModule}


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


def load_policy(path="weights.safetensors"):
    """Builds the module the file's metadata describes and loads every tensor (strict: names and shapes)."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path}: not a browser-rl export ({metadata.get('format')!r}); expected {FORMAT}")
    layout = json.loads(metadata["layout"])
    module = MODULES[layout["kind"]](layout)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return Policy(module, metadata)


def greedy_actions(obs, path="weights.safetensors"):
    """One-call form: load the weights at `path` and return the greedy actions for `obs`."""
    return load_policy(path).greedy_actions(obs)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 policy.py weights.safetensors obs.json")
    with open(sys.argv[2]) as f:
        observations = np.asarray(json.load(f), dtype=np.float32)
    print(json.dumps(load_policy(sys.argv[1]).greedy_actions(observations).tolist()))
