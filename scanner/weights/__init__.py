"""Weight provenance: read checkpoints safely, fingerprint tensors, compare with references.

- `safetensors_reader` / `safetensors_writer`: the format, strictly checked, memory-mapped.
- `roles`: component, role and layer of a tensor from its name.
- `fingerprint`: per-tensor hashes (raw, bf16-canonical, rows) and sketches.
- `store`: the SQLite reference store, shared as JSON Lines.
- `compare`: same-basis cosine and permutation-robust FFN neuron matching.
- `signals`: reference-free indicators (duplicated layers, untrained norms, dtype artefacts).
- `training_log`: first logged losses against ln(vocabulary size).
The scan stage that ties them together is `scanner.analysers.weights`.
"""
