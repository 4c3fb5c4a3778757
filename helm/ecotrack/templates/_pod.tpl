{{/*
Pod template of one service, shared by Deployment, canary Deployment and Rollout.
Params: root, svc, track ("stable" or "canary").
*/}}
{{- define "ecotrack.podTemplate" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $track := .track | default "stable" -}}
{{- $sd := include "ecotrack.shutdown" $root | fromYaml -}}
{{- $image := include "ecotrack.image" . -}}
{{- $g := $root.Values.global -}}
{{- $infra := $root.Values.infrastructure -}}
{{- $bao := $root.Values.openbaoAuth -}}
{{- include "ecotrack.openbaoAuth.check" . -}}
metadata:
  # Pod labels: no chart version (ecotrack.podLabels), so a chart bump alone restarts no pod.
  labels:
    {{- include "ecotrack.podLabels" . | nindent 4 }}
    {{- if not $root.Values.rollouts.enabled }}
    ecotrack.io/track: {{ $track }}
    {{- end }}
  annotations:
    {{- if $root.Values.istio.enabled }}
    # istio-proxy as a native sidecar: it starts before our init containers, so they
    # reach PostgreSQL and the other services through the mesh (STRICT mTLS), and it
    # stops after the service has drained.
    sidecar.istio.io/nativeSidecar: {{ $root.Values.istio.nativeSidecar | quote }}
    # The sidecar's size, counted by the namespace's ResourceQuota (istio.proxy.resources).
    {{- include "ecotrack.sidecarResourceAnnotations" $root | nindent 4 }}
    {{- end }}
    {{- with $svc.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "ecotrack.serviceAccountName" . }}
  automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
  {{- with $g.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  # = preStop sleep + SHUTDOWN_GRACE_PERIOD_MS + buffer (global.shutdown).
  terminationGracePeriodSeconds: {{ $sd.terminationGracePeriodSeconds }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "ecotrack.selectorLabels" . | nindent 10 }}
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "ecotrack.selectorLabels" . | nindent 10 }}
  {{- with $svc.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $svc.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  affinity:
    {{- if $svc.affinity }}
    {{- toYaml $svc.affinity | nindent 4 }}
    {{- else }}
    # Prefer one pod per node (the topology spread above also balances zones).
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "ecotrack.selectorLabels" . | nindent 16 }}
    {{- end }}
  initContainers:
    {{- /* Each wait speaks the dependency's protocol (tools/k8s/wait-for.js): PostgreSQL answers an
    SSLRequest, Kafka an ApiVersions request, Redis a PING, HTTP a 2xx. A bare TCP connect would
    prove nothing with Istio on: the sidecar intercepts it and accepts at once, upstream or not. */}}
    {{- if $bao.enabled }}
    # 1. Infrastructure first: PostgreSQL and Kafka answer their protocol, OpenBao is unsealed
    # (a standby answers too). Redis' address is in the service's KV entry: not checked here.
    - name: wait-for-infrastructure
      image: {{ $image }}
      imagePullPolicy: {{ $g.image.pullPolicy }}
      command:
        - node
        - tools/k8s/wait-for.js
        - --timeout={{ $g.waitTimeoutSeconds }}
        {{- if $svc.database }}
        - env:DATABASE_URL
        {{- end }}
        - kafka:env:KAFKA_BROKERS
        - {{ printf "%s/v1/sys/health?standbyok=true" (trimSuffix "/" $infra.openbao.address) }}
      env:
        {{- if $svc.database }}
        - name: DATABASE_URL
          value: {{ include "ecotrack.databaseUrl" . | quote }}
        {{- end }}
        - name: KAFKA_BROKERS
          value: {{ $infra.kafka.brokers | quote }}
    {{- else }}
    # 1. Databases first: PostgreSQL, Redis and Kafka answer their protocol.
    - name: wait-for-infrastructure
      image: {{ $image }}
      imagePullPolicy: {{ $g.image.pullPolicy }}
      command: ["node", "tools/k8s/wait-for.js", "--timeout={{ $g.waitTimeoutSeconds }}", "env:DATABASE_URL", "env:REDIS_URL", "kafka:env:KAFKA_BROKERS"]
      env:
        - name: KAFKA_BROKERS
          value: {{ $infra.kafka.brokers | quote }}
      envFrom:
        - secretRef:
            name: {{ $svc.name }}-secrets
    {{- end }}
      resources:
        {{- toYaml $g.initResources | nindent 8 }}
      securityContext:
        {{- include "ecotrack.containerSecurityContext" . | nindent 8 }}
    {{- /* This service's migrations are not a step of its pods: one Job per release runs them
    before any pod of the release starts (templates/migrations.yaml), and only that Job gets
    the owner login. */}}
    {{- if $svc.dependsOn }}
    # 2. Core services before their dependents: wait for their readiness (GET of their
    # probes.readiness.path, through the mesh; their AuthorizationPolicy lets dependents in).
    - name: wait-for-services
      image: {{ $image }}
      imagePullPolicy: {{ $g.image.pullPolicy }}
      command:
        - node
        - tools/k8s/wait-for.js
        - --timeout={{ $g.waitTimeoutSeconds }}
        {{- range $dep := $svc.dependsOn }}
        {{- $depSvc := include "ecotrack.service" (dict "root" $root "name" $dep) | fromYaml }}
        - {{ printf "%s%s" (include "ecotrack.serviceUrl" (dict "root" $root "name" $dep)) $depSvc.probes.readiness.path }}
        {{- end }}
      resources:
        {{- toYaml $g.initResources | nindent 8 }}
      securityContext:
        {{- include "ecotrack.containerSecurityContext" . | nindent 8 }}
    {{- end }}
  containers:
    - name: {{ $svc.name }}
      image: {{ $image }}
      imagePullPolicy: {{ $g.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ $svc.port }}
          protocol: TCP
      env:
        {{- $env := mergeOverwrite (deepCopy $g.env) (deepCopy $svc.env) -}}
        {{- $reservedNames := list "SHUTDOWN_DRAIN_DELAY_MS" "SHUTDOWN_GRACE_PERIOD_MS" "PORT" "DATABASE_URL" "REDIS_URL" "OPENBAO_ADDR" "OPENBAO_AUTH_METHOD" "OPENBAO_AUTH_MOUNT" "OPENBAO_ROLE" "OPENBAO_ENVIRONMENT" "OPENBAO_K8S_TOKEN_FILE" "INTERNAL_CALLER_SPIFFE_IDS" "NODE_OPTIONS" "UV_THREADPOOL_SIZE" "DATABASE_POOL_MAX" "JWT_ISSUER" "JWT_AUDIENCE" "OTEL_TRACES_SAMPLER" "OTEL_TRACES_SAMPLER_ARG" "OTEL_LOGS_EXPORTER" }}
        {{- range $reserved := $reservedNames }}
        {{- if hasKey $env $reserved }}
        {{- fail (printf "%s: %s is set by the chart (global.shutdown, port, secrets, openbaoAuth, node, databasePoolMax, auth.jwt, telemetry); do not set it in env" $svc.name $reserved) }}
        {{- end }}
        {{- end }}
        {{- range $variable := keys $svc.secretEnv | sortAlpha }}
        {{- if hasKey $env $variable }}
        {{- fail (printf "%s: %s is a secret (secretEnv); do not also set it in env" $svc.name $variable) }}
        {{- end }}
        {{- end }}
        {{- range $key := keys $env | sortAlpha }}
        - name: {{ $key }}
          value: {{ index $env $key | toString | quote }}
        {{- end }}
        - name: HOST
          value: "0.0.0.0"
        - name: PORT
          value: {{ $svc.port | quote }}
        - name: KAFKA_BROKERS
          value: {{ $infra.kafka.brokers | quote }}
        - name: OTEL_EXPORTER_OTLP_ENDPOINT
          value: {{ $infra.otlp.endpoint | quote }}
        {{- $telemetry := $root.Values.telemetry }}
        - name: OTEL_TRACES_SAMPLER
          value: {{ $telemetry.tracing.sampler | quote }}
        - name: OTEL_TRACES_SAMPLER_ARG
          value: {{ $telemetry.tracing.ratio | toString | quote }}
        - name: OTEL_LOGS_EXPORTER
          value: {{ $telemetry.logs.exporter | quote }}
        - name: SERVICE_VERSION
          value: {{ include "ecotrack.imageTag" . | quote }}
        - name: SHUTDOWN_DRAIN_DELAY_MS
          value: {{ $sd.drainMs | quote }}
        - name: SHUTDOWN_GRACE_PERIOD_MS
          value: {{ $sd.graceMs | quote }}
        {{- $node := include "ecotrack.nodeRuntime" . | fromYaml }}
        {{- with $node.nodeOptions }}
        # V8's heap below the container's memory limit (node.*): a heap error names the cause
        # where an OOM kill would not.
        - name: NODE_OPTIONS
          value: {{ . | quote }}
        {{- end }}
        - name: UV_THREADPOOL_SIZE
          value: {{ $node.uvThreadpoolSize | quote }}
        {{- if $svc.database }}
        - name: DATABASE_POOL_MAX
          value: {{ $svc.databasePoolMax | quote }}
        {{- end }}
        {{- range $dep := $svc.dependsOn }}
        - name: {{ printf "%s_URL" ($dep | upper | replace "-" "_") }}
          value: {{ include "ecotrack.serviceUrl" (dict "root" $root "name" $dep) | quote }}
        {{- end }}
        {{- if and $root.Values.istio.enabled (eq $root.Values.istio.mtlsMode "STRICT") $svc.callers }}
        # The services that call this one, by Istio peer identity: the sidecar appends the verified
        # peer to X-Forwarded-Client-Cert, and with STRICT mTLS every request enters through it, so
        # the service can trust that element and spend no client's rate limit on these calls.
        - name: INTERNAL_CALLER_SPIFFE_IDS
          value: {{ include "ecotrack.callerSpiffeIds" . | quote }}
        {{- end }}
        # Access tokens: user-service signs them with this issuer and audience, every service
        # verifies them with the same (auth.jwt, also the RequestAuthentication's), against
        # user-service's published keys.
        - name: JWT_ISSUER
          value: {{ $root.Values.auth.jwt.issuer | quote }}
        - name: JWT_AUDIENCE
          value: {{ $root.Values.auth.jwt.audience | quote }}
        - name: JWT_JWKS_URL
          value: {{ printf "%s/.well-known/jwks.json" (include "ecotrack.serviceUrl" (dict "root" $root "name" "user-service")) | quote }}
        {{- if $bao.enabled }}
        # OpenBao mode: where OpenBao is and who the service is, nothing secret. The service
        # logs in with the projected token, then reads its KV entry (REDIS_URL, secretEnv),
        # database logins (database/creds/<service>) and transit keys itself.
        - name: OPENBAO_ADDR
          value: {{ $infra.openbao.address | quote }}
        - name: OPENBAO_AUTH_METHOD
          value: kubernetes
        - name: OPENBAO_AUTH_MOUNT
          value: {{ $bao.authMount | quote }}
        - name: OPENBAO_ROLE
          value: {{ $svc.name | quote }}
        - name: OPENBAO_ENVIRONMENT
          value: {{ $g.environment | quote }}
        - name: OPENBAO_K8S_TOKEN_FILE
          value: /var/run/secrets/openbao/token
        {{- if $svc.database }}
        # Server and database only: the login comes from OpenBao.
        - name: DATABASE_URL
          value: {{ include "ecotrack.databaseUrl" . | quote }}
        {{- end }}
        {{- else }}
      envFrom:
        - secretRef:
            name: {{ $svc.name }}-secrets
        {{- end }}
      startupProbe:
        httpGet: {path: {{ $svc.probes.startup.path }}, port: http}
        periodSeconds: {{ $svc.probes.startup.periodSeconds }}
        timeoutSeconds: {{ $svc.probes.startup.timeoutSeconds }}
        failureThreshold: {{ $svc.probes.startup.failureThreshold }}
      readinessProbe:
        httpGet: {path: {{ $svc.probes.readiness.path }}, port: http}
        periodSeconds: {{ $svc.probes.readiness.periodSeconds }}
        timeoutSeconds: {{ $svc.probes.readiness.timeoutSeconds }}
        failureThreshold: {{ $svc.probes.readiness.failureThreshold }}
      livenessProbe:
        httpGet: {path: {{ $svc.probes.liveness.path }}, port: http}
        periodSeconds: {{ $svc.probes.liveness.periodSeconds }}
        timeoutSeconds: {{ $svc.probes.liveness.timeoutSeconds }}
        failureThreshold: {{ $svc.probes.liveness.failureThreshold }}
      lifecycle:
        preStop:
          sleep:
            seconds: {{ $sd.preStop }}
      resources:
        {{- toYaml $svc.resources | nindent 8 }}
      securityContext:
        {{- include "ecotrack.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if $bao.enabled }}
        - name: openbao-token
          mountPath: /var/run/secrets/openbao
          readOnly: true
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
    {{- if $bao.enabled }}
    # The service's OpenBao login: a short-lived ServiceAccount token for OpenBao only
    # (automountServiceAccountToken stays off: no Kubernetes API token in the pod).
    - name: openbao-token
      projected:
        sources:
          - serviceAccountToken:
              path: token
              expirationSeconds: {{ $bao.token.expirationSeconds }}
              {{- with $bao.token.audience }}
              audience: {{ . | quote }}
              {{- end }}
    {{- end }}
{{- end -}}
