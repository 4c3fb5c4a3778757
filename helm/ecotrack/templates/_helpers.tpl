{{/*
Helpers of the ecotrack chart. Naming and label style after Bitnami's common chart
and Online Boutique: every object carries the recommended app.kubernetes.io labels.
*/}}

{{/* Chart name and version, as in the helm.sh/chart label. */}}
{{- define "ecotrack.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of the release (all namespaced objects of the services live there). */}}
{{- define "ecotrack.namespace" -}}
{{- .Release.Namespace -}}
{{- end -}}

{{/* Labels shared by every object. */}}
{{- define "ecotrack.labels" -}}
helm.sh/chart: {{ include "ecotrack.chart" . }}
app.kubernetes.io/part-of: {{ .Values.global.partOf }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
ecotrack.io/environment: {{ .Values.global.environment }}
{{- end -}}

{{/*
Settings of one service: serviceDefaults deep-merged under services.<name>.
Usage: include "ecotrack.service" (dict "root" $ "name" "order-service") | fromYaml
*/}}
{{- define "ecotrack.service" -}}
{{- $own := index .root.Values.services .name | default dict -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $own) -}}
{{- $_ := set $merged "name" .name -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Names of the enabled services, sorted, as a YAML list. */}}
{{- define "ecotrack.enabledServices" -}}
{{- $names := list -}}
{{- range $name := keys .Values.services | sortAlpha -}}
{{- $svc := include "ecotrack.service" (dict "root" $ "name" $name) | fromYaml -}}
{{- if $svc.enabled }}{{ $names = append $names $name }}{{ end -}}
{{- end -}}
{{- toYaml $names -}}
{{- end -}}

{{/* Labels of one service's objects. Params: root, svc. */}}
{{- define "ecotrack.serviceLabels" -}}
{{ include "ecotrack.labels" .root }}
{{ include "ecotrack.selectorLabels" . }}
app.kubernetes.io/component: service
app.kubernetes.io/version: {{ include "ecotrack.imageTag" . | quote }}
{{- end -}}

{{/*
Labels of one service's pods (pod templates): the selector labels plus what changes only when
the pod itself does (the image tag). No helm.sh/chart and no managed-by: a label in the pod
template that moves with the chart version would restart every pod at every chart bump; those
stay on the objects' own metadata (ecotrack.serviceLabels). Params: root, svc, [track].
*/}}
{{- define "ecotrack.podLabels" -}}
{{ include "ecotrack.selectorLabels" . }}
app.kubernetes.io/part-of: {{ .root.Values.global.partOf }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: service
app.kubernetes.io/version: {{ include "ecotrack.imageTag" . | quote }}
ecotrack.io/environment: {{ .root.Values.global.environment }}
{{- end -}}

{{/*
Labels of one service's migration objects (Job, its pod, ServiceAccount, NetworkPolicy, the
owner login's ExternalSecret). Their own name, <service>-migrate: the service's Service, PDB,
NetworkPolicy and AuthorizationPolicy select app.kubernetes.io/name=<service> and must not pick
up the Job's pod. Params: root, svc, [pod] (true: the pod template's, without chart version).
*/}}
{{- define "ecotrack.migrationLabels" -}}
{{- if .pod -}}
app.kubernetes.io/part-of: {{ .root.Values.global.partOf }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
ecotrack.io/environment: {{ .root.Values.global.environment }}
{{- else -}}
{{ include "ecotrack.labels" .root }}
{{- end }}
app.kubernetes.io/name: {{ .svc.name }}-migrate
app.kubernetes.io/component: migrations
app.kubernetes.io/version: {{ include "ecotrack.imageTag" . | quote }}
{{- end -}}

{{/* The Secret with one service's database owner login (DATABASE_URL), read by its migration Job only. */}}
{{- define "ecotrack.migrationSecretName" -}}
{{- printf "%s-migrations" .svc.name -}}
{{- end -}}

{{/* Selector labels of one service (stable across upgrades). Params: root, svc. */}}
{{- define "ecotrack.selectorLabels" -}}
app.kubernetes.io/name: {{ .svc.name }}
{{- end -}}

{{/* Image tag of one service; refuses `latest` and empty tags. Params: root, svc, [track]. */}}
{{- define "ecotrack.imageTag" -}}
{{- $tag := .svc.image.tag | default .root.Values.global.image.tag | toString -}}
{{- if eq (.track | default "stable") "canary" -}}
{{- $tag = required (printf "services.%s.canary.tag is required when the canary is enabled" .svc.name) .svc.canary.tag | toString -}}
{{- end -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail (printf "%s: image tag must be set and must not be 'latest'" .svc.name) -}}
{{- end -}}
{{- $tag -}}
{{- end -}}

{{/* Full image reference of one service. Params: root, svc, [track]. */}}
{{- define "ecotrack.image" -}}
{{- $g := .root.Values.global.image -}}
{{- $repo := .svc.image.repository | default (printf "%s/%s/%s" $g.registry $g.repository .svc.name) -}}
{{- printf "%s:%s" $repo (include "ecotrack.imageTag" .) -}}
{{- end -}}

{{/* Name of the ServiceAccount of one service. */}}
{{- define "ecotrack.serviceAccountName" -}}
{{- .svc.name -}}
{{- end -}}

{{/* IRSA role ARN of one service. Params: root, svc. */}}
{{- define "ecotrack.roleArn" -}}
{{- .svc.serviceAccount.roleArn | default (printf "arn:aws:iam::%s:role/ecotrack-%s-%s" (toString .root.Values.serviceAccount.awsAccountId) .root.Values.global.environment .svc.name) -}}
{{- end -}}

{{/* SPIFFE principal of a service's ServiceAccount (Istio AuthorizationPolicy). Params: root, name. */}}
{{- define "ecotrack.principal" -}}
{{- printf "%s/ns/%s/sa/%s" .root.Values.global.clusterDomain .root.Release.Namespace .name -}}
{{- end -}}

{{/* In-cluster base URL of a service. Params: root, name. */}}
{{- define "ecotrack.serviceUrl" -}}
{{- $svc := include "ecotrack.service" (dict "root" .root "name" .name) | fromYaml -}}
{{- printf "http://%s.%s.svc.%s:%v" .name .root.Release.Namespace .root.Values.global.clusterDomain $svc.port -}}
{{- end -}}

{{/* Kubernetes kind of the workload (Rollout when Argo Rollouts is on). */}}
{{- define "ecotrack.workloadKind" -}}
{{- if .Values.rollouts.enabled }}Rollout{{ else }}Deployment{{ end -}}
{{- end -}}

{{- define "ecotrack.workloadApiVersion" -}}
{{- if .Values.rollouts.enabled }}argoproj.io/v1alpha1{{ else }}apps/v1{{ end -}}
{{- end -}}

{{/* Argo CD sync wave annotation. */}}
{{- define "ecotrack.syncWave" -}}
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end -}}

{{/*
Annotations of an object that must exist before the release's workloads start: a Helm
pre-install/pre-upgrade hook (Helm creates hooks in weight order, waits for each Job to
complete before the next hook, and creates the release's other objects only after all hooks
succeeded), and the same as an Argo CD PreSync hook, wave = weight (Argo CD would map the Helm
hook itself; written out so that the order does not depend on that mapping). The previous hook
object is deleted only when the next one is created (before-hook-creation): a migration Job's
pod and logs stay until the next sync. Param: the weight.
*/}}
{{- define "ecotrack.preSyncHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation
argocd.argoproj.io/hook: PreSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end -}}

{{/*
Shutdown numbers of the pod, all derived from global.shutdown so that the env vars,
the preStop hook and terminationGracePeriodSeconds cannot disagree.
Returns YAML: preStop, drainMs, graceMs, terminationGracePeriodSeconds.
*/}}
{{- define "ecotrack.shutdown" -}}
{{- $s := .Values.global.shutdown -}}
{{- if ge (int $s.drainDelaySeconds) (int $s.gracePeriodSeconds) -}}
{{- fail "global.shutdown.drainDelaySeconds must be smaller than global.shutdown.gracePeriodSeconds" -}}
{{- end -}}
preStop: {{ int $s.preStopSleepSeconds }}
drainMs: {{ mul (int $s.drainDelaySeconds) 1000 }}
graceMs: {{ mul (int $s.gracePeriodSeconds) 1000 }}
terminationGracePeriodSeconds: {{ add (int $s.preStopSleepSeconds) (int $s.gracePeriodSeconds) (int $s.bufferSeconds) }}
{{- end -}}

{{/* Restricted container securityContext (Pod Security Standard "restricted"). */}}
{{- define "ecotrack.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Database of one service: svc.databaseName, else ecotrack_<name without -service, dashes as
underscores> (the naming of deploy/openbao/configure-cluster.sh). Params: root, svc.
*/}}
{{- define "ecotrack.databaseName" -}}
{{- .svc.databaseName | default (printf "ecotrack_%s" (.svc.name | trimSuffix "-service" | replace "-" "_")) -}}
{{- end -}}

{{/*
DATABASE_URL of one service in OpenBao mode: server and database only, no login (the service
takes its logins from OpenBao's database engine). Params: root, svc.
*/}}
{{- define "ecotrack.databaseUrl" -}}
{{- $pg := .root.Values.infrastructure.postgres -}}
{{- $host := required "infrastructure.postgres.host is required with openbaoAuth.enabled" $pg.host -}}
{{- printf "postgresql://%s:%v/%s" $host $pg.port (include "ecotrack.databaseName" .) -}}
{{- end -}}

{{/*
Checks of OpenBao mode (openbaoAuth.enabled) for one service. Params: root, svc.
- the service reads KV v2 secret/ecotrack/<environment>/<service> (libs/secrets), so the
  ExternalSecret's mount and prefix must be those;
- it maps KV properties to variables by lowercasing, so secretEnv must follow that rule;
- a secret variable must never also be a plain env variable (the environment would win).
*/}}
{{- define "ecotrack.openbaoAuth.check" -}}
{{- $es := .root.Values.externalSecrets -}}
{{- if .root.Values.openbaoAuth.enabled -}}
{{- if or (ne $es.keyPrefix "ecotrack") (ne $es.clusterSecretStore.path "secret") -}}
{{- fail "openbaoAuth.enabled: the services read KV v2 secret/ecotrack/<environment>/<service>; externalSecrets.keyPrefix must be ecotrack and externalSecrets.clusterSecretStore.path secret" -}}
{{- end -}}
{{- range $variable, $property := .svc.secretEnv -}}
{{- if ne $property (lower $variable) -}}
{{- fail (printf "%s: secretEnv.%s must name the KV property %s (with openbaoAuth.enabled the service reads its KV entry itself, lowercase property names)" $.svc.name $variable (lower $variable)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Timeouts of one service's routes: istio.http, with the service's own `http` over it.
Params: root, svc. Returns YAML {timeout, perTryTimeout}.
*/}}
{{- define "ecotrack.httpTimeouts" -}}
{{- $http := .root.Values.istio.http -}}
timeout: {{ .svc.http.timeout | default $http.timeout }}
perTryTimeout: {{ .svc.http.perTryTimeout | default $http.retries.perTryTimeout }}
{{- end -}}

{{/*
Names of one service's routes in a VirtualService, one per kind of request (see
templates/istio/virtualservice.yaml): idempotent, POST with Idempotency-Key, the rest.
Params: prefix ("" in the mesh, "<service>-" at the edge). Returns a JSON list.
*/}}
{{- define "ecotrack.routeNames" -}}
{{- list (printf "%sidempotent" .prefix) (printf "%skeyed-post" .prefix) (ternary "primary" (trimSuffix "-" .prefix) (eq .prefix "")) | toJson -}}
{{- end -}}

{{/*
SPIFFE ids of the services that call this one (its `callers`), as the sidecar puts them in
X-Forwarded-Client-Cert. Params: root, svc. Returns a comma-separated string.
*/}}
{{- define "ecotrack.callerSpiffeIds" -}}
{{- $ids := list -}}
{{- range $caller := .svc.callers -}}
{{- $ids = append $ids (printf "spiffe://%s" (include "ecotrack.principal" (dict "root" $.root "name" $caller.from))) -}}
{{- end -}}
{{- $ids | uniq | sortAlpha | join "," -}}
{{- end -}}

{{/*
A Kubernetes memory quantity (536870912, 512Mi, 1Gi, 500M, 1.5Gi) in whole MiB, rounded down.
Param: the quantity.
*/}}
{{- define "ecotrack.mebibytes" -}}
{{- $quantity := toString . -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $quantity -}}
{{- $unit := trimPrefix $number $quantity -}}
{{- $bytes := dict "" 1.0 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 -}}
{{- if or (not $number) (not (hasKey $bytes $unit)) -}}
{{- fail (printf "not a memory quantity: %q (use e.g. 512Mi or 1Gi)" $quantity) -}}
{{- end -}}
{{- divf (mulf (float64 $number) (get $bytes $unit)) 1048576 | floor | int -}}
{{- end -}}

{{/*
Node.js runtime of one service's container, from svc.node and svc.resources.limits (the figures
behind each default: docs/performance.md, "Node runtime settings in the chart"). Params: root, svc.
Returns YAML:
  maxOldSpaceMiB    node.maxOldSpaceSizeMiB, else node.heapPercentOfMemoryLimit % of limits.memory but
                    at most limits.memory - node.nonHeapMiB (what a service holds outside the old space:
                    young generation, code, native libraries, buffers); 0 without a memory limit
                    (Node then sizes the heap from the cgroup itself).
  nodeOptions       NODE_OPTIONS: --max-old-space-size (when known) and node.extraOptions.
  uvThreadpoolSize  node.uvThreadpoolSize, else one thread per CPU of limits.cpu (at least 1; 4,
                    libuv's default, without a CPU limit): more threads than cores only interleave
                    argon2 hashes, each holding 19 MiB.
*/}}
{{- define "ecotrack.nodeRuntime" -}}
{{- $node := .svc.node -}}
{{- $limits := .svc.resources.limits | default dict -}}
{{- $heap := int $node.maxOldSpaceSizeMiB -}}
{{- if and (eq $heap 0) (hasKey $limits "memory") -}}
{{- $limit := include "ecotrack.mebibytes" $limits.memory | int -}}
{{- $heap = min (div (mul $limit (int $node.heapPercentOfMemoryLimit)) 100) (sub $limit (int $node.nonHeapMiB)) -}}
{{- if lt $heap 64 -}}
{{- fail (printf "%s: resources.limits.memory %v leaves %d MiB of V8 heap after node.nonHeapMiB %v: raise the limit" .svc.name $limits.memory $heap $node.nonHeapMiB) -}}
{{- end -}}
{{- end -}}
{{- $options := list -}}
{{- if gt $heap 0 }}{{ $options = append $options (printf "--max-old-space-size=%d" $heap) }}{{ end -}}
{{- with $node.extraOptions }}{{ $options = append $options . }}{{ end -}}
{{- $threads := int $node.uvThreadpoolSize -}}
{{- if eq $threads 0 -}}
{{- $threads = 4 -}}
{{- if hasKey $limits "cpu" -}}
{{- $cpu := toString $limits.cpu -}}
{{- $cores := ternary (divf (float64 (trimSuffix "m" $cpu)) 1000) (float64 $cpu) (hasSuffix "m" $cpu) -}}
{{- $threads = max 1 (ceil $cores | int) -}}
{{- end -}}
{{- end }}
maxOldSpaceMiB: {{ $heap }}
nodeOptions: {{ join " " $options | quote }}
uvThreadpoolSize: {{ $threads }}
{{- end -}}

{{/*
PostgreSQL connections the chart's services may hold at their peak, against what the server
allows (infrastructure.postgres.maxConnections minus reservedConnections: superuser slots,
OpenBao's database engine, migrations, operators). A service's peak pods: its HPA's maxReplicas
(else replicaCount), doubled with Argo Rollouts (a canary may reach the stable's size before the
stable scales down), else plus the Deployment's 25 % surge and its canary Deployment; each pod
holds at most databasePoolMax (DATABASE_POOL_MAX). Fails the render when they do not fit.
Returns YAML: a line per service "<name>: <pods> pods x <pool>", total, available.
*/}}
{{- define "ecotrack.databaseConnections" -}}
{{- $pg := .Values.infrastructure.postgres -}}
{{- $available := sub (int $pg.maxConnections) (int $pg.reservedConnections) -}}
{{- $total := 0 -}}
{{- $lines := dict -}}
{{- range $name := include "ecotrack.enabledServices" . | fromYamlArray -}}
{{- $svc := include "ecotrack.service" (dict "root" $ "name" $name) | fromYaml -}}
{{- if $svc.database -}}
{{- $pods := ternary (int $svc.autoscaling.maxReplicas) (int $svc.replicaCount) $svc.autoscaling.enabled -}}
{{- if $.Values.rollouts.enabled -}}
{{- $pods = mul $pods 2 -}}
{{- else -}}
{{- $pods = add $pods (div (add $pods 3) 4) (ternary (int $svc.canary.replicaCount) 0 $svc.canary.enabled) -}}
{{- end -}}
{{- $total = add $total (mul $pods (int $svc.databasePoolMax)) -}}
{{- $_ := set $lines $name (printf "%d pods x %d" $pods (int $svc.databasePoolMax)) -}}
{{- end -}}
{{- end -}}
{{- if gt $total $available -}}
{{- fail (printf "PostgreSQL connections: the services may open %d at their peak (%s) but infrastructure.postgres allows %d (maxConnections %v - reservedConnections %v): lower databasePoolMax or maxReplicas, or raise maxConnections" $total (toJson $lines) $available $pg.maxConnections $pg.reservedConnections) -}}
{{- end -}}
{{- toYaml (dict "services" $lines "total" $total "available" $available) -}}
{{- end -}}

{{- /*
The hosts a service calls outside the cluster (egress), derived from its own settings: each
variable named in its `externalEndpoints` holds either an https URL (its host, and its port or
443) or a comma-separated host list as the service reads it (host, host:port, or ".suffix" for
every subdomain, written "*.suffix" as Istio does). Fails on what cannot be allowed by name: a
plain-http URL (the ServiceEntries carry TLS), "*" (any host), a variable the env does not set.
Returns a YAML list of {host, port, wildcard}, sorted, without repeats.
Usage: include "ecotrack.externalHosts" (dict "root" $ "name" "payment-service")
*/}}
{{- define "ecotrack.externalHosts" -}}
{{- $svc := include "ecotrack.service" (dict "root" .root "name" .name) | fromYaml -}}
{{- $env := mergeOverwrite (deepCopy .root.Values.global.env) (deepCopy $svc.env) -}}
{{- $found := dict -}}
{{- range $variable := $svc.externalEndpoints | default list -}}
{{- if not (hasKey $env $variable) -}}
{{- fail (printf "%s: externalEndpoints names %s, which its env does not set" $svc.name $variable) -}}
{{- end -}}
{{- $value := index $env $variable | toString | trim -}}
{{- $entries := list -}}
{{- if contains "://" $value -}}
{{- $url := urlParse $value -}}
{{- if ne $url.scheme "https" -}}
{{- fail (printf "%s: %s is %s; egress is allowed by TLS server name, so provider URLs must be https" $svc.name $variable $value) -}}
{{- end -}}
{{- $entries = append $entries $url.host -}}
{{- else -}}
{{- range $entry := splitList "," $value -}}
{{- if trim $entry -}}
{{- $entries = append $entries (trim $entry | lower) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $entry := $entries -}}
{{- $parts := splitList ":" $entry -}}
{{- $host := first $parts -}}
{{- $port := ternary (last $parts) "443" (eq (len $parts) 2) | int -}}
{{- if or (eq $host "*") (eq $host "") -}}
{{- fail (printf "%s: %s allows any host; egress needs the host names" $svc.name $variable) -}}
{{- end -}}
{{- $wildcard := hasPrefix "." $host -}}
{{- if $wildcard -}}{{- $host = printf "*%s" $host -}}{{- end -}}
{{- $_ := set $found (printf "%s:%d" $host $port) (dict "host" $host "port" $port "wildcard" $wildcard) -}}
{{- end -}}
{{- end -}}
{{- $list := list -}}
{{- range $key := keys $found | sortAlpha -}}
{{- $list = append $list (index $found $key) -}}
{{- end -}}
{{- toYaml $list -}}
{{- end -}}

{{- /*
The external hosts of every enabled service, one entry per host:port with the services that
call it: a YAML list of {host, port, wildcard, services}, sorted by host.
*/}}
{{- define "ecotrack.allExternalHosts" -}}
{{- $found := dict -}}
{{- range $name := include "ecotrack.enabledServices" . | fromYamlArray -}}
{{- range $entry := include "ecotrack.externalHosts" (dict "root" $ "name" $name) | fromYamlArray -}}
{{- $key := printf "%s:%v" $entry.host $entry.port -}}
{{- $seen := get $found $key | default (merge (dict "services" list) $entry) -}}
{{- $_ := set $seen "services" (append $seen.services $name) -}}
{{- $_ := set $found $key $seen -}}
{{- end -}}
{{- end -}}
{{- $list := list -}}
{{- range $key := keys $found | sortAlpha -}}
{{- $list = append $list (index $found $key) -}}
{{- end -}}
{{- toYaml $list -}}
{{- end -}}

{{- /*
Whether provider traffic leaves through the Istio egress gateway (egress.gateway.enabled, with
Istio and the ServiceEntries it routes by). Wildcard hosts never do: a gateway passing TLS
through routes by a resolvable host, and "*.push.apple.com" is not one (see templates/istio/egressgateway.yaml).
*/}}
{{- define "ecotrack.egressGateway" -}}
{{- if and .Values.istio.enabled .Values.egress.serviceEntries.enabled .Values.egress.gateway.enabled -}}true{{- end -}}
{{- end -}}

{{- /* A DNS-1123 name for an object about a host: *.push.apple.com -> wildcard-push-apple-com. */}}
{{- define "ecotrack.hostSlug" -}}
{{- . | replace "*" "wildcard" | replace "." "-" | replace ":" "-" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- /* The egress gateway's Service as the mesh names it. */}}
{{- define "ecotrack.egressGatewayHost" -}}
{{- $gw := .Values.egress.gateway -}}
{{- printf "%s.%s.svc.%s" $gw.service $gw.namespace .Values.global.clusterDomain -}}
{{- end -}}

{{/*
A Kubernetes CPU quantity (2, "1", 0.5, 500m) in whole millicores, rounded up. Param: the quantity.
*/}}
{{- define "ecotrack.millicores" -}}
{{- $quantity := toString . -}}
{{- if not (regexMatch "^[0-9]+(\\.[0-9]+)?m?$" $quantity) -}}
{{- fail (printf "not a CPU quantity: %q (use e.g. 500m or 2)" $quantity) -}}
{{- end -}}
{{- if hasSuffix "m" $quantity -}}
{{- ceil (float64 (trimSuffix "m" $quantity)) | int -}}
{{- else -}}
{{- ceil (mulf (float64 $quantity) 1000) | int -}}
{{- end -}}
{{- end -}}

{{/*
Annotations that size the injected istio-proxy (istio.proxy.resources) instead of istiod's global
default, so the ResourceQuota (ecotrack.resourceQuota) counts the sidecar exactly. Every pod
template the chart renders includes them. Param: root. Empty without Istio.
*/}}
{{- define "ecotrack.sidecarResourceAnnotations" -}}
{{- if .Values.istio.enabled -}}
{{- $r := .Values.istio.proxy.resources -}}
sidecar.istio.io/proxyCPU: {{ $r.requests.cpu | toString | quote }}
sidecar.istio.io/proxyCPULimit: {{ $r.limits.cpu | toString | quote }}
sidecar.istio.io/proxyMemory: {{ $r.requests.memory | toString | quote }}
sidecar.istio.io/proxyMemoryLimit: {{ $r.limits.memory | toString | quote }}
{{- end -}}
{{- end -}}

{{/*
What one pod counts against a ResourceQuota: its effective requests and limits (Kubernetes'
rule, native sidecars included): the regular containers run together with every sidecar, each
init container runs alone next to the sidecars started before it, and the pod needs the larger
of the two. Istio injects istio-proxy (istio.proxy.resources) first: as a native sidecar (an
init container that keeps running) when istio.nativeSidecar, else as a regular container.
(istio-validation, the CNI's check, runs as an init container with the proxy's resources: never
more than the sidecar next to the app.)
Params: root, containers (a list of resources {requests, limits} of the regular containers),
init (the resources of the largest init container step, or nothing), noSidecar (a pod that opts out
of injection).
Returns YAML: {requests.cpu: <millicores>, requests.memory: <MiB>, limits.cpu, limits.memory}.
*/}}
{{- define "ecotrack.podQuota" -}}
{{- $istio := .root.Values.istio -}}
{{- $out := dict -}}
{{- range $kind := list "requests" "limits" -}}
{{- range $resource := list "cpu" "memory" -}}
{{- $amount := ternary "ecotrack.millicores" "ecotrack.mebibytes" (eq $resource "cpu") -}}
{{- $regular := 0 -}}
{{- range $c := $.containers -}}
{{- $regular = add $regular (include $amount (index (index $c $kind) $resource) | int) -}}
{{- end -}}
{{- $init := 0 -}}
{{- with $.init }}{{ $init = include $amount (index (index . $kind) $resource) | int }}{{ end -}}
{{- $sidecar := 0 -}}
{{- if and $istio.enabled (not $.noSidecar) }}{{ $sidecar = include $amount (index (index $istio.proxy.resources $kind) $resource) | int }}{{ end -}}
{{- $pod := 0 -}}
{{- if and $istio.enabled (not $istio.nativeSidecar) -}}
{{- $pod = max $init (add $regular $sidecar) -}}
{{- else -}}
{{- $pod = add $sidecar (max $init $regular) -}}
{{- end -}}
{{- $_ := set $out (printf "%s.%s" $kind $resource) $pod -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The namespace's ResourceQuota, computed from the values the pods are rendered from, so the
services' peak always fits (a pod over quota is refused at admission: a scale-out or a rollout
would stall). Counted:
- each service at its peak: HPA maxReplicas (else replicaCount); with Argo Rollouts doubled (at
  100 % the canary reaches the stable's size before the stable scales down), else plus the
  Deployment's 25 % surge and the canary Deployment with its own surge; each pod's effective
  resources (ecotrack.podQuota: app, init containers, Istio sidecar);
- a migrations Job per service with a database (one pod of global.initResources);
- the rotation CronJob's pod (concurrencyPolicy Forbid: one at a time), and the backup CronJobs'
  (ecotrack.backupPods);
then namespace.resourceQuota.headroomPercent on top. namespace.resourceQuota.hard may raise a
computed entry, never lower it (the render fails), and adds the others.
tools/k8s/test/cluster-agreement.int-spec.ts recomputes the need from the rendered pods.
Returns YAML: the spec.hard map.
*/}}
{{- define "ecotrack.resourceQuota" -}}
{{- $v := .Values -}}
{{- $rq := $v.namespace.resourceQuota -}}
{{- $keys := list "requests.cpu" "requests.memory" "limits.cpu" "limits.memory" -}}
{{- $need := dict "pods" 0 -}}
{{- range $k := $keys }}{{ $_ := set $need $k 0 }}{{ end -}}
{{- $initResources := $v.global.initResources -}}
{{- range $name := include "ecotrack.enabledServices" . | fromYamlArray -}}
{{- $svc := include "ecotrack.service" (dict "root" $ "name" $name) | fromYaml -}}
{{- $peak := ternary (int $svc.autoscaling.maxReplicas) (int $svc.replicaCount) $svc.autoscaling.enabled -}}
{{- if $v.rollouts.enabled -}}
{{- $peak = mul $peak 2 -}}
{{- else -}}
{{- $peak = add $peak (div (add $peak 3) 4) -}}
{{- if $svc.canary.enabled -}}
{{- $canary := int $svc.canary.replicaCount -}}
{{- $peak = add $peak $canary (div (add $canary 3) 4) -}}
{{- end -}}
{{- end -}}
{{- $pod := include "ecotrack.podQuota" (dict "root" $ "containers" (list $svc.resources) "init" $initResources) | fromYaml -}}
{{- $_ := set $need "pods" (add $need.pods $peak) -}}
{{- range $k := $keys }}{{ $_ := set $need $k (add (index $need $k) (mul $peak (index $pod $k))) }}{{ end -}}
{{- if $svc.database -}}
{{- $job := include "ecotrack.podQuota" (dict "root" $ "containers" (list $initResources)) | fromYaml -}}
{{- $_ := set $need "pods" (add $need.pods 1) -}}
{{- range $k := $keys }}{{ $_ := set $need $k (add (index $need $k) (index $job $k)) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if $v.secretsRotation.enabled -}}
{{- $job := include "ecotrack.podQuota" (dict "root" $ "containers" (list $v.secretsRotation.resources)) | fromYaml -}}
{{- $_ := set $need "pods" (add $need.pods 1) -}}
{{- range $k := $keys }}{{ $_ := set $need $k (add (index $need $k) (index $job $k)) }}{{ end -}}
{{- end -}}
{{- range $job := include "ecotrack.backupPods" . | fromYamlArray -}}
{{- $_ := set $need "pods" (add $need.pods 1) -}}
{{- range $k := $keys }}{{ $_ := set $need $k (add (index $need $k) (index $job $k)) }}{{ end -}}
{{- end -}}
{{- $hard := dict -}}
{{- range $k, $value := $rq.hard }}{{ $_ := set $hard $k (toString $value) }}{{ end -}}
{{- range $k := append $keys "pods" -}}
{{- $computed := div (add (mul (index $need $k) (add 100 (int $rq.headroomPercent))) 99) 100 -}}
{{- $rendered := ternary (printf "%dm" $computed) (printf "%dMi" $computed) (hasSuffix ".cpu" $k) -}}
{{- if eq $k "pods" }}{{ $rendered = toString $computed }}{{ end -}}
{{- if hasKey $hard $k -}}
{{- $given := index $hard $k -}}
{{- $amount := $given | int -}}
{{- if hasSuffix ".cpu" $k }}{{ $amount = include "ecotrack.millicores" $given | int }}{{ else if hasSuffix ".memory" $k }}{{ $amount = include "ecotrack.mebibytes" $given | int }}{{ end -}}
{{- if lt $amount (index $need $k) -}}
{{- fail (printf "namespace.resourceQuota.hard.%s %s is below the services' peak (%d%s: every service at its HPA maximum with rollout surge, Istio sidecars, migrations Jobs and the rotation CronJob): remove it (the chart computes the quota) or raise it" $k $given (index $need $k) (ternary "m" (ternary "Mi" " pods" (hasSuffix ".memory" $k)) (hasSuffix ".cpu" $k))) -}}
{{- end -}}
{{- $rendered = $given -}}
{{- end -}}
{{- $_ := set $hard $k $rendered -}}
{{- end -}}
{{- toYaml $hard -}}
{{- end -}}

{{/*
A rule file (files/prometheus-rules/, files/loki-rules/) with its runbook links moved. Every alert's
runbook_url in those files starts with the upstream repository's runbooks URL (tests/repo/alerts.spec.ts
holds the files to it); here that prefix becomes metrics.prometheusRule.runbookBaseUrl, so one value
moves every link (a fork, a docs site). The local stack does the same with file://<repo>/docs/runbooks
(tools/stack/components/prometheus.sh). Call with (dict "root" $ "content" <file text>).
*/}}
{{- define "ecotrack.runbookLinks" -}}
{{- $upstream := "https://github.com/ecotrack/ecotrack/blob/main/docs/runbooks/" -}}
{{- $base := printf "%s/" (trimSuffix "/" .root.Values.metrics.prometheusRule.runbookBaseUrl) -}}
{{- .content | replace (printf "runbook_url: %s" $upstream) (printf "runbook_url: %s" $base) -}}
{{- end -}}

{{/*
IRSA role ARN of a backup ServiceAccount: the given ARN, else
arn:aws:iam::<serviceAccount.awsAccountId>:role/ecotrack-<environment>-<name> (the services' naming).
Params: root, name, roleArn.
*/}}
{{- define "ecotrack.backupRoleArn" -}}
{{- .roleArn | default (printf "arn:aws:iam::%s:role/ecotrack-%s-%s" (toString .root.Values.serviceAccount.awsAccountId) .root.Values.global.environment .name) -}}
{{- end -}}

{{/*
Image of a backup container: image.repository, else <global.image.registry>/<global.image.repository>/<name>
(our registry, the only one Gatekeeper admits); the tag must be set and not `latest`.
Params: root, image ({repository, tag}), name, value (the values path, for the error).
*/}}
{{- define "ecotrack.backupImage" -}}
{{- $g := .root.Values.global.image -}}
{{- $tag := .image.tag | toString -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail (printf "%s.tag must be set and must not be 'latest'" .value) -}}
{{- end -}}
{{- printf "%s:%s" (.image.repository | default (printf "%s/%s/%s" $g.registry $g.repository .name)) $tag -}}
{{- end -}}

{{/*
NetworkPolicy egress rules every backup pod needs: DNS; with Istio, what its sidecar needs like the
services' (istiod, user-service's JWKS) when it has one; S3 and STS on 443 at public addresses
(egress.internet: an S3 gateway endpoint keeps them) and at backup.aws.privateEndpointCidrs.
Params: root, sidecar (bool).
*/}}
{{- define "ecotrack.backupEgress" -}}
{{- $v := .root.Values -}}
# DNS.
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ $v.infrastructure.dns.namespace }}
  ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- if and $v.istio.enabled .sidecar }}
# istiod: configuration (xDS) and certificates of the sidecar.
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: istio-system
  ports:
    - {port: 15012, protocol: TCP}
# user-service's JWKS, fetched by every sidecar of the namespace (RequestAuthentication).
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: user-service
  ports:
    - {port: {{ (include "ecotrack.service" (dict "root" .root "name" "user-service") | fromYaml).port }}, protocol: TCP}
{{- end }}
# S3 and STS (IRSA's web identity exchange), HTTPS.
- to:
    - ipBlock:
        cidr: {{ $v.egress.internet.cidr }}
        except: {{ toJson $v.egress.internet.except }}
    {{- range $v.backup.aws.privateEndpointCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - {port: 443, protocol: TCP}
{{- end -}}

{{/*
Backup pods (values `backup`) for the ResourceQuota: one list of pod quotas, one per CronJob
(concurrencyPolicy Forbid: one pod of each at a time). The pgBackRest pods run without the Istio
sidecar (templates/backup-pgbackrest.yaml). Param: root. Returns YAML: a list of ecotrack.podQuota maps.
*/}}
{{- define "ecotrack.backupPods" -}}
{{- $b := .Values.backup -}}
{{- $pods := list -}}
{{- if eq $b.postgres.provider "pgbackrest" -}}
{{- $pod := include "ecotrack.podQuota" (dict "root" . "containers" (list $b.postgres.pgbackrest.resources) "noSidecar" true) | fromYaml -}}
{{- $pods = list $pod $pod -}}
{{- end -}}
{{- if $b.openbao.enabled -}}
{{- $pods = append $pods (include "ecotrack.podQuota" (dict "root" . "containers" (list $b.openbao.resources) "init" $b.openbao.resources) | fromYaml) -}}
{{- end -}}
{{- toYaml $pods -}}
{{- end -}}
