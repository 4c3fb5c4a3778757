#!/usr/bin/env bash
# A real Kubernetes API server for the chart: kube-apiserver v1.32.2 (built from its Go module) on
# Debian's etcd, on loopback, with the real CRDs of ../shared/crds. No controllers, no kubelet: it
# checks what the API server itself checks (schemas, CRD validation, CEL rules, admission that
# needs no controller), through server-side apply.
#
#   bash tools/k8s/apiserver.sh build   build kube-apiserver and kubectl once (about 35 min cold on 2 busy
#                                       cores; cached in ~/.cache/ecotrack/bin by version, tools/lib/go-tool.sh)
#   bash tools/k8s/apiserver.sh up      start etcd + kube-apiserver in a fresh state dir (.stack/apiserver)
#   bash tools/k8s/apiserver.sh apply   install the CRDs, then server-side apply (dry run first, then for
#                                       real) every render, the Argo CD objects and the Gatekeeper policies
#   bash tools/k8s/apiserver.sh down    stop both and delete the state dir
#   bash tools/k8s/apiserver.sh check   up, apply, down; ends with `apiserver: N passed, N failed`
#   bash tools/k8s/apiserver.sh docs    on a server that is up (fresh, no apply): the CRDs and namespaces the
#                                       platform installs would make, then the commands of docs/deploy-eks.md
#                                       that act on this repo's files, as written, each one's outcome printed
#   bash tools/k8s/apiserver.sh env     print `export KUBECONFIG=...` for a running server
#
# While it is up: `export KUBECONFIG=.stack/apiserver/kubeconfig` (cluster-admin through a client
# certificate in group system:masters). Ports: ETCD, ETCD_PEER, KUBE_APISERVER of tools/ports.env.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source tools/stack/lib/common.sh # the supervisor (tools/lib/daemon.sh), ports, go-tool.sh, apt_install
DAEMON_TAG=apiserver
STATE=${ECOTRACK_APISERVER_DIR:-$ROOT/.stack/apiserver}
RUN=$STATE/run
LOGS=$STATE/logs
PKI=$STATE/pki
KUBECONFIG_FILE=$STATE/kubeconfig
CRDS=${ECOTRACK_CRDS:-$ROOT/../shared/crds}
CHART=${ECOTRACK_CHART_DIR:-helm/ecotrack} # as tools/k8s/test/support/chart.ts
NAMESPACE=ecotrack
ENVIRONMENTS=(dev staging prod)
# The switch variants rendered besides each environment's own values, one `LABEL=HELM ARGS` a line:
# ECOTRACK_APISERVER_VARIANTS when set (apiserver.k8s-spec.ts passes tools/k8s/test/support/chart.ts's
# VARIANTS), else these (the canary track needs its own tag to render, as in validate.sh).
VARIANT_LINES=${ECOTRACK_APISERVER_VARIANTS:-"plain=
emissary+rollouts=--set emissary.enabled=true --set rollouts.enabled=true
deployments+canary=--set rollouts.enabled=false --set serviceDefaults.canary.enabled=true --set serviceDefaults.canary.tag=0.1.1 --set serviceDefaults.canary.weight=10"}
VARIANTS=()
while IFS= read -r line; do [[ -n $line ]] && VARIANTS+=("${line%%=*}"); done <<<"$VARIANT_LINES"
variant_args() { local line; while IFS= read -r line; do [[ ${line%%=*} == "$1" ]] && echo "${line#*=}"; done <<<"$VARIANT_LINES"; return 0; }

MOD=tools/k8s/go/kube-apiserver
KUBE_V=$(go_tool_version "$MOD" k8s.io/kubernetes)
APISERVER=$GO_TOOL_BIN/kube-apiserver-$KUBE_V
KUBECTL=$GO_TOOL_BIN/kubectl-$KUBE_V
HELM=$GO_TOOL_BIN/helm-$(go_tool_version tools/k8s/go/helm helm.sh/helm/v3)
ETCD_PORT=$(port ETCD)
ETCD_PEER_PORT=$(port ETCD_PEER)
API_PORT=$(port KUBE_APISERVER)

log() { printf '[apiserver] %s\n' "$*"; }
die() { printf '[apiserver] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# build: kube-apiserver and kubectl from k8s.io/kubernetes, with its 31 staging modules replaced by
# their published versions (tools/k8s/go/kube-apiserver/go.mod), through the project's one Go-tool
# builder. The version stamps are those hack/lib/version.sh gives a release build (kubectl reports
# client-go's); buildDate is the release tag's time, so the binary is the same on every machine.
# ---------------------------------------------------------------------------------------------
version_ldflags() {
  local v=${KUBE_V#v} ld="" pkg
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_V -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.buildDate=2025-02-12T21:19:46Z"
  done
  echo "${ld# }"
}
build_one() { # name package out
  if [[ -x $3 ]]; then log "cached $1 ($3)"; return; fi
  log "building $1 $KUBE_V from $MOD (about 35 min cold for kube-apiserver)"
  local t=$SECONDS
  go_tool_build "$MOD" "$2" "$3" "$(version_ldflags)" || die "build $1"
  log "built $1 in $((SECONDS - t)) s"
}
cmd_build() {
  build_one kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$APISERVER"
  build_one kubectl k8s.io/kubernetes/cmd/kubectl "$KUBECTL"
}
need_binaries() {
  local b
  for b in "$APISERVER" "$KUBECTL"; do
    [[ -x $b ]] || die "no $(basename "$b") in $GO_TOOL_BIN: run \`bash tools/k8s/apiserver.sh build\` first (about 35 min cold)"
  done
  [[ -x $HELM ]] || die "no helm at $HELM: run \`bash tools/k8s/validate.sh\` first (it builds helm)"
}

# ---------------------------------------------------------------------------------------------
# up / down
# ---------------------------------------------------------------------------------------------
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
api_ready() { curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://127.0.0.1:$API_PORT/readyz" >/dev/null; }

# A CA, the server's certificate (loopback and the in-cluster names), an admin client certificate
# (group system:masters: cluster-admin under RBAC) and the service-account signing key pair.
make_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  local o=(-days 7 -sha256)
  ( cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt "${o[@]}" -subj /CN=ecotrack-apiserver-ca
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=kube-apiserver
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "${o[@]}" -extfile server.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=ecotrack-admin"
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt "${o[@]}" -extfile admin.ext
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >"$LOGS/pki.log" 2>&1 || { cat "$LOGS/pki.log" >&2; die "openssl failed"; }
  cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: ecotrack-apiserver
    cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$PKI/ca.crt"}
users:
  - name: ecotrack-admin
    user: {client-certificate: "$PKI/admin.crt", client-key: "$PKI/admin.key"}
contexts:
  - name: ecotrack-apiserver
    context: {cluster: ecotrack-apiserver, user: ecotrack-admin, namespace: default}
current-context: ecotrack-apiserver
EOF
  chmod 600 "$KUBECONFIG_FILE"
}

cmd_up() {
  need_binaries
  (( EUID == 0 )) && apt_install etcd-server
  command -v etcd >/dev/null || die "no etcd (Debian's etcd-server)"
  if running etcd || running kube-apiserver; then log "already running (KUBECONFIG=$KUBECONFIG_FILE)"; return; fi
  check_ports_free apiserver "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT"
  rm -rf "$STATE"; mkdir -p "$RUN" "$LOGS"
  make_pki
  local t=$SECONDS
  spawn etcd "$STATE" etcd --name ecotrack --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ecotrack=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new
  await etcd 60 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  log "etcd $(etcd --version | awk '/etcd Version/ {print $3}') on 127.0.0.1:$ETCD_PORT"
  # No controller runs here. ResourceQuota admission needs the quota controller to have filled
  # in the quota's status first ("status unknown for quota"), so it is off; every other default
  # admission plugin stays on (NamespaceLifecycle, LimitRanger, PodSecurity, ...).
  spawn kube-apiserver "$STATE" "$APISERVER" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --cert-dir="$PKI" --tls-cert-file="$PKI/server.crt" --tls-private-key-file="$PKI/server.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=RBAC \
    --service-cluster-ip-range=10.96.0.0/16 \
    --disable-admission-plugins=ResourceQuota \
    --profiling=false
  await kube-apiserver 300 api_ready
  log "kube-apiserver $KUBE_V on https://127.0.0.1:$API_PORT, ready after $((SECONDS - t)) s (KUBECONFIG=$KUBECONFIG_FILE)"
}

cmd_down() {
  local name
  for name in kube-apiserver etcd; do
    if running "$name"; then daemon_stop "$name" "$RUN" 30; log "$name: stopped"; else daemon_forget "$name" "$RUN"; fi
  done
  rm -rf "$STATE"
}

# ---------------------------------------------------------------------------------------------
# apply
# ---------------------------------------------------------------------------------------------
PASSED=0
FAILED=0
FAILURES=()
WORK=$(mktemp -d)
DOWN_ON_EXIT=0
on_exit() { rm -rf "$WORK"; if ((DOWN_ON_EXIT)); then cmd_down; fi; }
trap on_exit EXIT
ok() { PASSED=$((PASSED + 1)); printf '[apiserver]   PASS  %s\n' "$1"; }
ko() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); printf '[apiserver]   FAIL  %s\n' "$1"; }

# server_apply NAME FILE [dry]: kubectl apply --server-side, each object's outcome counted. kubectl
# goes on after an object's error, so one run reports them all; the step's line is
#   NAME: N objects, N applied, N errors, N warnings
# and each error and warning follows on its own line.
server_apply() {
  local name=$1 file=$2 mode=${3:-} objects applied errors warnings out err
  local args=(apply --server-side --field-manager=ecotrack -f "$file")
  if [[ $mode == dry ]]; then args+=(--dry-run=server); name+=" (dry run)"; fi
  out=$WORK/out.$PASSED.$FAILED; err=$WORK/err.$PASSED.$FAILED
  local status=0
  kubectl "${args[@]}" >"$out" 2>"$err" || status=$?
  objects=$(node -e 'const {parseAllDocuments}=require("yaml");const fs=require("fs");
    const docs=parseAllDocuments(fs.readFileSync(process.argv[1],"utf8")).map(d=>d.toJS()).filter(Boolean);
    console.log(docs.reduce((n,d)=>n+(d.kind==="List"?d.items.length:1),0))' "$file")
  if ((objects == 0)); then log "$name: no objects"; return; fi
  applied=$(grep -c 'serverside-applied' "$out" || true)
  errors=$(grep -Ec '^(Error from server|error:|Error:)' "$err" || true)
  ((status == 0 || errors > 0)) || errors=1 # failed without saying so in the usual form
  warnings=$(grep -c '^Warning: ' "$err" || true)
  printf '[apiserver] %s: %d objects, %d applied, %d errors, %d warnings\n' "$name" "$objects" "$applied" "$errors" "$warnings"
  sed 's/^/[apiserver]     /' "$err"
  if ((errors == 0 && applied == objects)); then ok "$name"; else ko "$name"; fi
}
# dry run, then for real
apply_both() { server_apply "$1" "$2" dry; server_apply "$1" "$2"; }

# split RENDER DIR: DIR/namespaces.yaml (the Namespace objects, applied first) and DIR/objects.yaml
# (the rest), each document as helm wrote it (re-serialising could change what kubectl reads: YAML 1.1
# takes an unquoted Off for false); prints the namespaces the objects live in that the render does not create.
split_render() {
  node -e 'const {parse}=require("yaml");const fs=require("fs");
    const [file,dir,ns]=process.argv.slice(1);
    const docs=fs.readFileSync(file,"utf8").split(/^---[ \t]*$/m).map(text=>({text,obj:parse(text)})).filter(d=>d.obj);
    const own=docs.filter(d=>d.obj.kind==="Namespace"), rest=docs.filter(d=>d.obj.kind!=="Namespace");
    const out=(f,ds)=>fs.writeFileSync(dir+"/"+f,ds.map(d=>"---"+d.text.replace(/\n*$/,"\n")).join(""));
    out("namespaces.yaml",own); out("objects.yaml",rest);
    const made=new Set(own.map(d=>d.obj.metadata.name));
    console.log([...new Set(rest.map(d=>d.obj.metadata.namespace||ns).filter(n=>!made.has(n)))].join(" "))' "$1" "$2" "$NAMESPACE"
}

# The CRD Gatekeeper's controller makes for each ConstraintTemplate, made the way it does
# (frameworks/constraint pkg/client/crds CreateCRD and CreateSchema): group constraints.gatekeeper.sh,
# cluster-scoped, v1beta1 stored and v1alpha1 served, spec = match (the target's match schema,
# read from Gatekeeper's own source in the gator tools module), enforcementAction,
# scopedEnforcementActions and parameters (the template's schema).
constraint_crds() { # template files... -> a List on stdout
  local gk
  gk=$(cd tools/k8s/go/gator && go list -m -f '{{.Dir}}' github.com/open-policy-agent/gatekeeper/v3) || die "find Gatekeeper's module (tools/k8s/go/gator)"
  node -e 'const {parse,parseAllDocuments}=require("yaml");const fs=require("fs");
    const [matchGo,...templates]=process.argv.slice(1);
    // a Go raw string, with each backtick inside spliced in as `+"`"+`
    const go=fs.readFileSync(matchGo,"utf8").split("`+\"`\"+`").join("\u0000");
    const yaml=/const matchYAML = `([^`]*)`/.exec(go)[1].split("\u0000").join("`");
    const matchCrd=parseAllDocuments(yaml).map(d=>d.toJS()).find(d=>d&&d.kind==="CustomResourceDefinition");
    const match=matchCrd.spec.versions[0].schema.openAPIV3Schema.properties.embeddedMatch;
    const str={type:"string"};
    const items=templates.map(f=>{
      const t=parse(fs.readFileSync(f,"utf8")); const names=t.spec.crd.spec.names; const kind=names.kind;
      const params=t.spec.crd.spec.validation&&t.spec.crd.spec.validation.openAPIV3Schema;
      const spec={type:"object",properties:{match,enforcementAction:{type:"string",default:"deny"},
        scopedEnforcementActions:{type:"array",items:{type:"object",properties:{action:str,
          enforcementPoints:{type:"array",items:{type:"object",properties:{name:str}}}}}}}};
      if(params) spec.properties.parameters=params;
      const schema={type:"object",properties:{metadata:{type:"object",properties:{name:{type:"string",maxLength:63}}},
        spec,status:{"x-kubernetes-preserve-unknown-fields":true}}};
      const version=(name,storage)=>({name,served:true,storage,schema:{openAPIV3Schema:schema},subresources:{status:{}},
        additionalPrinterColumns:[{name:"enforcement-action",type:"string",description:"Type of enforcement action",jsonPath:".spec.enforcementAction"},
          {name:"total-violations",type:"integer",description:"Total number of violations",jsonPath:".status.totalViolations"}]});
      return {apiVersion:"apiextensions.k8s.io/v1",kind:"CustomResourceDefinition",
        metadata:{name:kind.toLowerCase()+".constraints.gatekeeper.sh",labels:{...(t.metadata.labels||{}),"gatekeeper.sh/constraint":"yes"}},
        spec:{group:"constraints.gatekeeper.sh",scope:"Cluster",
          names:{kind,listKind:kind+"List",plural:kind.toLowerCase(),singular:kind.toLowerCase(),
            ...(names.shortNames?{shortNames:names.shortNames}:{}),categories:["constraint","constraints"]},
          versions:[version("v1beta1",true),version("v1alpha1",false)]}};
    });
    console.log(JSON.stringify({apiVersion:"v1",kind:"List",items},null,1))' "$gk/pkg/target/matchcrd_constant.go" "$@"
}

render() { # env variant -> stdout (the same command line as tools/k8s/validate.sh and support/chart.ts)
  # shellcheck disable=SC2046
  "$HELM" template ecotrack "$CHART" --namespace "$NAMESPACE" --kube-version "${KUBE_V#v}" \
    -f "$CHART/values-$1.yaml" $(variant_args "$2")
}

# Namespaces that other installs create (Argo CD's, Gatekeeper's, Istio's ingress gateway, Velero):
# created here as those installs would, and named in the output.
ensure_namespace() {
  kubectl get namespace "$1" >/dev/null 2>&1 && return
  kubectl create namespace "$1" >/dev/null && log "namespace $1 created (another install's: $2)"
}

cmd_apply() {
  need_binaries
  api_ready 2>/dev/null || die "no API server running: bash tools/k8s/apiserver.sh up"
  [[ -d $CRDS ]] || die "no CRDs at $CRDS (set ECOTRACK_CRDS)"
  local t=$SECONDS

  log "CRDs from $CRDS"
  local crd_files=("$CRDS"/*.yaml) f
  cat "${crd_files[@]}" >"$WORK/crds.yaml"
  server_apply "shared CRDs" "$WORK/crds.yaml"
  kubectl wait --for condition=established crd --all --timeout=180s >/dev/null || ko "CRDs established"
  # ../shared/crds/README.md: a bare API server has no Emissary conversion webhook; the chart's
  # v3alpha1 Host and Mapping are still validated against the v3alpha1 schema. Never in a real cluster.
  for f in hosts mappings; do
    kubectl patch crd "$f.getambassador.io" --type=json \
      -p '[{"op":"replace","path":"/spec/conversion","value":{"strategy":"None"}}]' >/dev/null
  done
  log "Emissary conversion webhook off for hosts and mappings (no emissary-apiext here)"
  constraint_crds deploy/gatekeeper/*/template.yaml >"$WORK/constraint-crds.json"
  server_apply "Gatekeeper constraint CRDs (made from the templates as its controller does)" "$WORK/constraint-crds.json"
  kubectl wait --for condition=established crd -l gatekeeper.sh/constraint=yes --timeout=120s >/dev/null || ko "constraint CRDs established"

  local env variant dir missing ns
  for env in "${ENVIRONMENTS[@]}"; do
    for variant in "${VARIANTS[@]}"; do
      dir=$WORK/$env-$variant; mkdir -p "$dir"
      log "render $env $variant"
      render "$env" "$variant" >"$dir/render.yaml" || { ko "render $env $variant"; continue; }
      missing=$(split_render "$dir/render.yaml" "$dir")
      for ns in $missing; do ensure_namespace "$ns" "referenced by the $env render"; done
      apply_both "render $env $variant: Namespace" "$dir/namespaces.yaml"
      apply_both "render $env $variant" "$dir/objects.yaml"
      # Remove what it made (not the Namespaces: without a namespace controller they never go),
      # so that the next render starts from the same place.
      kubectl delete -f "$dir/objects.yaml" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    done
  done

  log "Argo CD objects (deploy/argocd)"
  ensure_namespace argocd "Argo CD's"
  for f in deploy/argocd/appproject.yaml deploy/argocd/applicationset.yaml; do apply_both "$f" "$f"; done

  log "Gatekeeper (deploy/gatekeeper): the templates, its Config, then the constraints"
  ensure_namespace gatekeeper-system "Gatekeeper's"
  for f in deploy/gatekeeper/*/template.yaml deploy/gatekeeper/config/sync.yaml deploy/gatekeeper/*/constraint.yaml; do
    apply_both "$f" "$f"
  done

  log "apply done in $((SECONDS - t)) s"
  if ((FAILED)); then printf '[apiserver] failed: %s\n' "${FAILURES[@]}"; fi
  echo "apiserver: $PASSED passed, $FAILED failed"
  ((FAILED == 0))
}

# The sh blocks of docs/deploy-eks.md, one command a line (continuations and here-documents
# joined), keeping those that act on this cluster with this repo's files or look at it: kubectl
# and `helm upgrade --install` of helm/ecotrack, and the loops over deploy/. Left out, and said so:
# what needs the network or a real cluster's controllers (helm repo, the platform charts,
# argocd, istioctl, curl, aws, docker, promote.sh, git), and what reads pods (logs, pod fields,
# the metrics adapter): no pod runs on a bare API server.
docs_commands() {
  node -e 'const fs=require("fs");const text=fs.readFileSync(process.argv[1],"utf8");
    const blocks=[...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map(m=>m[1].split("\n"));
    const out=[];
    for(const lines of blocks){let cmd="",heredoc=null;
      for(const raw of lines){
        if(heredoc){cmd+="\n"+raw; if(raw.trim()===heredoc){out.push(cmd);cmd="";heredoc=null;} continue;}
        const line=cmd?raw:raw.replace(/^\s+/,"");
        if(!cmd&&(line===""||line.startsWith("#"))) continue;
        const code=line.replace(/\s+#.*$/,"");
        cmd+=(cmd?"\n":"")+code;
        const h=/<<-?\x27?(\w+)\x27?\s*$/.exec(code); if(h){heredoc=h[1];continue;}
        if(code.endsWith("\\")) continue;
        out.push(cmd);cmd="";}}
    // Pods never run here (no scheduler, no kubelet, no metrics adapter): reading their logs,
    // their fields or custom metrics needs a real cluster.
    const needsNodes=c=>/\blogs\b/.test(c)||/get pods? .*-o jsonpath/s.test(c)||/get --raw/.test(c);
    const keep=c=>(/^kubectl /.test(c)||/^helm upgrade --install ecotrack helm\/ecotrack/.test(c)||/^for f in deploy\//.test(c))&&!needsNodes(c);
    for(const c of out) console.log(JSON.stringify({run:keep(c),cmd:c}));' docs/deploy-eks.md
}

cmd_docs() {
  need_binaries
  api_ready 2>/dev/null || die "no API server running: bash tools/k8s/apiserver.sh up"
  local f
  # What the docs' platform installs (helm install of Istio, cert-manager, External Secrets, VPA,
  # Gatekeeper, Argo CD, Argo Rollouts, Prometheus) would leave behind for our commands.
  cat "$CRDS"/*.yaml >"$WORK/crds.yaml"
  server_apply "shared CRDs" "$WORK/crds.yaml" >/dev/null
  kubectl wait --for condition=established crd --all --timeout=180s >/dev/null
  for f in hosts mappings; do
    kubectl patch crd "$f.getambassador.io" --type=json \
      -p '[{"op":"replace","path":"/spec/conversion","value":{"strategy":"None"}}]' >/dev/null
  done
  for f in istio-system gatekeeper-system argocd argo-rollouts cert-manager external-secrets monitoring vpa velero; do
    ensure_namespace "$f" "a platform install"
  done
  mkdir -p "$STATE/bin" "$STATE/helm"
  ln -sf "$KUBECTL" "$STATE/bin/kubectl"; ln -sf "$HELM" "$STATE/bin/helm"
  local line cmd rc i=0 out=$WORK/docs.out broke=0 jobs_pid
  # Helm waits for its hook Jobs (the migrations) to complete: stand in for the Job controller
  # and a kubelet by marking each new Job complete, as a successful run would.
  complete_jobs & jobs_pid=$!
  while IFS= read -r line; do
    cmd=$(node -e 'console.log(JSON.parse(process.argv[1]).cmd)' "$line")
    if [[ $(node -e 'console.log(JSON.parse(process.argv[1]).run)' "$line") != true ]]; then
      log "docs: not run here: ${cmd%%$'\n'*}"; continue
    fi
    i=$((i + 1))
    # Gatekeeper's controller makes a CRD per ConstraintTemplate: stand in for it once the
    # templates are applied, before the docs wait for them.
    if [[ $cmd == *gatekeeper.sh/constraint=yes* ]]; then
      constraint_crds deploy/gatekeeper/*/template.yaml | kubectl apply --server-side -f - >/dev/null
      log "docs: (Gatekeeper's controller, stood in for: constraint CRDs made from the templates)"
    fi
    rc=0
    ( export PATH="$STATE/bin:$PATH" KUBECONFIG="$KUBECONFIG_FILE" HELM_CONFIG_HOME="$STATE/helm/config" \
        HELM_CACHE_HOME="$STATE/helm/cache" HELM_DATA_HOME="$STATE/helm/data"
      timeout 420 bash -c "$cmd" ) >"$out" 2>&1 || rc=$?
    log "docs $i: exit $rc: $(tr '\n' ' ' <<<"$cmd" | cut -c1-160)"
    sed 's/^/[apiserver]     /' "$out" | tail -n 15
    ((rc == 0)) || broke=$((broke + 1))
  done < <(docs_commands)
  kill "$jobs_pid" 2>/dev/null; wait "$jobs_pid" 2>/dev/null || true
  log "docs: $i commands run, $broke failed"
  echo "apiserver docs: $i run, $broke failed"
  ((broke == 0))
}

# The Job controller and a kubelet, stood in for: every Job without a Complete condition gets the
# status a successful run leaves (SuccessCriteriaMet and Complete, one pod succeeded).
complete_jobs() {
  local now ns name
  while sleep 1; do
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    kubectl get jobs -A -o json 2>/dev/null | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8")).items;
      for(const j of l) if(!(j.status?.conditions??[]).some(c=>c.type==="Complete"&&c.status==="True")) console.log(j.metadata.namespace, j.metadata.name)' |
    while read -r ns name; do
      kubectl -n "$ns" patch job "$name" --subresource=status --type=merge -p "{\"status\":{\"startTime\":\"$now\",\"completionTime\":\"$now\",\"succeeded\":1,\"conditions\":[{\"type\":\"SuccessCriteriaMet\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"},{\"type\":\"Complete\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
        && log "docs: (Job controller, stood in for: $ns/$name marked complete)"
    done
  done
}

cmd_check() {
  need_binaries
  if running kube-apiserver; then die "a server from an earlier up is running: bash tools/k8s/apiserver.sh down first"; fi
  DOWN_ON_EXIT=1
  cmd_up
  cmd_apply
}

case ${1:-} in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  apply) cmd_apply ;;
  check) cmd_check ;;
  docs) cmd_docs ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_FILE" ;;
  *) die "usage: $0 build|up|apply|down|check|docs|env" ;;
esac
