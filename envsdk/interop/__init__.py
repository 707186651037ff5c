"""Bridges to the field's environment formats: OpenEnv servers and clients, verifiers, stored rollout logs.

Nothing here is imported by `import envsdk`; each module imports its optional package (`openenv`,
`verifiers`) itself, so only the bridge in use needs its extra. Field mappings: docs/interop.md.
"""
