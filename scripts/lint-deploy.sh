#!/usr/bin/env bash
# Lints the container image's Dockerfile and validates the Kubernetes manifests offline.
#   scripts/lint-deploy.sh [--install-only] [OUT_DIR]
# 1. installs (once, into $PERFCLUSTER_TOOLS, default ~/.cache/perfcluster/deploy-tools) from npm:
#    dockerfile-utils (the Dockerfile linter of the Docker language server; knows current instruction flags),
#    kubernetes-models (the Kubernetes OpenAPI schemas as JSON Schema) and yaml;
# 2. lints Dockerfile;
# 3. renders k8s/base and every k8s/overlays/* with `kubectl kustomize` into OUT_DIR/<name>.yaml;
# 4. validates every rendered document against the schemas (scripts/k8s-schema-check.mjs).
# Exit 0 clean, 1 a finding, 3 a tool could not be installed or is missing (nothing was checked).
set -uo pipefail
cd "$(dirname "$0")/.."

tools=${PERFCLUSTER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/perfcluster/deploy-tools}
packages=(dockerfile-utils@0.16.3 kubernetes-models@5.1.0 yaml@2.9.1)

install() {
  command -v node >/dev/null && command -v npm >/dev/null || { echo "lint-deploy: node and npm are needed (Debian: apt-get install nodejs npm)" >&2; return 3; }
  if [ ! -f "$tools/.installed" ] || [ "$(cat "$tools/.installed")" != "${packages[*]}" ]; then
    mkdir -p "$tools"
    [ -f "$tools/package.json" ] || echo '{"name":"perfcluster-deploy-tools","private":true}' > "$tools/package.json"
    if ! npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "${packages[@]}" >&2; then
      echo "lint-deploy: npm could not install ${packages[*]}" >&2
      return 3
    fi
    echo "${packages[*]}" > "$tools/.installed"
  fi
  # kustomize comes with kubectl (>= 1.14; the overlays use kustomize 4+ syntax). Debian's kubernetes-client
  # is too old for it, so kubectl is not installed here when it is missing.
  if ! kubectl kustomize --help >/dev/null 2>&1; then
    echo "lint-deploy: kubectl (with kustomize) is not on PATH; install kubectl to render the overlays" >&2
    return 3
  fi
}

install; status=$?
[ "$status" -eq 0 ] || exit "$status"
[ "${1:-}" = "--install-only" ] && exit 0

out=${1:-$(mktemp -d)}
mkdir -p "$out"
failed=0

echo "== Dockerfile (dockerfile-utils lint)"
if "$tools/node_modules/.bin/dockerfile-utils" lint Dockerfile; then echo "Dockerfile: no findings"; else failed=1; fi

rendered=()
for dir in k8s/base k8s/overlays/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  echo "== kubectl kustomize $dir -> $out/$name.yaml"
  if kubectl kustomize "$dir" > "$out/$name.yaml"; then rendered+=("$out/$name.yaml"); else failed=1; fi
done

echo "== Kubernetes schemas (kubernetes-models)"
node scripts/k8s-schema-check.mjs "$tools" "${rendered[@]}" || failed=1

[ "$failed" -eq 0 ] && echo "lint-deploy: clean" || echo "lint-deploy: FAILED"
exit "$failed"
