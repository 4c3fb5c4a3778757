#!/usr/bin/env bash
# Promotes image tags from one environment to the next, in Git (Argo CD then syncs):
#
#   deploy/argocd/promote.sh <from> <to> [--service NAME --tag TAG] [--dry-run]
#
#   dev -> staging and staging -> prod only. Without --service, every service gets the
#   tag it runs with in <from> (global.image.tag and per-service overrides are mirrored).
#   With --service/--tag, only that service moves, and TAG must be the one it runs
#   with in <from>: only what ran in the previous environment can be promoted.
#
# Checks before anything is written: tags are never `latest` or empty, the tag exists
# in <from>, the chart still lints (--strict), renders and validates against the
# JSON Schemas (kubeconform, when available) with the new values file, and the contracts
# hold: every service that changes version is verified, as provider, against the pacts of
# the consumer versions <to> runs, and its own pacts against the providers there
# (tools/contracts/can-deploy.js; a version's source is its release tag v<tag>).
# Then helm/ecotrack/values-<to>.yaml is replaced and the change is printed; commit it
# and open a pull request (prod needs a release manager's review).
#
# Needs node (the repo's `yaml` package edits the file keeping its comments) and helm
# (tools/k8s/validate.sh builds one into the cache; or set ECOTRACK_PROMOTE_HELM).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHART=$ROOT/helm/ecotrack
VALUES_DIR=${ECOTRACK_PROMOTE_VALUES_DIR:-$CHART}
SERVICES=(user-service product-service order-service payment-service notification-service)

die() { echo "promote: $*" >&2; exit 1; }
usage() { echo "usage: $0 <dev|staging> <staging|prod> [--service NAME --tag TAG] [--dry-run]" >&2; exit 64; }

[[ $# -ge 2 ]] || usage
FROM=$1 TO=$2; shift 2
SERVICE='' TAG='' DRY_RUN=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --service) SERVICE=${2:-}; shift 2 ;;
    --tag) TAG=${2:-}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) usage ;;
  esac
done
case "$FROM->$TO" in
  dev-\>staging | staging-\>prod) ;;
  *) die "promotions go dev -> staging -> prod, one step at a time (got $FROM -> $TO)" ;;
esac
if [[ -n $SERVICE || -n $TAG ]]; then
  [[ -n $SERVICE && -n $TAG ]] || die "--service and --tag go together"
  printf '%s\n' "${SERVICES[@]}" | grep -qx -- "$SERVICE" || die "unknown service $SERVICE"
fi
[[ $TAG != latest ]] || die "refusing to promote the 'latest' tag: promote an immutable version"

SRC=$VALUES_DIR/values-$FROM.yaml
DST=$VALUES_DIR/values-$TO.yaml
[[ -f $SRC && -f $DST ]] || die "missing $SRC or $DST"

HELM=${ECOTRACK_PROMOTE_HELM:-}
if [[ -z $HELM ]]; then
  HELM=$(find "${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/bin" -maxdepth 1 -name 'helm-v3.*' 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $HELM ]] || HELM=$(command -v helm || true)
fi
[[ -x $HELM ]] || die "no helm: run tools/k8s/validate.sh once (it builds one) or set ECOTRACK_PROMOTE_HELM"

# Effective tag of every service in an environment, as the chart computes it.
tags_of() { # values file -> lines "service tag"
  "$HELM" template ecotrack "$CHART" --namespace ecotrack --kube-version 1.32.2 -f "$1" \
    --show-only templates/workload.yaml 2>/dev/null |
    awk '/^kind: (Deployment|Rollout)/ { d = 1 } /^  name: / && d { name = $2; d = 0 }
         /^ +image: / && name != "" && !(name in seen) { n = split($2, p, ":"); print name, p[n]; seen[name] = 1 }'
}
SRC_TAGS=$(tags_of "$SRC") || true
[[ -n $SRC_TAGS ]] || die "could not render $SRC"
if grep -Eq ' (latest)?$' <<<"$SRC_TAGS"; then die "$FROM runs an empty or 'latest' tag; fix $FROM first"; fi
if [[ -n $SERVICE ]]; then
  have=$(awk -v s="$SERVICE" '$1 == s { print $2 }' <<<"$SRC_TAGS")
  [[ $have == "$TAG" ]] || die "$SERVICE:$TAG is not deployed in $FROM (it runs ${have:-nothing} there)"
fi

# Write the new values file next to a scratch copy, check it, then move it in place.
NEW=$(mktemp "$VALUES_DIR/.values-$TO.XXXXXX.yaml")
trap 'rm -f "$NEW"' EXIT
ROOT_DIR=$ROOT node - "$SRC" "$DST" "$NEW" "$SERVICE" "$TAG" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');
const YAML = createRequire(path.join(process.env.ROOT_DIR || process.cwd(), 'package.json'))('yaml');
const [src, dst, out, service, tag] = process.argv.slice(2);
const source = YAML.parseDocument(fs.readFileSync(src, 'utf8'));
const target = YAML.parseDocument(fs.readFileSync(dst, 'utf8'));
// Tags stay quoted strings ("1.10" must not become the number 1.1).
const quoted = (value) => Object.assign(new YAML.Scalar(String(value)), { type: 'QUOTE_DOUBLE' });
const services = ['user-service', 'product-service', 'order-service', 'payment-service', 'notification-service'];
if (service) {
  target.setIn(['services', service, 'image', 'tag'], quoted(tag));
} else {
  target.setIn(['global', 'image', 'tag'], quoted(source.getIn(['global', 'image', 'tag'])));
  for (const name of services) {
    const own = source.getIn(['services', name, 'image', 'tag']);
    if (own) target.setIn(['services', name, 'image', 'tag'], quoted(own));
    else if (target.hasIn(['services', name, 'image', 'tag'])) {
      target.deleteIn(['services', name, 'image', 'tag']);
      if (target.getIn(['services', name, 'image']).items.length === 0) target.deleteIn(['services', name, 'image']);
    }
  }
}
fs.writeFileSync(out, target.toString({ flowCollectionPadding: false, lineWidth: 0 }));
EOF

"$HELM" lint --strict "$CHART" --namespace ecotrack --kube-version 1.32.2 -f "$NEW" >/dev/null ||
  die "the chart does not lint with the promoted values; nothing written"
# Schema validation of the rendered environment when kubeconform and the JSON Schemas
# are at hand (tools/k8s/validate.sh caches the one, CI has ../shared/schemas).
KUBECONFORM=${ECOTRACK_PROMOTE_KUBECONFORM:-$(find "${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/bin" -maxdepth 1 -name 'kubeconform-v*' 2>/dev/null | sort -V | tail -n 1 || true)}
SCHEMAS=${ECOTRACK_SCHEMAS:-$ROOT/../shared/schemas}
if [[ -n $KUBECONFORM && -x $KUBECONFORM && -d $SCHEMAS/k8s ]]; then
  "$HELM" template ecotrack "$CHART" --namespace ecotrack --kube-version 1.32.2 -f "$NEW" |
    "$KUBECONFORM" -strict -summary -kubernetes-version 1.32.2 \
      -schema-location "$SCHEMAS/k8s/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      -schema-location "$SCHEMAS/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" - >/dev/null ||
    die "the rendered $TO manifests do not validate (kubeconform); nothing written"
else
  echo "promote: note: kubeconform or the JSON Schemas not found; run tools/k8s/validate.sh before merging" >&2
fi
NEW_TAGS=$(tags_of "$NEW")
[[ -n $NEW_TAGS ]] || die "the chart does not render with the promoted values; nothing written"
if [[ -z $SERVICE ]]; then
  [[ $NEW_TAGS == "$SRC_TAGS" ]] || die "after the edit, $TO would run other tags than $FROM; nothing written"
fi
# The contract gate: refuses versions that break a consumer deployed in $TO.
node "$ROOT/tools/contracts/can-deploy.js" "$TO" <(tags_of "$DST") <(printf '%s\n' "$NEW_TAGS") ||
  die "the promotion would break a contract in $TO (see above); nothing written"

echo "promote $FROM -> $TO:"
join <(tags_of "$DST" | sort) <(sort <<<"$NEW_TAGS") | awk '{ printf "  %-22s %s -> %s%s\n", $1, $2, $3, ($2 == $3 ? "  (unchanged)" : "") }'
if ((DRY_RUN)); then echo "(dry run: $DST not changed)"; exit 0; fi
mv "$NEW" "$DST"
trap - EXIT
echo "wrote $DST: commit it and open a pull request"
