"""The one-file verifiers taskset package that exports an envsdk environment (docs/interop.md): verifiers finds
tasksets by top-level module name (`vf-eval vf_envsdk_echo --env.taskset.env toy-echo`)."""

from envsdk.interop.verifiers_taskset import EnvsdkTaskset

__all__ = ["EnvsdkTaskset"]
