"""Writes a YAML document (docs/openapi.yaml) as JSON, for vambe-mock to
serve at /openapi.json. Run at build time: yaml_to_json.py IN OUT."""
import json
import os
import sys

try:
    import yaml
except ImportError:
    sys.exit("yaml_to_json.py: python3-yaml is missing (scripts/deps.sh installs it)")

with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as f:
    # default=str: an unquoted date in an example would be a date object.
    json.dump(doc, f, ensure_ascii=False, separators=(",", ":"), default=str)
    f.write("\n")
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
