#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/kubernetes/ offline:
#   1. every manifest against the schema of one Kubernetes version, with --strict (an unknown
#      or misplaced field is an error), by kubernetes-validate, pinned with its dependencies in
#      deploy/kubernetes/validate-requirements.txt and installed into a venv under
#      .build-deploy/ when missing (the only step that needs the package index);
#   2. the Splicer config inside each ConfigMap with `splicer check`, so the example cannot
#      drift from what the binary accepts. The binary is $SPLICER, or the release build of
#      scripts/docker-build.sh, or a debug build; without one this step says so and is left out.
#
# Usage: scripts/validate-manifests.sh        KUBERNETES_VERSION=1.33.0 to pick another version
set -euo pipefail
cd "$(dirname "$0")/.."

kubernetes_version="${KUBERNETES_VERSION:-1.34.0}"
requirements=deploy/kubernetes/validate-requirements.txt
pinned=$(sed -n 's/^kubernetes-validate==//p' "$requirements")
venv=".build-deploy/kubernetes-validate-$pinned"
validator="$venv/bin/kubernetes-validate"

if [[ ! -x $validator ]] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "installing kubernetes-validate $pinned into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

manifests=(deploy/kubernetes/*.yaml)
echo "kubernetes-validate $("$validator" --version) against Kubernetes $kubernetes_version, --strict:"
"$validator" --strict --kubernetes-version "$kubernetes_version" "${manifests[@]}"

splicer="${SPLICER:-}"
if [[ -z $splicer ]]; then
  for candidate in .build-static/out/splicer .build/release/splicer .build/debug/splicer; do
    if [[ -x $candidate ]]; then
      splicer=$candidate
      break
    fi
  done
fi
if [[ -z $splicer ]]; then
  echo "NOT CHECKED: the Splicer config in the ConfigMaps (no splicer binary: build one, or set SPLICER)"
  exit 0
fi

configs=$(mktemp -d)
trap 'rm -rf "$configs"' EXIT
# Each ConfigMap's splicer.yaml, to a file named after the manifest, with PyYAML from the venv.
"$venv/bin/python" - "$configs" "${manifests[@]}" <<'PY'
import os, sys, yaml
out, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if doc and doc.get("kind") == "ConfigMap" and "splicer.yaml" in doc.get("data", {}):
                # Named so that splicer check's messages say where the text came from.
                name = os.path.basename(path) + ":" + doc["metadata"]["name"] + ":splicer.yaml"
                with open(os.path.join(out, name), "w") as config:
                    config.write(doc["data"]["splicer.yaml"])
PY
splicer=$(realpath "$splicer")
echo "splicer check ($splicer) on each ConfigMap's splicer.yaml:"
found=0
for config in "$configs"/*:splicer.yaml; do
  [[ -e $config ]] || continue
  found=1
  (cd "$configs" && "$splicer" check --config "$(basename "$config")")
done
if ((found == 0)); then
  echo "no ConfigMap with a splicer.yaml key in deploy/kubernetes/" >&2
  exit 1
fi
