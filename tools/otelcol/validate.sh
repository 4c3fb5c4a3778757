#!/usr/bin/env bash
# Every OpenTelemetry Collector configuration of the repo, checked by the collector's own
# `otelcol validate` (each component's settings, the pipelines' wiring), with a collector built
# from Go modules by tools/otelcol/build.sh:
#   - tools/stack/compose/otel-collector/config.yaml (the compose stack's collector);
#   - the `config:` of deploy/observability/otel-collector-values.yaml (the opentelemetry-collector
#     Helm chart), with the chart's defaults that the values switch off (null) taken out, as the
#     chart's merge does.
# And that a broken config is refused (the check can fail). Ends with `otelcol: N passed, N failed`.
#
#   bash tools/otelcol/validate.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); echo "[otelcol]   PASS  $1"; }
ko() { FAILED=$((FAILED + 1)); echo "[otelcol]   FAIL  $1"; sed 's/^/        /' "$2" | tail -n 20; }

if ! OTELCOL=$(bash tools/otelcol/build.sh 2>"$WORK/build.log"); then
  ko "build the collector (tools/otelcol/build.sh)" "$WORK/build.log"
  echo "otelcol: $PASSED passed, $FAILED failed"; exit 1
fi
# The chart sets MY_POD_IP from the downward API; any address will do for a validation.
export MY_POD_IP=127.0.0.1

validate() { # NAME FILE
  if "$OTELCOL" validate --config="$2" >"$WORK/log" 2>&1; then ok "$1"; else ko "$1" "$WORK/log"; fi
}

validate "compose collector config" tools/stack/compose/otel-collector/config.yaml

# The chart's values: its `config:` without the null entries (how the values remove chart defaults).
node -e '
  const yaml = require("yaml"), fs = require("node:fs");
  const prune = (v) => Array.isArray(v) ? v.map(prune)
    : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, prune(x)])) : v;
  fs.writeFileSync(process.argv[2], yaml.stringify(prune(yaml.parse(fs.readFileSync(process.argv[1], "utf8")).config)));
' deploy/observability/otel-collector-values.yaml "$WORK/chart-config.yaml"
validate "chart collector config (deploy/observability/otel-collector-values.yaml)" "$WORK/chart-config.yaml"

# The check can fail: a pipeline naming an exporter that is not defined, and a setting the batch
# processor does not have, must be refused.
sed 's/exporters: \[otlphttp\/loki\]/exporters: [otlphttp\/nowhere]/' tools/stack/compose/otel-collector/config.yaml >"$WORK/broken-pipeline.yaml"
sed 's/send_batch_size: 1024/send_batch_sise: 1024/' tools/stack/compose/otel-collector/config.yaml >"$WORK/broken-setting.yaml"
for broken in broken-pipeline broken-setting; do
  if cmp -s tools/stack/compose/otel-collector/config.yaml "$WORK/$broken.yaml"; then
    FAILED=$((FAILED + 1)); echo "[otelcol]   FAIL  $broken: the edit did not apply (the compose config changed?)"
  elif "$OTELCOL" validate --config="$WORK/$broken.yaml" >"$WORK/log" 2>&1; then
    FAILED=$((FAILED + 1)); echo "[otelcol]   FAIL  $broken config accepted"
  else
    ok "$broken config refused: $(grep -o 'references exporter "[^"]*"\|has invalid keys: [a-z_]*' "$WORK/log" | head -1)"
  fi
done

echo "otelcol: $PASSED passed, $FAILED failed"
((FAILED == 0))
