"""Prints what the llm-compile tests check about an engine directory: the
manifest's main fields, and whether every file's SHA-256 matches the
manifest's file_hashes."""
import hashlib
import json
import os
import sys

engine = sys.argv[1]
m = json.load(open(os.path.join(engine, "manifest.json")))
o, kv = m["options"], m["kv_cache"]
print(f"format_version {m['format_version']}, compiler {m['compiler']}")
print(f"options: archs {o['archs']} max_slots {o['max_slots']} "
      f"max_seq_len {o['max_seq_len']} kv_block_size {o['kv_block_size']} "
      f"max_prefill_tokens {o['max_prefill_tokens']} "
      f"synthetic {o['synthetic_weights']}")
print(f"kv_cache: layers {kv['num_layers']} kv_heads {kv['num_kv_heads']} "
      f"head_dim {kv['head_dim']} block_size {kv['block_size']} "
      f"max_blocks_per_seq {kv['max_blocks_per_seq']}")
print("phases: " + ", ".join(f"{p['name']} {len(p['launches'])} launches"
                             for p in m["phases"]))
complete = all(set(k["resources"]) == set(o["archs"])
               for mod in m["modules"] for k in mod["kernels"])
print("modules: " + ", ".join(f"{mod['name']} {len(mod['kernels'])} kernels"
                              for mod in m["modules"]) +
      ("; every kernel has " + ", ".join(o["archs"]) + " resources"
       if complete else "; resources missing"))
rope = m["constants"]["rope_inv_freq"]
print(f"rope_inv_freq: {len(rope)} values, first {rope[0]}")
tok = m["tokenizer"]
print(f"weights_file {m['weights_file'] or '(none)'}, tokenizer "
      f"{tok['file'] or '(none)'}" + (f" ({tok['kind']})" if tok["file"] else ""))
mismatched = [path for path, digest in m["file_hashes"].items()
              if hashlib.sha256(open(os.path.join(engine, path), "rb").read())
              .hexdigest() != digest]
on_disk = sorted(os.path.relpath(os.path.join(d, f), engine)
                 for d, _, files in os.walk(engine) for f in files)
unlisted = [p for p in on_disk
            if p not in ("manifest.json", "manifest.sha256") and p not in m["file_hashes"]]
print(f"{len(m['file_hashes'])} files hashed, " +
      ("all match" if not mismatched and not unlisted
       else f"mismatched {mismatched}, unlisted {unlisted}"))
